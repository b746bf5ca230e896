"""What every central request shares: its settings and the per-app context.

The HTTP glue itself (JSON errors, inputs, sessions and tokens, the OpenAPI builder) is the
appliance's own `web.kit`, so central keeps the same conventions (SPEC §4) without a second copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from peewee import Database

from appliance.config.sections import CentralWebConfig, WebConfig
from appliance.site import DEFAULT_ZONE
from appliance.skm.questionnaire import Questionnaire
from appliance.throttle import LoginThrottle
from sync.central.summaries import SiteSummaries
from web.kit.server import Limits

EXTENSION = "mpp_central"


def utc_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CentralWebSettings:
    """How central's HTTP side behaves; `from_config` reads `[central.web]`."""

    secret_key: str = CentralWebConfig.secret_key
    public_url: str = CentralWebConfig.public_url
    session_hours: int = WebConfig.session_hours  # an officer's working day, as on the appliance
    timezone: str = DEFAULT_ZONE  # a site's "today" when no pushed catalogue names its zone
    now: Callable[[], datetime] = field(default=utc_clock)
    limits: Limits = field(default_factory=Limits)  # what one client may hold (web/kit/server)

    @classmethod
    def from_config(cls, config: Any) -> CentralWebSettings:
        web = config.central.web
        limits = Limits(
            max_connections=web.max_connections,
            per_address=web.connections_per_address,
            idle_timeout_s=web.idle_timeout_s,
            request_timeout_s=web.request_timeout_s,
        )
        return cls(secret_key=web.secret_key, public_url=web.public_url, limits=limits)


@dataclass
class CentralContext:
    db: Database
    settings: CentralWebSettings
    throttle: LoginThrottle
    zone: ZoneInfo
    questionnaire: Questionnaire
    # the sites list, and what it keeps between polls (names, each site's figures)
    summaries: SiteSummaries = field(default_factory=SiteSummaries)


def central() -> CentralContext:
    context: CentralContext = current_app.extensions[EXTENSION]
    return context
