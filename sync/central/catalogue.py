"""Catalogue pushes from central: record the version, then publish it retained on `down/config`.

Retained, so a site that is offline when the push happens gets it on its next connect; the edge
applies it only when newer than what it has, so a replay never rolls a site back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from peewee import Database, IntegrityError, fn

from appliance.bookings.settings import KEYS_KEY
from appliance.catalogue.store import CatalogueError, validate_catalogue
from sync import protocol
from sync.central.bookings.keys import config_keys
from sync.central.ingest import utc_now
from sync.central.store import CatalogueRow, OutgoingRow, SiteRow, serialise


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
        serialise(db, f"catalogue:{site}")
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


@dataclass(frozen=True)
class Push:
    """A catalogue version recorded and queued for publishing (`outgoing` row `outgoing_id`)."""

    site: str
    version: int
    outgoing_id: int


class PushRefused(ValueError):
    """A push central will not record: `code` is stable, `problems` lists catalogue faults."""

    def __init__(self, status: int, code: str, message: str, problems: tuple[str, ...] = ()):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.problems = problems


def push_catalogue(
    db: Database, site: str, document: object, *, keys_at: datetime | None = None
) -> Push:
    """Check a whole `mpp-catalogue/1` document, give it a version, record it and queue it.

    The document is checked with the appliance's own rules, so a site never receives a catalogue
    it would refuse; it must name the site it is pushed to (an appliance applying another site's
    catalogue would rename itself). Without a `version` central takes the next one above both its
    own pushes and the version the site last reported in its hello (a site's local edits raise
    its version too, and the edge ignores anything not newer). The version row and the
    `outgoing` row commit together; the publisher sends it retained on `down/config`. The
    document carries the site's booking public keys valid at `keys_at` (default: now).
    """
    protocol.check_site(site)
    try:
        catalogue = validate_catalogue(document)
    except CatalogueError as exc:
        raise PushRefused(
            422, "invalid_catalogue", "Katalog tidak dapat dipakai.", exc.problems
        ) from None
    if catalogue.site_code != site:
        raise PushRefused(
            422,
            "site_mismatch",
            f"Katalog ini untuk situs {catalogue.site_code}, bukan {site}.",
        )
    doc = dict(catalogue.doc)
    with db.connection_context(), db.atomic():
        serialise(db, f"catalogue:{site}")  # MAX(version) + 1 is read, then written
        newest = (
            CatalogueRow.select(fn.MAX(CatalogueRow.version))
            .where(CatalogueRow.site == site)
            .scalar()
        )
        reported = SiteRow.select(SiteRow.config_version).where(SiteRow.code == site).scalar()
        floor = max(int(newest or 0), int(reported or 0))
        if catalogue.version is None:
            version = floor + 1
        elif catalogue.version <= floor:
            raise PushRefused(
                409,
                "version_not_newer",
                f"Versi {catalogue.version} tidak lebih baru dari versi {floor} yang sudah ada "
                "(kosongkan 'version' agar dipilih otomatis).",
            )
        else:
            version = catalogue.version
        doc["version"] = version
        # Central's own booking keys, whatever the document said (SPEC §8; made on first push).
        doc[KEYS_KEY] = config_keys(db, site, keys_at or datetime.now(UTC))
        now = utc_now()
        CatalogueRow.create(
            site=site,
            version=version,
            document=json.dumps(doc, ensure_ascii=False, sort_keys=True),
            pushed_at=now,
        )
        outgoing = OutgoingRow.create(
            site=site,
            topic=protocol.topic(site, protocol.CONFIG),
            payload=protocol.encode_config(doc),
            retain=True,
            version=version,
            created_at=now,
        )
    return Push(site, version, int(outgoing.id))
