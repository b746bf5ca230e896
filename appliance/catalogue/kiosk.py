"""The catalogue's optional words for the kiosk (pure): how a citizen finds a service.

All optional, so every catalogue written before them stays valid and exports as it was:

- `site.kiosk_priority` (bool, default true): the kiosk shows the priority button (lansia,
  disabilitas, ibu hamil, anak) that sends the citizen to the front desk; a site without a desk
  for it turns it off.
- `agencies[].short_name` (≤ 40 characters): shown big on the tile ("Disdukcapil"), the official
  name small under it; `agencies[].icon`: the name of an icon shipped with the appliance
  (`web/static/img/agency/<icon>.svg`, nothing fetched), one of `ICONS`.
- `services[].group` (≤ 60): services of one agency with the same group are listed under it, so
  62 tiles become a few headed lists; `services[].aliases` (≤ 20 words or phrases of ≤ 40): the
  words citizens say ("e-ktp", "surat jalan") that search counts as the service's own.

`extras(doc)` gathers them from a checked document so the store can keep them, and `merged`
puts them back into an exported one, so they round-trip through export and import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

# The icons shipped in web/static/img/agency/ (a test keeps the two lists equal).
ICONS = (
    "building",
    "id-card",
    "passport",
    "vehicle",
    "police",
    "health",
    "money",
    "land",
    "family",
    "work",
    "religion",
    "court",
    "utility",
    "post",
    "education",
    "document",
)
MAX_SHORT_NAME = 40
MAX_GROUP = 60
MAX_ALIAS = 40
MAX_ALIASES = 20
SITE_KEYS = ("kiosk_priority",)
AGENCY_KEYS = ("short_name", "icon")
SERVICE_KEYS = ("group", "aliases")
_ICON = re.compile(r"[a-z][a-z0-9-]*")

Problem = Callable[[str, str], None]


def _text(value: object, path: str, limit: int, problem: Problem) -> str | None:
    if not isinstance(value, str) or not value.strip():
        problem(path, "expected a non-empty string")
        return None
    if len(value) > limit:
        problem(path, f"{len(value)} characters, at most {limit}")
        return None
    return value.strip()


def site_extras(site: Mapping[str, Any], problem: Problem) -> dict[str, Any]:
    if "kiosk_priority" not in site:
        return {}
    value = site["kiosk_priority"]
    if not isinstance(value, bool):
        problem("site.kiosk_priority", "expected true or false")
        return {}
    return {"kiosk_priority": value}


def agency_extras(agency: Mapping[str, Any], path: str, problem: Problem) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "short_name" in agency:
        short = _text(agency["short_name"], f"{path}.short_name", MAX_SHORT_NAME, problem)
        if short is not None:
            out["short_name"] = short
    if "icon" in agency:
        icon = agency["icon"]
        if not isinstance(icon, str) or not _ICON.fullmatch(icon) or icon not in ICONS:
            problem(f"{path}.icon", f"{icon!r} is not a shipped icon: {', '.join(ICONS)}")
        else:
            out["icon"] = icon
    return out


def service_extras(service: Mapping[str, Any], path: str, problem: Problem) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "group" in service:
        group = _text(service["group"], f"{path}.group", MAX_GROUP, problem)
        if group is not None:
            out["group"] = group
    if "aliases" in service:
        raw = service["aliases"]
        if not isinstance(raw, list):
            problem(f"{path}.aliases", "expected an array of strings")
            return out
        if len(raw) > MAX_ALIASES:
            problem(f"{path}.aliases", f"{len(raw)} aliases, at most {MAX_ALIASES}")
        aliases = [_text(a, f"{path}.aliases[{i}]", MAX_ALIAS, problem) for i, a in enumerate(raw)]
        out["aliases"] = [a for a in aliases if a is not None]
    return out


def extras(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The kiosk's words of a checked document, by section and code (what the store keeps)."""

    def picked(items: Any, keys: tuple[str, ...]) -> dict[str, dict[str, Any]]:
        found = {item["code"]: {k: item[k] for k in keys if k in item} for item in items}
        return {code: values for code, values in found.items() if values}

    return {
        "site": {k: doc["site"][k] for k in SITE_KEYS if k in doc["site"]},
        "agencies": picked(doc["agencies"], AGENCY_KEYS),
        "services": picked(doc["services"], SERVICE_KEYS),
    }


def merged(doc: dict[str, Any], kept: object) -> dict[str, Any]:
    """`doc` (an export) with the kiosk's words `kept` by the store put back in place."""
    if not isinstance(kept, dict):
        return doc
    doc["site"].update(kept.get("site", {}))
    for section in ("agencies", "services"):
        words = kept.get(section, {})
        for item in doc[section]:
            item.update(words.get(item["code"], {}))
    return doc
