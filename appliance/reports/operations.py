"""Daily operations figures over plain ticket dicts (pure): counts, times, arrivals, per desk.

A ticket dict carries `state`, `service`, `counter`, `officer` (a name or None), `business_date`
and the ISO 8601 stamps `issued_at`, `called_at`, `started_at`, `finished_at`. Waiting time is
issue to (last) call; handling time is start (or call, when the officer never pressed start) to
finish of a done ticket. Percentiles are nearest-rank, so every figure is a time that really
happened rather than an interpolation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from typing import Any

COUNTED_STATES = ("waiting", "called", "serving", "done", "no_show", "expired", "cancelled")


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (the smallest value with at least `fraction` of values <= it)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(round(fraction * len(ordered), 9)))
    return ordered[min(rank, len(ordered)) - 1]


def minutes_between(start: str | None, end: str | None) -> float | None:
    """Minutes from one stored stamp to another; None when either is missing or time ran back."""
    if not start or not end:
        return None
    seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    return round(seconds / 60.0, 2) if seconds >= 0 else None


class _Tally:
    def __init__(self) -> None:
        self.counts = dict.fromkeys(COUNTED_STATES, 0)
        self.waits: list[float] = []
        self.handles: list[float] = []

    def add(self, ticket: Mapping[str, Any]) -> None:
        state = str(ticket.get("state"))
        if state in self.counts:
            self.counts[state] += 1
        wait = minutes_between(ticket.get("issued_at"), ticket.get("called_at"))
        if wait is not None:
            self.waits.append(wait)
        if state == "done":
            handle = minutes_between(
                ticket.get("started_at") or ticket.get("called_at"), ticket.get("finished_at")
            )
            if handle is not None:
                self.handles.append(handle)

    def figures(self) -> dict[str, Any]:
        c = self.counts
        return {
            "issued": sum(c.values()),
            "served": c["done"],
            "no_show": c["no_show"],
            "expired": c["expired"],
            "cancelled": c["cancelled"],
            "waiting": c["waiting"],
            "in_progress": c["called"] + c["serving"],
            "wait_p50_minutes": percentile(self.waits, 0.5),
            "wait_p90_minutes": percentile(self.waits, 0.9),
            "handling_p50_minutes": percentile(self.handles, 0.5),
            "handling_p90_minutes": percentile(self.handles, 0.9),
        }


def operations_report(
    tickets: Iterable[Mapping[str, Any]],
    zone: tzinfo,
    *,
    service_names: Mapping[str, str] | None = None,
    counter_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Totals, per service, per counter, per officer, and arrivals per hour of the site's day.

    Per counter and per officer only tickets that reached a counter count; their `issued` is
    the number of tickets called there (a counter issues nothing).
    """
    total = _Tally()
    services: dict[str, _Tally] = {}
    counters: dict[str, _Tally] = {}
    officers: dict[str, _Tally] = {}
    agencies: dict[str, str] = {}
    hours: dict[int, int] = {}
    for ticket in tickets:
        total.add(ticket)
        service = str(ticket.get("service"))
        services.setdefault(service, _Tally()).add(ticket)
        if ticket.get("agency"):
            agencies[service] = str(ticket["agency"])
        if ticket.get("counter"):
            counters.setdefault(str(ticket["counter"]), _Tally()).add(ticket)
        if ticket.get("officer"):
            officers.setdefault(str(ticket["officer"]), _Tally()).add(ticket)
        issued = ticket.get("issued_at")
        if issued:
            hour = datetime.fromisoformat(issued).astimezone(zone).hour
            hours[hour] = hours.get(hour, 0) + 1
    names = service_names or {}
    desks = counter_names or {}
    arrivals = (
        [{"hour": h, "count": hours.get(h, 0)} for h in range(min(hours), max(hours) + 1)]
        if hours
        else []
    )
    return {
        "totals": total.figures(),
        "arrivals_per_hour": arrivals,
        "services": [
            {
                "service": code,
                "service_name": names.get(code, code),
                "agency": agencies.get(code, ""),
                **services[code].figures(),
            }
            for code in sorted(services)
        ],
        "counters": [
            {"counter": code, "counter_name": desks.get(code, code), **counters[code].figures()}
            for code in sorted(counters)
        ],
        "officers": [{"officer": name, **officers[name].figures()} for name in sorted(officers)],
    }
