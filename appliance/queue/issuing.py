"""The one rule for "can a ticket be issued now" (pure).

The engine applies it inside the issuing transaction and refuses with its answer; the kiosk's
service list and the ticket button's LED ask it beforehand, so what they show is what the engine
will do. What the rule reads is passed in as callables and read only when needed: the engine
reads no opening hours when they are not enforced, and counts no tickets for a service without a
daily quota.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from appliance.queue.hours import Hours, hours_from_catalogue, opening_at


@dataclass(frozen=True)
class Verdict:
    """Whether a ticket may be issued now; when not, a stable code and what to tell the citizen.

    The message is an Indonesian template and its params, as a refusal carries them
    (appliance/queue/errors.py), so the web can show it in the page's language.
    """

    allowed: bool
    code: str = ""  # "no_catalogue" | "before_opening" | "after_closing" | "closed_today" | ...
    template: str = ""
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template.format(**self.params) if self.params else self.template


ISSUING = Verdict(True)
NO_CATALOGUE = Verdict(False, "no_catalogue", "Katalog layanan belum dimuat.")
QUOTA_REACHED = "quota_reached"


def issuing(
    *,
    enforce_hours: bool,
    hours: Callable[[], str | None],
    local: datetime,
    service: str = "",
    quota: int | None = None,
    issued_today: Callable[[], int] = lambda: 0,
) -> Verdict:
    """The site's opening hours (when enforced), then the service's daily quota (when it has one).

    `hours()`: the catalogue's hours as stored (JSON text), None before a catalogue is loaded;
    `local`: now on the site's clock; `issued_today()`: the service's tickets of the business day
    (transfers in not counted). Without a `quota` the answer is the site's alone.
    """
    if enforce_hours:
        text = hours()
        if text is None:
            return NO_CATALOGUE
        opening = opening_at(parsed_hours(text), local)
        if not opening.open:
            return Verdict(False, opening.reason, opening.template, opening.params)
    if quota is not None and issued_today() >= quota:
        return Verdict(
            False,
            QUOTA_REACHED,
            "Kuota harian layanan {service} ({quota}) sudah habis. Silakan datang kembali besok.",
            {"service": service, "quota": quota},
        )
    return ISSUING


@functools.lru_cache(maxsize=8)
def parsed_hours(text: str) -> Hours:
    """Opening hours parsed once per catalogue version (keyed by their JSON text)."""
    return hours_from_catalogue(json.loads(text))
