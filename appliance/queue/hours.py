"""Opening hours and breaks of a site (pure).

A service is open when the site's weekly hours include the local time. Breaks (including the long
Friday prayer break) do not refuse tickets: citizens arrive during breaks and wait; the kiosk says
the counters are on a break.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Break:
    days: tuple[str, ...]
    start: time
    end: time
    label: str


@dataclass(frozen=True)
class Hours:
    weekly: Mapping[str, tuple[time, time] | None]
    breaks: tuple[Break, ...]


@dataclass(frozen=True)
class Opening:
    """Whether tickets may be issued now, and what to tell the citizen.

    What to tell is an Indonesian `template` and the `params` filling it, kept apart so that a
    refusal can be shown in the page's language (appliance/queue/errors.py).
    """

    open: bool
    reason: str  # "open" | "break" | "before_opening" | "after_closing" | "closed_today"
    template: str
    params: Mapping[str, str] = field(default_factory=dict)
    opens: time | None = None
    closes: time | None = None
    break_label: str | None = None

    @property
    def message(self) -> str:
        return self.template.format(**self.params) if self.params else self.template


def parse_hhmm(text: str) -> time:
    """`"08:00"` → time(8, 0); ValueError otherwise."""
    hours, sep, minutes = text.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2:
        raise ValueError(f"expected HH:MM, got {text!r}")
    return time(int(hours), int(minutes))


def hours_from_catalogue(doc: Mapping[str, object]) -> Hours:
    """Build `Hours` from the catalogue's `hours` object (already validated)."""
    weekly_raw = doc.get("weekly", {})
    weekly: dict[str, tuple[time, time] | None] = {}
    if isinstance(weekly_raw, Mapping):
        for day in WEEKDAYS:
            span = weekly_raw.get(day)
            if isinstance(span, Sequence) and len(span) == 2:
                weekly[day] = (parse_hhmm(str(span[0])), parse_hhmm(str(span[1])))
            else:
                weekly[day] = None
    breaks: list[Break] = []
    breaks_raw = doc.get("breaks", [])
    if isinstance(breaks_raw, Sequence):
        for item in breaks_raw:
            if isinstance(item, Mapping):
                days = item.get("days", [])
                breaks.append(
                    Break(
                        days=tuple(str(d) for d in days) if isinstance(days, Sequence) else (),
                        start=parse_hhmm(str(item["from"])),
                        end=parse_hhmm(str(item["to"])),
                        label=str(item.get("label", "Istirahat")),
                    )
                )
    return Hours(weekly=weekly, breaks=tuple(breaks))


def opening_at(hours: Hours, local: datetime) -> Opening:
    """Whether the site is issuing tickets at local time `local`."""
    day = WEEKDAYS[local.weekday()]
    span = hours.weekly.get(day)
    if span is None:
        return Opening(False, "closed_today", "Layanan tutup hari ini.")
    opens, closes = span
    times = {"opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"}
    now = local.time().replace(tzinfo=None)
    if now < opens:
        return Opening(
            False,
            "before_opening",
            "Layanan belum dibuka. Buka pukul {opens}.",
            times,
            opens,
            closes,
        )
    if now >= closes:
        return Opening(
            False,
            "after_closing",
            "Layanan sudah tutup. Tutup pukul {closes}.",
            times,
            opens,
            closes,
        )
    for brk in hours.breaks:
        if day in brk.days and brk.start <= now < brk.end:
            return Opening(
                True,
                "break",
                "{label} sampai pukul {until}; antrean tetap dicatat.",
                {"label": brk.label, "until": f"{brk.end:%H:%M}"},
                opens,
                closes,
                brk.label,
            )
    return Opening(True, "open", "Layanan buka.", times, opens, closes)


def next_opening(hours: Hours, local: datetime) -> datetime | None:
    """When the site next opens after `local` (local time, naive): today's opening when it is
    still to come, else the first day of the coming week with hours; None when it never opens.

    The kiosk's closed screen says it ("buka kembali Jumat 08.00"), so a citizen at the door
    learns when to come back instead of reading why every service refuses.
    """
    today = local.replace(tzinfo=None)
    for ahead in range(8):
        day = today.date() + timedelta(days=ahead)
        span = hours.weekly.get(WEEKDAYS[day.weekday()])
        if span is None:
            continue
        opens = datetime.combine(day, span[0])
        if opens > today:
            return opens
    return None
