"""Which fields matter: a rank for every field name, from rules over the name (never per API).

Lower rank = shown first. Tiers: identity, title, display name / value, state,
address, place, kind, size, related names, dates, free text, tags. A field outside every tier has no rank: it
is still in the structured content and can be asked for with `fields`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec, ResponseField

__all__ = ["ID_FALLBACKS", "TITLE_FALLBACKS", "extract", "field_docs", "field_rank", "rank_fields", "split_path"]

_TIERS: tuple[tuple[str, ...], ...] = (
    ("id",),
    ("name",),
    ("displayname", "value"),
    ("state", "status", "allocationstate", "resourcestate", "powerstate", "jobstatus", "jobid", "hastate", "vmstate"),
    (
        "ipaddress",
        "publicip",
        "ip6address",
        "nic.ipaddress",
        "cidr",
        "ip6cidr",
        "url",
        "vlan",
        "startip",
        "endip",
        "gateway",
    ),
    ("zonename", "podname", "clustername"),
    (
        "type",
        "hypervisor",
        "traffictype",
        "networktype",
        "guestiptype",
        "scope",
        "roletype",
        "role",
        "protocol",
        "format",
        "providername",
        "provider",
        "purpose",
        "storagetype",
    ),
    ("size", "virtualsize", "disksizetotal", "disksizeallocated", "cpunumber", "memory", "disksize"),
    (
        "vmname",
        "virtualmachinename",
        "hostname",
        "networkname",
        "serviceofferingname",
        "diskofferingname",
        "templatename",
        "isoname",
        "vpcname",
        "storage",
        "account",
        "project",
    ),
    ("created",),
    ("displaytext", "description"),
    ("tags",),
)
_RANK: dict[str, float] = {
    name: tier + pos / 100 for tier, names in enumerate(_TIERS) for pos, name in enumerate(names)
}
_STATE_TIER = 3
_ADDRESS_TIER = 4
_RELATED_TIER = 8

# When an item has no `id` / `name`, the first of these present stands in for it.
ID_FALLBACKS = ("uuid", "jobid", "resourceid")
TITLE_FALLBACKS = ("displayname", "username", "hostname", "keyword", "key", "displaytext", "description")


@lru_cache(maxsize=4096)
def field_rank(path: str) -> float | None:
    """Rank of a field (or `a.b` path) by its name; None when it is not a default column."""
    low = path.lower()
    if low in _RANK:
        return _RANK[low]
    head, _, tail = low.partition(".")
    if tail:
        # A nested address (nic.ipaddress, nics.ip6address, loadbalancerinstance.ipaddress).
        return _ADDRESS_TIER + 0.5 if tail in ("ipaddress", "ip6address") else None
    if low.endswith("state") and low != "state":
        return _STATE_TIER + 0.5
    if low.endswith("name") and not low.endswith(("username", "domainname")):
        return _RELATED_TIER + 0.5
    return None


def split_path(path: str) -> list[str]:
    return [p for p in path.split(".") if p]


def extract(item: Mapping[str, Any], path: str) -> Any:
    """The value at `a.b.c` (case-insensitive keys); through a list it collects every element's value."""
    if type(item) is dict and path in item and path and "." not in path:  # a plain field as written: most cells
        return item[path]
    value: Any = item
    for part in split_path(path):
        value = _step(value, part)
        if value is None:
            return None
    return value


def _step(value: Any, key: str) -> Any:
    if isinstance(value, Mapping):
        if key in value:
            return value[key]
        low = key.lower()
        for k, v in value.items():
            if str(k).lower() == low:
                return v
        return None
    if isinstance(value, list):
        out = []
        for element in value:
            got = _step(element, key)
            if got is None:
                continue
            out.extend(got if isinstance(got, list) else [got])
        return out or None
    return None


def rank_fields(keys: Iterable[str]) -> list[tuple[float, str]]:
    """(rank, name) for the ranked fields among `keys`, with id/title fallbacks applied, best first."""
    return list(_rank_fields(tuple(keys)))  # answers of one API have the same fields call after call


@lru_cache(maxsize=1024)
def _rank_fields(keys: tuple[str, ...]) -> tuple[tuple[float, str], ...]:
    keys = tuple(dict.fromkeys(keys))
    lower = {k.lower(): k for k in keys}
    ranked = {k: r for k in keys if (r := field_rank(k)) is not None}
    if "id" not in lower:
        for alt in ID_FALLBACKS:
            if alt in lower:
                ranked[lower[alt]] = _RANK["id"]
                break
    if "name" not in lower:
        for alt in TITLE_FALLBACKS:
            if alt in lower:
                ranked[lower[alt]] = _RANK["name"]
                break
    return tuple(sorted(((r, k) for k, r in ranked.items()), key=lambda x: (x[0], x[1])))


def field_docs(api: ApiSpec | None) -> Mapping[str, str]:
    """Response field descriptions of an API by lower-case path (`nic.ipaddress`): they carry the units.

    Built once per API object (read-only: every answer of the API shares it).
    """
    if api is None:
        return _NO_DOCS
    hit = _DOCS.get(id(api))
    if hit is not None and hit[0] is api:  # the entry holds the API, so its id cannot be reused meanwhile
        return hit[1]
    docs: dict[str, str] = {}
    _collect(api.response, "", docs)
    if len(_DOCS) >= 2048:
        _DOCS.clear()
    _DOCS[id(api)] = (api, MappingProxyType(docs))
    return _DOCS[id(api)][1]


_NO_DOCS: Mapping[str, str] = MappingProxyType({})
_DOCS: dict[int, tuple[ApiSpec, Mapping[str, str]]] = {}


def _collect(fields: Sequence[ResponseField], prefix: str, docs: dict[str, str]) -> None:
    for f in fields:
        path = prefix + f.name.lower()
        docs.setdefault(path, f.description)
        if f.children:
            _collect(f.children, path + ".", docs)
