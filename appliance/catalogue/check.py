"""Checking and normalising an `mpp-catalogue/1` document (pure).

Every problem is collected, each with the JSON path of the bad field, so an administrator fixes a
catalogue in one round instead of one error per upload. A malformed value of any JSON type is a
problem, never a crash. The same pass normalises: optional fields get their defaults and
WIB/WITA/WIT become IANA names, so the stored document and the exported one look alike.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from typing import Any, TypeGuard
from zoneinfo import ZoneInfo

from appliance.bookings import settings as booking
from appliance.catalogue import kiosk
from appliance.queue.hours import WEEKDAYS
from appliance.site import TIME_ZONES

FORMAT = "mpp-catalogue/1"
AGENCY_KINDS = ("opd", "vertikal", "bumn", "bumd", "swasta")
MAX_SERVICE_MINUTES = 480
MAX_INTEGER = 2**63 - 1  # SQLite's; a larger version or quota could not be stored

_CODE = re.compile(r"[A-Z0-9]+(-[A-Z0-9]+)*")
_SITE_CODE = re.compile(r"[0-9A-Z][0-9A-Z-]*")
_PREFIX = re.compile(r"[A-Z]{1,2}")
_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")

# The longest text each field may hold: what the receipt (48 columns, wrapped), the board's
# tiles, the kiosk's buttons and the reports can show. Longer is a problem naming the field
# (a 422 from the admin API), never a 100,000-character service name on paper. The longest
# in the shipped catalogues: agency name 111, fee 92, service name 90, requirement 69.
MAX_CODE = 64  # as the site code in MQTT topics and the API's codes
TEXT_LIMITS = {
    ("site", "name"): 120,
    ("site", "region_code"): 16,
    ("site", "address"): 300,
    ("agencies", "name"): 160,
    ("services", "name"): 120,
    ("services", "fee"): 160,
    ("counters", "name"): 40,
    ("hours.breaks", "label"): 60,
}
MAX_REQUIREMENT = 200
MAX_REQUIREMENTS = 40

_TOP = ("format", "version", "site", "hours", "agencies", "services", "counters", booking.KEYS_KEY)
_OPTIONAL_TOP = ("version", booking.KEYS_KEY)
_SITE = ("code", "name", "region_code", "timezone", "address", *kiosk.SITE_KEYS, booking.SITE_KEY)
_SERVICE = (
    "code",
    "agency",
    "name",
    "prefix",
    "avg_service_minutes",
    "daily_quota",
    "requirements",
    "fee",
    *kiosk.SERVICE_KEYS,
    booking.SERVICE_KEY,
)


def check_catalogue(doc: object) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Problems found in `doc` (empty when valid) and the normalised document.

    The normalised document is only meaningful when there are no problems.
    """
    checker = _Checker()
    normalised = checker.document(doc)
    return tuple(checker.problems), normalised


def show(value: object) -> str:
    """A value as JSON, shortened: how problems quote what they found."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def hint(word: object, choices: Sequence[str]) -> str:
    """` (did you mean "x"?)` when something in `choices` is close to `word`."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {show(close[0])}?)" if close else ""


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.service_paths: dict[str, str] = {}  # code -> where it is first defined

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path or 'document'}: {message}")

    # -- shapes -------------------------------------------------------------------------------

    def fields(
        self, value: object, path: str, required: Sequence[str], allowed: Sequence[str]
    ) -> dict[str, Any] | None:
        """The object at `path`, after reporting unknown and missing keys; None if not an object."""
        if not isinstance(value, dict):
            self.problem(path, f"expected an object, got {_kind(value)}")
            return None
        for key in value:
            if key not in allowed:
                self.problem(_key(path, str(key)), "unknown key" + hint(key, allowed))
        for key in required:
            if key not in value:
                self.problem(_key(path, key), "is missing")
        return value

    def array(self, value: object, path: str, *, nonempty: bool = False) -> list[Any]:
        if not isinstance(value, list):
            self.problem(path, f"expected an array, got {_kind(value)}")
            return []
        if nonempty and not value:
            self.problem(path, "must not be empty")
        return value

    def text(self, obj: dict[str, Any], key: str, path: str, *, blank: bool = False) -> str:
        """A string field (non-blank unless `blank`); "" when absent or wrong."""
        value = obj.get(key, "" if blank else None)
        if key not in obj and not blank:
            return ""  # reported as missing already
        if not isinstance(value, str):
            self.problem(_key(path, key), f"expected a string, got {_kind(value)}")
            return ""
        if not blank and not value.strip():
            self.problem(_key(path, key), "must not be empty")
        limit = MAX_CODE if key == "code" else TEXT_LIMITS.get((path.split("[")[0], key), 200)
        if len(value) > limit:
            self.problem(_key(path, key), f"{len(value)} characters, at most {limit}")
        return value

    def code(self, obj: dict[str, Any], path: str, pattern: re.Pattern[str], what: str) -> str:
        value = self.text(obj, "code", path)
        if value and not pattern.fullmatch(value):
            self.problem(_key(path, "code"), f"{show(value)} is not {what}")
        return value

    def unique(self, code: str, path: str, seen: dict[str, str]) -> None:
        if not code:
            return
        if code in seen:
            self.problem(_key(path, "code"), f"duplicate {show(code)} (first at {seen[code]})")
        else:
            seen[code] = path

    def minutes(self, value: object, path: str) -> str:
        if not isinstance(value, str) or not _HHMM.fullmatch(value):
            self.problem(path, f"{show(value)} is not a time HH:MM")
            return ""
        return value

    def span(self, start: str, end: str, path: str, what: str) -> None:
        if start and end and start >= end:
            self.problem(path, f"{what} {start} is not before {end}")

    # -- sections -----------------------------------------------------------------------------

    def document(self, doc: object) -> dict[str, Any]:
        top = self.fields(doc, "", [k for k in _TOP if k not in _OPTIONAL_TOP], _TOP)
        if top is None:
            return {}
        out: dict[str, Any] = {"format": top.get("format")}
        if "format" in top and top["format"] != FORMAT:
            self.problem("format", f"{show(top['format'])} is not {show(FORMAT)}")
        version = top.get("version")
        if version is not None:
            if not _is_int(version) or not 1 <= version <= MAX_INTEGER:
                self.problem("version", f"{show(version)} is not a positive integer")
            out["version"] = version
        # A missing section is reported once (above), not once per field inside it.
        out["site"] = self.site(top["site"]) if "site" in top else {}
        out["hours"] = self.hours(top["hours"]) if "hours" in top else {}
        agencies = self.agencies(top["agencies"]) if "agencies" in top else []
        services = self.services(top["services"], agencies) if "services" in top else []
        out["agencies"] = agencies
        out["services"] = services
        out["counters"] = self.counters(top["counters"], agencies) if "counters" in top else []
        out.update(booking.keys_extras(top, self.problem))
        return out

    def site(self, value: object) -> dict[str, Any]:
        site = self.fields(value, "site", ("code", "name", "timezone"), _SITE)
        if site is None:
            return {}
        out = {
            "code": self.code(site, "site", _SITE_CODE, "uppercase letters, digits and dashes"),
            "name": self.text(site, "name", "site"),
            "region_code": self.text(site, "region_code", "site", blank=True),
            "timezone": self.timezone(site) if "timezone" in site else "",
            "address": self.text(site, "address", "site", blank=True),
            **kiosk.site_extras(site, self.problem),
            **booking.site_extras(site, self.problem),
        }
        return out

    def timezone(self, site: dict[str, Any]) -> str:
        value = site["timezone"]
        if not isinstance(value, str):
            self.problem("site.timezone", f"expected a string, got {_kind(value)}")
            return ""
        name = TIME_ZONES.get(value.upper(), value)
        try:
            ZoneInfo(name)
        except (KeyError, ValueError, OSError):
            self.problem(
                "site.timezone",
                f"{show(value)} is not an IANA time zone (e.g. Asia/Jakarta) or WIB/WITA/WIT",
            )
        return name

    def hours(self, value: object) -> dict[str, Any]:
        hours = self.fields(value, "hours", ("weekly",), ("weekly", "breaks"))
        if hours is None:
            return {}
        weekly: dict[str, Any] = {}
        if "weekly" in hours:
            days = self.fields(hours["weekly"], "hours.weekly", WEEKDAYS, WEEKDAYS) or {}
            for day in WEEKDAYS:
                weekly[day] = self.day(days.get(day), f"hours.weekly.{day}")
        breaks = []
        for i, item in enumerate(self.array(hours.get("breaks", []), "hours.breaks")):
            breaks.append(self.pause(item, f"hours.breaks[{i}]"))
        return {"weekly": weekly, "breaks": breaks}

    def day(self, value: object, path: str) -> list[str] | None:
        if value is None:
            return None
        if not isinstance(value, list) or len(value) != 2:
            self.problem(path, f'expected null or ["HH:MM", "HH:MM"], got {show(value)}')
            return None
        start, end = (self.minutes(v, f"{path}[{i}]") for i, v in enumerate(value))
        self.span(start, end, path, "opening")
        return [start, end]

    def pause(self, value: object, path: str) -> dict[str, Any]:
        item = self.fields(value, path, ("days", "from", "to"), ("days", "from", "to", "label"))
        if item is None:
            return {}
        days: list[str] = []
        for i, day in enumerate(self.array(item.get("days", []), _key(path, "days"))):
            if day not in WEEKDAYS:
                self.problem(f"{path}.days[{i}]", f"{show(day)} is not one of mon..sun")
            elif day in days:
                self.problem(f"{path}.days[{i}]", f"duplicate {show(day)}")
            else:
                days.append(day)
        start = self.minutes(item["from"], _key(path, "from")) if "from" in item else ""
        end = self.minutes(item["to"], _key(path, "to")) if "to" in item else ""
        self.span(start, end, path, "break from")
        label = self.text(item, "label", path, blank=True) if "label" in item else "Istirahat"
        return {"days": days, "from": start, "to": end, "label": label}

    def agencies(self, value: object) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: dict[str, str] = {}
        for i, item in enumerate(self.array(value, "agencies", nonempty=True)):
            path = f"agencies[{i}]"
            allowed = ("code", "name", "kind", *kiosk.AGENCY_KEYS)
            agency = self.fields(item, path, ("code", "name", "kind"), allowed)
            if agency is None:
                continue
            code = self.code(agency, path, _CODE, "an UPPER-KEBAB code")
            self.unique(code, path, seen)
            kind = agency.get("kind")
            if "kind" in agency and kind not in AGENCY_KINDS:
                choices = ", ".join(AGENCY_KINDS)
                self.problem(f"{path}.kind", f"{show(kind)} is not one of {choices}")
            name = self.text(agency, "name", path)
            extras = kiosk.agency_extras(agency, path, self.problem)
            out.append({"code": code, "name": name, "kind": kind, **extras})
        return out

    def reference(self, value: object, path: str, known: Sequence[str], what: str) -> None:
        if not isinstance(value, str):
            self.problem(path, f"expected a string, got {_kind(value)}")
        elif value not in known:  # `known` holds tens to a few hundred codes
            self.problem(path, f"unknown {what} {show(value)}" + hint(value, known))

    def services(self, value: object, agencies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen = self.service_paths
        agency_codes = [a["code"] for a in agencies if a["code"]]
        prefixes: dict[str, tuple[str, str]] = {}  # prefix -> (agency, path of first use)
        clashes: set[tuple[str, str]] = set()
        for i, item in enumerate(self.array(value, "services", nonempty=True)):
            path = f"services[{i}]"
            required = _SERVICE[:5]
            service = self.fields(item, path, required, _SERVICE)
            if service is None:
                continue
            code = self.code(service, path, _CODE, "an UPPER-KEBAB code")
            self.unique(code, path, seen)
            agency = service.get("agency")
            if "agency" in service:
                self.reference(agency, f"{path}.agency", agency_codes, "agency")
            prefix = service.get("prefix")
            if "prefix" in service:
                if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
                    self.problem(f"{path}.prefix", f"{show(prefix)} is not 1-2 uppercase letters")
                elif isinstance(agency, str):
                    self.prefix(prefix, agency, f"{path}.prefix", prefixes, clashes)
            out.append(
                {
                    "code": code,
                    "agency": agency,
                    "name": self.text(service, "name", path),
                    "prefix": prefix,
                    "avg_service_minutes": self.avg_minutes(service, path),
                    "daily_quota": self.quota(service.get("daily_quota"), f"{path}.daily_quota"),
                    "requirements": self.requirements(service, path),
                    "fee": self.text(service, "fee", path, blank=True),
                    **kiosk.service_extras(service, path, self.problem),
                    **booking.service_extras(service, path, self.problem),
                }
            )
        self.prefix_free(prefixes)
        return out

    def prefix(
        self,
        prefix: str,
        agency: str,
        path: str,
        prefixes: dict[str, tuple[str, str]],
        clashes: set[tuple[str, str]],
    ) -> None:
        """One prefix belongs to one agency: numbers count per prefix, so they would mix."""
        owner = prefixes.setdefault(prefix, (agency, path))
        if owner[0] != agency and (prefix, agency) not in clashes:
            clashes.add((prefix, agency))
            self.problem(
                path,
                f"{show(prefix)} is already the prefix of agency {show(owner[0])} ({owner[1]})",
            )

    def prefix_free(self, prefixes: dict[str, tuple[str, str]]) -> None:
        """A one-letter prefix never starts a two-letter one, so numbers read unambiguously."""
        for prefix, (agency, path) in prefixes.items():
            if len(prefix) == 2 and prefix[0] in prefixes:
                other, other_path = prefixes[prefix[0]]
                self.problem(
                    path,
                    f"{show(prefix)} (agency {show(agency)}) starts with the prefix "
                    f"{show(prefix[0])} of agency {show(other)} ({other_path}); "
                    "prefixes must be prefix-free",
                )

    def avg_minutes(self, service: dict[str, Any], path: str) -> object:
        value = service.get("avg_service_minutes")
        if "avg_service_minutes" in service and (
            not _is_int(value) or not 1 <= value <= MAX_SERVICE_MINUTES
        ):
            self.problem(
                f"{path}.avg_service_minutes",
                f"{show(value)} is not a whole number of minutes 1..{MAX_SERVICE_MINUTES}",
            )
        return value

    def quota(self, value: object, path: str) -> object:
        if value is not None and (not _is_int(value) or not 1 <= value <= MAX_INTEGER):
            self.problem(path, f"{show(value)} is neither null nor a positive integer")
        return value

    def requirements(self, service: dict[str, Any], path: str) -> list[str]:
        path = f"{path}.requirements"
        items = self.array(service.get("requirements", []), path)
        if len(items) > MAX_REQUIREMENTS:
            self.problem(path, f"{len(items)} requirements, at most {MAX_REQUIREMENTS}")
        for i, item in enumerate(items):
            if not isinstance(item, str):
                self.problem(f"{path}[{i}]", f"expected a string, got {_kind(item)}")
            elif len(item) > MAX_REQUIREMENT:
                self.problem(f"{path}[{i}]", f"{len(item)} characters, at most {MAX_REQUIREMENT}")
        return list(items)

    def counters(self, value: object, agencies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: dict[str, str] = {}
        agency_codes = [a["code"] for a in agencies if a["code"]]
        service_codes = list(self.service_paths)
        served: set[str] = set()
        items = self.array(value, "counters", nonempty=True)
        keys = ("code", "name", "agency", "services")
        for i, item in enumerate(items):
            path = f"counters[{i}]"
            counter = self.fields(item, path, keys, keys)
            if counter is None:
                continue
            code = self.code(counter, path, _CODE, "an UPPER-KEBAB code")
            self.unique(code, path, seen)
            if "agency" in counter:
                self.reference(counter["agency"], f"{path}.agency", agency_codes, "agency")
            listed: list[Any] = []
            if "services" in counter:
                listed = self.array(counter["services"], f"{path}.services", nonempty=True)
            for j, service in enumerate(listed):
                where = f"{path}.services[{j}]"
                if service in listed[:j]:
                    self.problem(where, f"duplicate {show(service)}")
                    continue
                self.reference(service, where, service_codes, "service")
                if isinstance(service, str):
                    served.add(service)
            out.append(
                {
                    "code": code,
                    "name": self.text(counter, "name", path),
                    "agency": counter.get("agency"),
                    "services": list(listed),
                }
            )
        if isinstance(value, list):
            for code, where in self.service_paths.items():
                if code not in served:
                    self.problem(where, f"{show(code)} is not served by any counter")
        return out
