"""One entity of every other kind the spec names, so every uuid parameter has a valid value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cloudstack_mcp.simulator.backend.defaults import apply_defaults
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid, now_text

if TYPE_CHECKING:
    from cloudstack_mcp.simulator.backend.cloud import Cloud

# Kinds never sampled: jobs only come from async calls; the others would look like junk in their lists.
NO_SAMPLES = frozenset(
    {
        "AsyncJobResponse",
        "SecondaryStorageHeuristicsResponse",
        "FirewallRuleResponse",
        "DirectDownloadCertificateResponse",
        "ClusterDrsPlanResponse",
        "EventResponse",
        "ResourceTagResponse",
    }
)


def seed_samples(cloud: Cloud) -> None:
    store = cloud.store
    zone = next(iter(store.all("ZoneResponse")), None)
    admin = store.first("AccountResponse", name="admin")
    for kind in sorted(cloud.index.kinds):
        if store.count(kind) or kind in NO_SAMPLES:
            continue
        fields = cloud.fields_of(kind)
        stem = kind.removesuffix("Response")
        entity: Entity = {"id": new_uuid(f"sample:{kind}"), "name": f"sim-{stem.lower()}-1"}
        if zone is not None and "zoneid" in fields:
            entity.update(zoneid=zone["id"], zonename=zone["name"])
        if "state" in fields:
            entity["state"] = "Enabled"
        if "created" in fields:
            entity["created"] = now_text()
        if admin is not None and fields & {"account", "domainid"}:
            entity.update(account=admin["name"], domainid=admin["domainid"], domain=admin["domain"])
            entity["_owner"], entity["_domainpath"] = admin["id"], admin["domainpath"]
        store.add(kind, apply_defaults(kind, entity))
