"""The sites list (GET /api/v1/central/sites, /dashboard): `reports.site_summary` of every site,
read with a few grouped queries per poll instead of several per site, and each site's figures
kept until that site stores more events.

Reading each site's row on its own took more than 2,000 round trips per poll at 500 sites, in
the process whose threads also ingest: 2.2 s p50, 37.5 s p99 during B12's ingest
(docs/performance.md, "B12: national fan-in on PostgreSQL"). A poll now reads:

- every site row with its newest catalogue version (one query; the broker link is the
  caller's);
- a catalogue document only for a (site, version) not read before: a stored version never
  changes, so its zone and names are parsed once and kept (bounded);
- only for the sites whose figures are not kept, per distinct "today" among them (a site's own
  business date; one or two dates across Indonesia's zones): that day's tickets (one query per
  500 sites) and the survey answers of the IKM_DAYS up to it, counted by site, date and answer
  text (one query per 500 sites; each distinct answer text checked once, kept, bounded).

Every figure is worked out by the same code as `site_summary` (`reports.ticket_figures` and
`day_figures_of`, the SKM rules through `reports.valid_responses`, `reports.ikm_of_totals`), so
the list equals `site_summary` of each site (tests/sync/central/test_summaries.py, on both
backends). Measured: docs/performance.md, "The sites API and dashboard (issue 19)".

A site's figures are kept under (stored_through, events_stored, its today, its zone): its
tickets and survey responses change only when ingest stores its events, and ingest moves
stored_through in the same transaction (sync.central.ingest). The site rows are read before the
figures, so figures are never older than the key they are kept under. MAX_AGE_S bounds anything
else (a database restored under a running central). One `SiteSummaries` belongs to one central
app (`CentralContext.summaries`); its threads share it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from peewee import SQL, Tuple, fn

from appliance.skm.arithmetic import ELEMENTS
from sync.central import reports
from sync.central.reports import IKM_DAYS, SiteNames, TicketTimes
from sync.central.store import CatalogueRow, SiteRow, SurveyRow, TicketRow

FigureKey = tuple[int, int, str, str]  # stored_through, events_stored, today, zone
Scores = tuple[int, ...]  # a valid response's scores in ELEMENTS order

SITES_PER_QUERY = 500  # codes in one `IN (…)`: under SQLite's and PostgreSQL's bound parameters
MAX_SITES = 20_000  # figures kept for this many sites (a national central has about 500)
MAX_CATALOGUES = 4_096  # parsed catalogue versions kept
MAX_ANSWER_TEXTS = 16_384  # checked answer texts kept (4^9 complete answers exist)
MAX_AGE_S = 300.0  # figures older than this are read again even when their key still holds


@dataclass(frozen=True)
class _Kept:
    key: FigureKey
    at: float  # the clock's time when read
    today: dict[str, Any]
    ikm_30_days: dict[str, Any]


class _Tally:
    """Valid responses counted: how many, and per element the sum of their scores."""

    __slots__ = ("respondents", "totals")

    def __init__(self) -> None:
        self.respondents = 0
        self.totals = [0] * len(ELEMENTS)

    def add(self, scores: Scores, count: int) -> None:
        self.respondents += count
        for index, score in enumerate(scores):
            self.totals[index] += score * count

    def summary(self, start: date, end: date) -> dict[str, Any]:
        totals = dict(zip(ELEMENTS, self.totals, strict=True))
        return reports.ikm_of_totals(start, end, self.respondents, totals)


K = TypeVar("K")
V = TypeVar("V")


class _Bounded(OrderedDict[K, V]):
    """A dict that forgets its least recently used entries beyond `limit`."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def used(self, key: K) -> V | None:
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def keep(self, key: K, value: V) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


class SiteSummaries:
    """Every site's row of the sites list (`site_summaries`), with what it keeps between polls."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._figures: _Bounded[str, _Kept] = _Bounded(MAX_SITES)
        # (site, version) -> its parsed names; a tuple so an unreadable document is kept too
        self._catalogues: _Bounded[tuple[str, int], tuple[SiteNames | None]] = _Bounded(
            MAX_CATALOGUES
        )
        self._answers: _Bounded[str, tuple[Scores | None]] = _Bounded(MAX_ANSWER_TEXTS)

    def site_summaries(
        self, default_zone: ZoneInfo, now: datetime, link: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        """Every site central knows, with sync health and today's figures, as `site_summary`
        of each with `link` = `brokerlink.link_state()` (call inside a connection)."""
        # with each site's newest catalogue version; named tuples: the same values as the
        # models (peewee's converters) in a third of the time
        versions = CatalogueRow.alias()
        newest = versions.select(fn.MAX(versions.version)).where(versions.site == SiteRow.code)
        query = SiteRow.select(SiteRow, newest.alias("newest_catalogue")).order_by(SiteRow.code)
        rows: list[Any] = list(query.namedtuples())
        names = self._names(rows, default_zone)
        todays = {code: reports.site_today(found, now) for code, found in names.items()}
        keys: dict[str, FigureKey] = {
            row.code: (
                int(row.stored_through),
                int(row.events_stored),
                todays[row.code].isoformat(),
                names[row.code].zone.key,
            )
            for row in rows
        }
        kept: dict[str, _Kept] = {}
        oldest = self._clock() - MAX_AGE_S
        with self._lock:
            for code, key in keys.items():
                found = self._figures.used(code)
                if found is not None and found.key == key and found.at >= oldest:
                    kept[code] = found
        missing = [code for code in keys if code not in kept]
        if missing:
            kept.update(self._read_figures(missing, todays, keys))
        return [
            reports.summary_of(
                row,
                names[row.code],
                now,
                link,
                dict(kept[row.code].today),
                dict(kept[row.code].ikm_30_days),
            )
            for row in rows
        ]

    # -- names ------------------------------------------------------------------------------

    def _names(self, rows: Sequence[Any], default_zone: ZoneInfo) -> dict[str, SiteNames]:
        """Each site's `reports.site_names`, its newest catalogue parsed once per version."""
        newest = {
            row.code: int(row.newest_catalogue) for row in rows if row.newest_catalogue is not None
        }
        with self._lock:
            catalogues = {
                site: self._catalogues.used((site, version)) for site, version in newest.items()
            }
        unread = [(site, newest[site]) for site, found in catalogues.items() if found is None]
        for part in _chunks(unread):
            read: dict[tuple[str, int], tuple[SiteNames | None]] = {pair: (None,) for pair in part}
            query = CatalogueRow.select(
                CatalogueRow.site, CatalogueRow.version, CatalogueRow.document
            ).where(Tuple(CatalogueRow.site, CatalogueRow.version).in_(part))
            for site, version, document in query.tuples():
                read[(site, int(version))] = (reports.parse_catalogue(document),)
            with self._lock:
                for pair, parsed in read.items():
                    self._catalogues.keep(pair, parsed)
                    catalogues[pair[0]] = parsed
        return {
            row.code: reports.names_of(
                reports.reported_zone(row.timezone),
                (catalogues.get(row.code) or (None,))[0],
                default_zone,
            )
            for row in rows
        }

    # -- figures ----------------------------------------------------------------------------

    def _read_figures(
        self, codes: Sequence[str], todays: dict[str, date], keys: dict[str, FigureKey]
    ) -> dict[str, _Kept]:
        """`day_figures` of each site's today and `ikm_summary` of the IKM_DAYS up to it."""
        by_day: dict[date, list[str]] = {}
        for code in codes:
            by_day.setdefault(todays[code], []).append(code)
        at = self._clock()
        read: dict[str, _Kept] = {}
        for day, sites in by_day.items():
            start = day - timedelta(days=IKM_DAYS - 1)
            tickets = _ticket_figures(sites, day)
            days, today = self._surveys(sites, start, day)
            for code in sites:
                skm = today[code].summary(day, day)
                figures = reports.day_figures_of(day, tickets[code], skm)
                ikm = days[code].summary(start, day)
                read[code] = _Kept(keys[code], at, figures, ikm)
        with self._lock:
            for code, found in read.items():
                self._figures.keep(code, found)
        return read

    def _surveys(
        self, sites: Sequence[str], start: date, day: date
    ) -> tuple[dict[str, _Tally], dict[str, _Tally]]:
        """Valid responses of each site from `start` to `day`, and of `day` alone, counted as
        `reports.ikm_summary` selects them (junk answers left out, as there)."""
        days = {code: _Tally() for code in sites}
        today = {code: _Tally() for code in sites}
        for part in _chunks(sites):
            query = (
                SurveyRow.select(
                    SurveyRow.site, SurveyRow.business_date, SurveyRow.answers, fn.COUNT(SQL("*"))
                )
                .where(
                    SurveyRow.site.in_(part)
                    & SurveyRow.business_date.between(start.isoformat(), day.isoformat())
                )
                .group_by(SurveyRow.site, SurveyRow.business_date, SurveyRow.answers)
            )
            for site, business_date, answers, count in query.tuples():
                scores = self._scores(answers)
                if scores is None:
                    continue
                days[site].add(scores, int(count))
                if business_date == day.isoformat():  # BETWEEN day AND day, as ikm_summary
                    today[site].add(scores, int(count))
        return days, today

    def _scores(self, answers: str) -> Scores | None:
        """A stored answer text's scores, None when it breaks the SKM rules (checked by
        `reports.valid_responses` itself, once per distinct text)."""
        with self._lock:
            found = self._answers.used(answers)
        if found is not None:
            return found[0]
        good, _ = reports.valid_responses([(answers, "{}")])
        scores = tuple(good[0]["answers"][code] for code in ELEMENTS) if good else None
        with self._lock:
            self._answers.keep(answers, (scores,))
        return scores


def _ticket_figures(sites: Sequence[str], day: date) -> dict[str, reports.TicketFigures]:
    """`reports.ticket_figures` of each site's tickets of `day`, from their rows (one query
    per 500 sites). Having PostgreSQL count and take the medians itself was measured slower:
    only a time written as both it and Python read it may be cast (a regular expression per
    time, about 3 µs each), 11.9 s against 1.3 s for 500 sites of 500 tickets each
    (docs/performance.md, B12)."""
    rows = _ticket_rows(sites, day)
    return {code: reports.ticket_figures(rows[code]) for code in sites}


def _ticket_rows(sites: Sequence[str], day: date) -> dict[str, list[TicketTimes]]:
    """The day's tickets of these sites as `reports.day_figures` reads them."""
    found: dict[str, list[TicketTimes]] = {code: [] for code in sites}
    for part in _chunks(sites):
        query = TicketRow.select(
            TicketRow.site,
            TicketRow.state,
            TicketRow.issued_at,
            TicketRow.called_at,
            TicketRow.started_at,
            TicketRow.finished_at,
        ).where(TicketRow.site.in_(part) & (TicketRow.business_date == day.isoformat()))
        for site, state, issued, called, started, finished in query.tuples():
            found[site].append((state, issued, called, started, finished))
    return found


def _chunks(items: Sequence[V]) -> Iterator[list[V]]:
    for start in range(0, len(items), SITES_PER_QUERY):
        yield list(items[start : start + SITES_PER_QUERY])
