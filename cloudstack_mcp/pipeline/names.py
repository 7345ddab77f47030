"""The name of what a call acts on, looked up with the object's list API (`deleteZone id=...` -> listZones).

Used for what a person types to confirm a critical call: "delete zone east-1 k7m2x9" reads better and is
checked more carefully than a UUID. Best effort: any failure gives None and the id is shown instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec, Catalog
from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.policy.classify import parse_name

__all__ = ["list_api_for", "target_name"]

_NAME_FIELDS = ("name", "username", "displayname", "displaytext")


def list_api_for(api: ApiSpec, catalog: Catalog) -> ApiSpec | None:
    """The list API of the object `api` acts on, by the object's name (`deleteImageStore` -> listImageStores)."""
    words = parse_name(api.name).words.split()
    for start in range(len(words)):  # "storage pool" -> "pool" only when the whole name has no list API
        noun = "".join(w.capitalize() for w in words[start:])
        candidates = [f"{noun}s", f"{noun}es", f"{noun[:-1]}ies" if noun.endswith("y") else "", noun]
        for candidate in filter(None, candidates):
            found = catalog.find(f"list{candidate}")
            if found is not None and found.is_list:
                return found
    return None


async def target_name(
    client: CloudStackClient, catalog: Catalog, api: ApiSpec, arguments: Mapping[str, Any]
) -> str | None:
    """The target's name (or user name), or None when the call names no id or the lookup finds nothing."""
    target = next((arguments[k] for k in arguments if str(k).lower() == "id"), None)
    lister = list_api_for(api, catalog) if isinstance(target, str) and target else None
    if lister is None:
        return None
    accepted = {p.name.lower() for p in lister.params}
    params = {"id": str(target)}
    if "listall" in accepted:
        params["listall"] = "true"
    answer = await client.call(lister.name, params, idempotent=True)
    rows = next((v for v in answer.values() if isinstance(v, list)), []) if isinstance(answer, dict) else []
    row = next((r for r in rows if isinstance(r, dict) and str(r.get("id")) == target), None)
    if row is None:
        return None
    name = next((str(row[f]) for f in _NAME_FIELDS if row.get(f) not in (None, "")), None)
    return name[:80] if name else None
