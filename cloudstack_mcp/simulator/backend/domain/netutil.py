"""Shared network plumbing: public IPs, virtual routers, implementing a network on first use."""

from __future__ import annotations

from typing import Any

from cloudstack_mcp.simulator.backend.errors import INSUFFICIENT_CAPACITY, ApiError
from cloudstack_mcp.simulator.backend.store import Entity, Store, now_text

__all__ = ["IP", "NETWORK", "ROUTER", "VPC", "add_router", "allocate_ip", "implement_network", "owner_fields"]

IP, NETWORK, ROUTER, VPC = "IPAddressResponse", "NetworkResponse", "DomainRouterResponse", "VpcResponse"
PUBLIC_PREFIX = "198.51.100."


def owner_fields(entity: Entity) -> dict[str, Any]:
    keys = ("account", "domainid", "domain", "_owner", "_domainpath")
    return {k: entity[k] for k in keys if k in entity}


def allocate_ip(
    store: Store,
    zone: Entity,
    owner_of: Entity,
    *,
    network: Entity | None = None,
    vpc: Entity | None = None,
    source_nat: bool = False,
) -> Entity:
    """A free public IP of the zone, allocated to the owner of `owner_of` (a network or VPC)."""
    used = {ip.get("ipaddress") for ip in store.all(IP)}
    free = next((f"{PUBLIC_PREFIX}{n}" for n in range(20, 250) if f"{PUBLIC_PREFIX}{n}" not in used), None)
    if free is None:
        raise ApiError(
            INSUFFICIENT_CAPACITY,
            f"Insufficient address capacity in zone {zone['name']}: no free public IP left",
            cserrorcode=4320,
        )
    ip: Entity = {
        "ipaddress": free,
        "allocated": now_text(),
        "zoneid": zone["id"],
        "zonename": zone.get("name"),
        "issourcenat": source_nat,
        "isstaticnat": False,
        "state": "Allocated",
        "forvirtualnetwork": True,
        "issystem": False,
        "fordisplay": True,
        **owner_fields(owner_of),
    }
    if network is not None:
        ip.update(associatednetworkid=network["id"], associatednetworkname=network.get("name"))
    if vpc is not None:
        ip.update(vpcid=vpc["id"], vpcname=vpc["name"])
    return store.add(IP, ip)


def add_router(
    store: Store, zone: Entity, owner_of: Entity, *, network: Entity | None, vpc: Entity | None, public_ip: str | None
) -> Entity:
    host = next(
        (h for h in store.all("HostResponse") if h.get("zoneid") == zone["id"] and h.get("state") == "Up"), None
    )
    template = next((t for t in store.all("TemplateResponse") if t.get("templatetype") == "SYSTEM"), None)
    seq = next(store.internal_ids)
    router: Entity = {
        "name": f"r-{seq}-VM",
        "state": "Running",
        "role": "VIRTUAL_ROUTER",
        "zoneid": zone["id"],
        "zonename": zone.get("name"),
        "hostid": host["id"] if host else None,
        "hostname": host.get("name") if host else None,
        "publicip": public_ip,
        "templateid": template["id"] if template else None,
        "hypervisor": "KVM",
        "requiresupgrade": False,
        "redundantstate": "UNKNOWN",
        "isredundantrouter": False,
        "version": "4.20.0",
        "healthchecksfailed": False,
        "serviceofferingname": "System Offering For Software Router",
        **owner_fields(owner_of),
        "created": now_text(),
    }
    if network is not None:
        prefix = str(network.get("cidr", "10.1.1.0/24")).rsplit(".", 1)[0]
        router.update(guestnetworkid=network["id"], guestnetworkname=network.get("name"), guestipaddress=prefix + ".1")
    if vpc is not None:
        router.update(vpcid=vpc["id"], vpcname=vpc["name"])
    return store.add(ROUTER, router)


def implement_network(store: Store, network: Entity) -> None:
    """First VM in an Allocated isolated network: it gets its source NAT IP and virtual router."""
    if network.get("state") != "Allocated":
        return
    network["state"] = "Implemented"
    zone = store.get("ZoneResponse", str(network.get("zoneid")))
    if zone is None or network.get("type") != "Isolated":
        return
    public_ip = None
    if not network.get("vpcid") and network.get("ip4routing") != "Static":
        public_ip = allocate_ip(store, zone, network, network=network, source_nat=True)["ipaddress"]
    if not network.get("vpcid"):
        add_router(store, zone, network, network=network, vpc=None, public_ip=public_ip)
