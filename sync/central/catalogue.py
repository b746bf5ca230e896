"""Catalogue pushes from central: record the version, then publish it retained on `down/config`.

Retained, so a site that is offline when the push happens gets it on its next connect; the edge
applies it only when newer than what it has, so a replay never rolls a site back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from peewee import Database, IntegrityError

from sync import protocol
from sync.central.ingest import utc_now
from sync.central.models import CatalogueRow


class PushError(ValueError):
    pass


def record_push(db: Database, site: str, document: Mapping[str, Any]) -> tuple[str, bytes]:
    """Store a new catalogue version for `site`; returns (topic, payload) to publish retained.

    The version must be higher than every version pushed before (central's own record).
    """
    protocol.check_site(site)
    try:
        payload = protocol.encode_config(document)
    except ValueError as exc:
        raise PushError(str(exc)) from None
    version = int(document["version"])
    with db.connection_context(), db.atomic():
        newest = (
            CatalogueRow.select(CatalogueRow.version)
            .where(CatalogueRow.site == site)
            .order_by(CatalogueRow.version.desc())
            .first()
        )
        if newest is not None and version <= newest.version:
            raise PushError(f"version {version} is not newer than pushed {newest.version}")
        try:
            CatalogueRow.create(
                site=site,
                version=version,
                document=json.dumps(document, ensure_ascii=False, sort_keys=True),
                pushed_at=utc_now(),
            )
        except IntegrityError:
            raise PushError(f"version {version} already pushed") from None
    return protocol.topic(site, protocol.CONFIG), payload
