"""What to say when a list comes back empty: a hint that fits the question asked.

"check the filters, or pass listall=true" is wrong advice for a call that had no filters, or had
listall=true already. The hint looks at what was sent: the filters given (an id or exact name that
matched nothing, a keyword), listall, a page past the end, and the API (templates need the right
templatefilter); with no filter at all, there are simply none yet, and the API that creates one is named.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec

__all__ = ["empty_list_hint"]

# Parameters that shape the answer rather than filter it.
_NOT_FILTERS = frozenset({"page", "pagesize", "listall", "response", "command", "details", "fields"})
# The API that makes what a list shows, where its name does not follow create<Noun>.
_MAKERS = {
    "listVirtualMachines": "deployVirtualMachine",
    "listPublicIpAddresses": "associateIpAddress",
    "listTemplates": "registerTemplate",
    "listIsos": "registerIso",
    "listHosts": "addHost",
    "listClusters": "addCluster",
    "listImageStores": "addImageStore",
    "listUsers": "createUser",
    "listKubernetesClusters": "createKubernetesCluster",
}
_MAKERS.update(
    {
        f"list{noun}s": f"create{noun}"
        for noun in (
            "Network",
            "Volume",
            "Snapshot",
            "Zone",
            "Domain",
            "Account",
            "SSHKeyPair",
            "SecurityGroup",
            "VPC",
            "FirewallRule",
            "LoadBalancerRule",
            "PortForwardingRule",
            "ServiceOffering",
            "DiskOffering",
            "Project",
            "VMSnapshot",
            "AffinityGroup",
            "Pod",
            "Role",
        )
    }
)
_MAKERS["listSnapshotPolicies"] = "createSnapshotPolicy"


def _true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def _maker(api: ApiSpec, catalog_names: frozenset[str] | None) -> str | None:
    if api.name in _MAKERS:
        return _MAKERS[api.name]
    if catalog_names is None:  # without the catalog, only the names known above
        return None
    noun = api.name.removeprefix("list")
    for candidate in (f"create{noun.removesuffix('s')}", f"create{noun}", f"add{noun.removesuffix('s')}"):
        if candidate in catalog_names:
            return candidate
    return None


def empty_list_hint(api: ApiSpec, params: Mapping[str, Any] | None, catalog_names: frozenset[str] | None = None) -> str:
    """The parenthesised hint after `count: 0` for an empty answer of list API `api` to `params`."""
    params = {k.lower(): v for k, v in (params or {}).items()}
    filters = {k: v for k, v in params.items() if k not in _NOT_FILTERS and v not in (None, "")}
    parts: list[str] = []
    page = str(params.get("page", "1"))
    if page.isdigit() and int(page) > 1:
        return f"{api.name} found nothing on page {page}: the list ends before it; ask for page 1"
    if api.name == "listTemplates" and params.get("templatefilter") not in (None, "executable", "all"):
        parts.append(
            f"templatefilter={params['templatefilter']} shows only those templates; "
            "templatefilter=executable shows every one the caller can deploy"
        )
    if "id" in filters or "ids" in filters:
        parts.append("no such id (it may have been deleted, or belong to another account)")
    if "name" in filters:
        parts.append("name must match exactly; keyword=... matches part of a name")
    others = sorted(k for k in filters if k not in ("id", "ids", "name", "templatefilter"))
    if others:
        parts.append(f"the filters {', '.join(f'{k}={filters[k]}' for k in others)} matched nothing")
    if api.param("listall") is not None and not _true(params.get("listall")):
        parts.append("only the caller's own account is searched: listall=true searches every account it may see")
    if not parts:
        maker = _maker(api, catalog_names)
        made = f"; {maker} creates one" if maker else ""
        return f"{api.name} found none: there are none yet, for any account this user may see{made}"
    return f"{api.name} found nothing: " + "; ".join(parts)
