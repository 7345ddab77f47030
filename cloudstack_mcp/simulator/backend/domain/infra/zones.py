"""Zones, pods, their management IP ranges and dedication."""

from __future__ import annotations

from typing import Any

from cloudstack_mcp.simulator.backend.answers import ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.domain.infra.common import (
    CLUSTER,
    POD,
    ZONE,
    add,
    check_range,
    ip,
    network,
    ref,
)
from cloudstack_mcp.simulator.backend.errors import param_error
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid

# ---- zones and pods ------------------------------------------------------------------------------------------


@handles("createZone")
def create_zone(ctx: Context) -> ObjectAnswer:
    kind = str(ctx.arg("networktype"))
    if kind.lower() not in ("basic", "advanced"):
        raise param_error(f"Invalid network type {kind}: use Basic or Advanced")
    name = str(ctx.arg("name"))
    if ctx.store.first(ZONE, name=name):
        raise param_error(f"A zone with name {name} already exists")
    for key in ("dns1", "internaldns1"):
        ip(str(ctx.arg(key)), key)
    zone = add(
        ctx,
        ZONE,
        {
            "name": name,
            "networktype": kind.capitalize(),
            "allocationstate": "Disabled",
            "dns1": ctx.arg("dns1"),
            "internaldns1": ctx.arg("internaldns1"),
            "dhcpprovider": "VirtualRouter",
            "localstorageenabled": False,
            "securitygroupsenabled": kind.lower() == "basic",
            "zonetoken": new_uuid(),
            "type": "Core",
            "tags": [],
            "hasannotations": False,
        },
    )
    return ObjectAnswer("zone", zone)


@handles("updateZone")
def update_zone(ctx: Context) -> ObjectAnswer:
    zone = ctx.entity(ZONE, "id")
    if ctx.arg("name"):
        zone["name"] = ctx.arg("name")
    details = ctx.args.map_merged("details")
    if details:
        zone["resourcedetails"] = {**zone.get("resourcedetails", {}), **details}
    allocation = ctx.args.raw.get("allocationstate")
    if allocation in ("Enabled", "Disabled"):
        zone["allocationstate"] = allocation
    return ObjectAnswer("zone", zone)


@handles("deleteZone")
def delete_zone(ctx: Context) -> SuccessAnswer:
    zone = ctx.entity(ZONE, "id")
    pods = [p for p in ctx.store.all(POD) if p.get("zoneid") == zone["id"]]
    if pods:
        raise param_error(
            f"The zone is not deletable because there are pods in this zone ({len(pods)}); delete them first"
        )
    ctx.store.remove(ZONE, zone["id"])
    return SuccessAnswer()


@handles("createPod")
def create_pod(ctx: Context) -> ObjectAnswer:
    zone = ctx.entity(ZONE, "zoneid")
    name = str(ctx.arg("name"))
    if any(p.get("name") == name and p.get("zoneid") == zone["id"] for p in ctx.store.all(POD)):
        raise param_error(f"A pod with name {name} already exists in zone {zone['name']}")
    gateway, netmask = ctx.arg("gateway"), ctx.arg("netmask")
    start, end = ctx.arg("startip"), ctx.arg("endip")
    if not (gateway and netmask and start):
        raise param_error("Gateway, netmask and startip are required to create a pod")
    cidr = network(f"{gateway}/{netmask}", "gateway/netmask")
    if not end:  # as ConfigurationManagerImpl.createPod: the range runs to the CIDR's last address
        end = str(cidr.broadcast_address - 1)
    check_range(cidr, start, end)
    pod = add(
        ctx,
        POD,
        {
            "name": name,
            **ref(zone, "zone"),
            "gateway": gateway,
            "netmask": netmask,
            "startip": [start],
            "endip": [end or start],
            "allocationstate": ctx.arg("allocationstate") or "Enabled",
            "ipranges": [
                {"startip": start, "endip": end or start, "gateway": gateway, "forsystemvms": "0", "vlanid": None}
            ],
        },
    )
    return ObjectAnswer("pod", pod)


@handles("updatePod")
def update_pod(ctx: Context) -> ObjectAnswer:
    pod = ctx.entity(POD, "id")
    for key in ("name", "gateway", "netmask", "allocationstate"):
        if ctx.arg(key):
            pod[key] = ctx.arg(key)
    if ctx.arg("startip"):
        check_range(
            network(f"{pod['gateway']}/{pod['netmask']}", "gateway/netmask"), ctx.arg("startip"), ctx.arg("endip")
        )
        pod["startip"], pod["endip"] = [ctx.arg("startip")], [ctx.arg("endip") or ctx.arg("startip")]
    return ObjectAnswer("pod", pod)


@handles("deletePod")
def delete_pod(ctx: Context) -> SuccessAnswer:
    pod = ctx.entity(POD, "id")
    if any(c.get("podid") == pod["id"] for c in ctx.store.all(CLUSTER)):
        raise param_error(f"Pod id={pod['id']} is not deletable because there are clusters in this pod")
    ctx.store.remove(POD, pod["id"])
    return SuccessAnswer()


@handles("dedicatePod")
def dedicate_pod(ctx: Context) -> ObjectAnswer:
    pod = ctx.entity(POD, "podid")
    domain = ctx.entity("DomainResponse", "domainid")
    if pod.get("_dedication"):
        raise param_error(f"Pod {pod['name']} is already dedicated")
    account = None
    if ctx.arg("account"):
        account = ctx.store.first("AccountResponse", name=ctx.arg("account"), domainid=domain["id"])
        if account is None:
            raise param_error(f"Unable to find account {ctx.arg('account')} in domain {domain['name']}")
    dedication = {
        "id": new_uuid(),
        "podid": pod["id"],
        "podname": pod.get("name"),
        "domainid": domain["id"],
        "accountid": account["id"] if account else None,
        "affinitygroupid": new_uuid(),
    }
    pod["_dedication"] = dedication
    return ObjectAnswer("dedicatedpod", dedication)


@handles("releaseDedicatedPod")
def release_pod(ctx: Context) -> SuccessAnswer:
    pod = ctx.entity(POD, "podid")
    if not pod.pop("_dedication", None):
        raise param_error(f"No dedicated resource found for pod {pod['name']}")
    return SuccessAnswer()


def _ranges(pod: Entity) -> list[dict[str, Any]]:
    return pod.setdefault("ipranges", [])


def _sync_pod_ips(pod: Entity) -> None:
    pod["startip"] = [r.get("startip") for r in _ranges(pod)]
    pod["endip"] = [r.get("endip") for r in _ranges(pod)]


@handles("createManagementNetworkIpRange")
def create_mgmt_range(ctx: Context) -> ObjectAnswer:
    pod = ctx.entity(POD, "podid")
    start, end = str(ctx.arg("startip")), ctx.arg("endip") or ctx.arg("startip")
    cidr = network(f"{ctx.arg('gateway')}/{ctx.arg('netmask')}", "gateway/netmask")
    check_range(cidr, start, end)
    new_first, new_last = int(ip(start, "startip")), int(ip(end, "endip"))
    for r in _ranges(pod):
        if int(ip(r.get("startip"), "startip")) <= new_last and new_first <= int(ip(r.get("endip"), "endip")):
            raise param_error(
                f"The IP range {start}-{end} overlaps with the existing range {r['startip']}-{r['endip']} of the pod"
            )
    _ranges(pod).append(
        {
            "startip": start,
            "endip": end,
            "gateway": ctx.arg("gateway"),
            "forsystemvms": "1" if ctx.arg("forsystemvms") else "0",
            "vlanid": ctx.arg("vlan"),
        }
    )
    _sync_pod_ips(pod)
    return ObjectAnswer("pod", pod)


def _find_range(pod: Entity, start: str, end: str) -> dict[str, Any]:
    for r in _ranges(pod):
        if r.get("startip") == start and r.get("endip") == end:
            return r
    raise param_error(f"Unable to find the management network IP range {start}-{end} in pod {pod['name']}")


@handles("deleteManagementNetworkIpRange")
def delete_mgmt_range(ctx: Context) -> SuccessAnswer:
    pod = ctx.entity(POD, "podid")
    r = _find_range(pod, str(ctx.arg("startip")), str(ctx.arg("endip")))
    if len(_ranges(pod)) == 1:
        raise param_error("Unable to delete the last management network IP range of the pod")
    _ranges(pod).remove(r)
    _sync_pod_ips(pod)
    return SuccessAnswer()


@handles("updatePodManagementNetworkIpRange")
def update_mgmt_range(ctx: Context) -> SuccessAnswer:
    pod = ctx.entity(POD, "podid")
    r = _find_range(pod, str(ctx.arg("currentstartip")), str(ctx.arg("currentendip")))
    start, end = ctx.arg("newstartip") or r.get("startip"), ctx.arg("newendip") or r.get("endip")
    if not (ctx.arg("newstartip") or ctx.arg("newendip")):
        raise param_error("Please pass newstartip and/or newendip")
    check_range(network(f"{pod['gateway']}/{pod['netmask']}", "gateway/netmask"), start, end)
    r.update(startip=start, endip=end)
    _sync_pod_ips(pod)
    return SuccessAnswer()
