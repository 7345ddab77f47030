"""What the infrastructure handlers share: entity kinds, references, address checks."""

from __future__ import annotations

import ipaddress
from typing import Any

from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain.vms import VM
from cloudstack_mcp.simulator.backend.errors import param_error
from cloudstack_mcp.simulator.backend.store import Entity, now_text

__all__ = [
    "CLUSTER",
    "HA_PROVIDERS",
    "HOST",
    "PLAN",
    "POD",
    "SUBNET",
    "ZONE",
    "add",
    "check_range",
    "ip",
    "network",
    "ref",
    "running_on",
]

ZONE, POD, CLUSTER, HOST = "ZoneResponse", "PodResponse", "ClusterResponse", "HostResponse"
SUBNET, PLAN = "DataCenterIpv4SubnetResponse", "ClusterDrsPlanResponse"
HA_PROVIDERS = {"KVM": ["kvmhaprovider"], "Simulator": ["simulatorhaprovider"]}


def ref(entity: Entity, prefix: str) -> dict[str, Any]:
    return {f"{prefix}id": entity["id"], f"{prefix}name": entity.get("name")}


def add(ctx: Context, kind: str, fields: dict[str, Any]) -> Entity:
    entity = {"created": now_text(), **fields}
    entity["_variant"] = ctx.info.noun
    return ctx.store.add(kind, entity)


def network(text: str, what: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise param_error(f"Invalid {what}: {text}") from exc


def ip(text: str, what: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(text)
    except ValueError as exc:
        raise param_error(f"Please specify a valid IP address for {what}: {text}") from exc


def check_range(pod_cidr: ipaddress.IPv4Network | ipaddress.IPv6Network, start: str, end: str | None) -> None:
    first = ip(start, "startip")
    last = ip(end, "endip") if end else first
    if first not in pod_cidr or last not in pod_cidr:
        raise param_error(
            f"The IP range {start}-{end or start} is not in the CIDR of the pod gateway/netmask ({pod_cidr})"
        )
    if int(last) < int(first):
        raise param_error("The start IP address must be lower than the end IP address")


def running_on(ctx: Context, host: Entity) -> list[Entity]:
    return [vm for vm in ctx.store.all(VM) if vm.get("hostid") == host["id"] and vm.get("state") == "Running"]
