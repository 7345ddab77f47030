"""Zones, pods (management IP ranges, dedication), clusters (HA, DRS plans), hosts (maintenance,
HA, degraded), zone IPv4 subnets, guest IPv6 prefixes, storage network ranges, VMware datacenters."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.domain.vms import GB, VM, set_vm_state
from cloudstack_mcp.simulator.backend.engine import list_entities, page
from cloudstack_mcp.simulator.backend.errors import param_error
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid, now_text, public

ZONE, POD, CLUSTER, HOST = "ZoneResponse", "PodResponse", "ClusterResponse", "HostResponse"
SUBNET, PLAN = "DataCenterIpv4SubnetResponse", "ClusterDrsPlanResponse"
HA_PROVIDERS = {"KVM": ["kvmhaprovider"], "Simulator": ["simulatorhaprovider"]}


def _ref(entity: Entity, prefix: str) -> dict[str, Any]:
    return {f"{prefix}id": entity["id"], f"{prefix}name": entity.get("name")}


def _add(ctx: Context, kind: str, fields: dict[str, Any]) -> Entity:
    entity = {"created": now_text(), **fields}
    entity["_variant"] = ctx.info.noun
    return ctx.store.add(kind, entity)


def _network(text: str, what: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise param_error(f"Invalid {what}: {text}") from exc


def _ip(text: str, what: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(text)
    except ValueError as exc:
        raise param_error(f"Please specify a valid IP address for {what}: {text}") from exc


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
        _ip(str(ctx.arg(key)), key)
    zone = _add(
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


def _check_range(pod_cidr: ipaddress.IPv4Network | ipaddress.IPv6Network, start: str, end: str | None) -> None:
    first = _ip(start, "startip")
    last = _ip(end, "endip") if end else first
    if first not in pod_cidr or last not in pod_cidr:
        raise param_error(
            f"The IP range {start}-{end or start} is not in the CIDR of the pod gateway/netmask ({pod_cidr})"
        )
    if int(last) < int(first):
        raise param_error("The start IP address must be lower than the end IP address")


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
    _check_range(_network(f"{gateway}/{netmask}", "gateway/netmask"), start, end)
    pod = _add(
        ctx,
        POD,
        {
            "name": name,
            **_ref(zone, "zone"),
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
        _check_range(
            _network(f"{pod['gateway']}/{pod['netmask']}", "gateway/netmask"), ctx.arg("startip"), ctx.arg("endip")
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
    cidr = _network(f"{ctx.arg('gateway')}/{ctx.arg('netmask')}", "gateway/netmask")
    _check_range(cidr, start, end)
    new_first, new_last = int(_ip(start, "startip")), int(_ip(end, "endip"))
    for r in _ranges(pod):
        if int(_ip(r.get("startip"), "startip")) <= new_last and new_first <= int(_ip(r.get("endip"), "endip")):
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
    _check_range(_network(f"{pod['gateway']}/{pod['netmask']}", "gateway/netmask"), start, end)
    r.update(startip=start, endip=end)
    _sync_pod_ips(pod)
    return SuccessAnswer()


# ---- clusters ---------------------------------------------------------------------------------------------------


@handles("addCluster")
def add_cluster(ctx: Context) -> ListAnswer:
    zone = ctx.entity(ZONE, "zoneid")
    pod = ctx.entity(POD, "podid")
    name = str(ctx.arg("clustername"))
    if any(c.get("name") == name and c.get("podid") == pod["id"] for c in ctx.store.all(CLUSTER)):
        raise param_error(f"A cluster with name {name} already exists in pod {pod['name']}")
    kind = str(ctx.arg("clustertype"))
    if kind not in ("CloudManaged", "ExternalManaged"):
        raise param_error(f"Invalid cluster type {kind}: use CloudManaged or ExternalManaged")
    cluster = _add(
        ctx,
        CLUSTER,
        {
            "name": name,
            **_ref(zone, "zone"),
            **_ref(pod, "pod"),
            "hypervisortype": ctx.arg("hypervisor"),
            "clustertype": kind,
            "allocationstate": "Enabled",
            "managedstate": "Managed",
            "arch": "x86_64",
        },
    )
    return ListAnswer("cluster", [cluster], 1)


@handles("updateCluster")
def update_cluster(ctx: Context) -> ObjectAnswer:
    cluster = ctx.entity(CLUSTER, "id")
    if ctx.arg("clustername"):
        cluster["name"] = ctx.arg("clustername")
    for key in ("allocationstate", "managedstate", "arch"):
        if ctx.arg(key):
            cluster[key] = ctx.arg(key)
    return ObjectAnswer("cluster", cluster)


@handles("deleteCluster")
def delete_cluster(ctx: Context) -> SuccessAnswer:
    cluster = ctx.entity(CLUSTER, "id")
    if any(h.get("clusterid") == cluster["id"] for h in ctx.store.all(HOST)):
        raise param_error(f"Cluster {cluster['name']} cannot be deleted: it still has hosts; remove them first")
    ctx.store.remove(CLUSTER, cluster["id"])
    return SuccessAnswer()


def _cluster_ha(enable: bool) -> Callable[[Context], SuccessAnswer]:
    def handler(ctx: Context) -> SuccessAnswer:
        cluster = ctx.entity(CLUSTER, "clusterid")
        cluster["resourcedetails"] = {**cluster.get("resourcedetails", {}), "resourceHAEnabled": str(enable).lower()}
        for host in ctx.store.all(HOST):
            ha = host.get("hostha") or {}
            if host.get("clusterid") == cluster["id"] and ha.get("haenable"):
                ha["hastate"] = "Available" if enable else "Ineligible"
        return SuccessAnswer()

    return handler


handles("enableHAForCluster")(_cluster_ha(True))
handles("disableHAForCluster")(_cluster_ha(False))


def _running_on(ctx: Context, host: Entity) -> list[Entity]:
    return [vm for vm in ctx.store.all(VM) if vm.get("hostid") == host["id"] and vm.get("state") == "Running"]


def _plan_migrations(ctx: Context, cluster: Entity, limit: int) -> list[dict[str, Any]]:
    hosts = [
        h
        for h in ctx.store.all(HOST)
        if h.get("clusterid") == cluster["id"] and h.get("state") == "Up" and h.get("resourcestate") == "Enabled"
    ]
    if len(hosts) < 2:
        return []
    load = {h["id"]: sum(int(vm.get("memory") or 0) for vm in _running_on(ctx, h)) for h in hosts}
    moves: list[dict[str, Any]] = []
    for _ in range(limit):
        busiest = max(hosts, key=lambda h: load[h["id"]])
        idlest = min(hosts, key=lambda h: load[h["id"]])
        candidates = [vm for vm in _running_on(ctx, busiest) if vm["id"] not in {m["virtualmachineid"] for m in moves}]
        if not candidates:
            break
        vm = min(candidates, key=lambda v: int(v.get("memory") or 0))
        mem = int(vm.get("memory") or 0)
        if load[busiest["id"]] - load[idlest["id"]] <= mem:
            break
        load[busiest["id"]] -= mem
        load[idlest["id"]] += mem
        moves.append(
            {
                "virtualmachineid": vm["id"],
                "virtualmachinename": vm.get("name"),
                "sourcehostid": busiest["id"],
                "sourcehostname": busiest.get("name"),
                "destinationhostid": idlest["id"],
                "destinationhostname": idlest.get("name"),
            }
        )
    return moves


@handles("generateClusterDrsPlan")
def generate_drs_plan(ctx: Context) -> ObjectAnswer:
    cluster = ctx.entity(CLUSTER, "id")
    limit = ctx.arg("migrations") or 5
    if limit < 1:
        raise param_error("migrations must be at least 1")
    plan = {
        "id": new_uuid(),
        "clusterid": cluster["id"],
        "type": "MANUAL",
        "status": "UNDER_REVIEW",
        "migrations": _plan_migrations(ctx, cluster, limit),
    }
    return ObjectAnswer("drsplan", plan)


@handles("executeClusterDrsPlan")
def execute_drs_plan(ctx: Context) -> ObjectAnswer:
    cluster = ctx.entity(CLUSTER, "id")
    mapping = ctx.arg("migrateto") or {}
    moves = []
    for _, fields in sorted(mapping.items()):
        vm, host = ctx.store.get(VM, str(fields.get("vm"))), ctx.store.get(HOST, str(fields.get("host")))
        if vm is None or host is None:
            raise param_error(f"Invalid migrateto entry {fields}: give vm=<virtual machine id> and host=<host id>")
        if host.get("clusterid") != cluster["id"]:
            raise param_error(f"Host {host['name']} is not in cluster {cluster['name']}")
        source = ctx.store.get(HOST, str(vm.get("hostid"))) or {"id": None, "name": None}
        moves.append(
            {
                "virtualmachineid": vm["id"],
                "virtualmachinename": vm.get("name"),
                "sourcehostid": source["id"],
                "sourcehostname": source.get("name"),
                "destinationhostid": host["id"],
                "destinationhostname": host.get("name"),
            }
        )
    if not mapping:
        moves = _plan_migrations(ctx, cluster, 5)
    plan = _add(
        ctx,
        PLAN,
        {
            "clusterid": cluster["id"],
            "type": "MANUAL",
            "status": "IN_PROGRESS",
            "migrations": moves,
            "eventid": new_uuid(),
        },
    )

    def done() -> None:
        for move in moves:
            vm = ctx.store.get(VM, move["virtualmachineid"])
            if vm is not None and vm.get("state") == "Running":
                vm.update(hostid=move["destinationhostid"], hostname=move["destinationhostname"])
        plan["status"] = "COMPLETED"

    ctx.later(done)
    return ObjectAnswer("drsplan", plan)


# ---- hosts -------------------------------------------------------------------------------------------------------


@handles("addHost")
def add_host(ctx: Context) -> ListAnswer:
    zone = ctx.entity(ZONE, "zoneid")
    pod = ctx.entity(POD, "podid")
    cluster = ctx.maybe(CLUSTER, "clusterid")
    hypervisor = str(ctx.arg("hypervisor"))
    url = str(ctx.arg("url"))
    address = url.split("://", 1)[-1].split("/", 1)[0]
    if any(h.get("ipaddress") == address for h in ctx.store.all(HOST)):
        raise param_error(f"Host with IP address {address} already exists in the zone")
    if hypervisor.upper() == "KVM" and not (ctx.arg("username") and ctx.arg("password")):
        raise param_error("Username and password are required to add a KVM host")
    if cluster is None:
        cluster = next(
            (
                c
                for c in ctx.store.all(CLUSTER)
                if c.get("podid") == pod["id"] and c.get("hypervisortype") == hypervisor
            ),
            None,
        )
        if cluster is None:
            raise param_error(f"No cluster with hypervisor {hypervisor} in pod {pod['name']}; pass clusterid")
    host = _add(
        ctx,
        HOST,
        {
            "name": address,
            "type": "Routing",
            "state": "Up",
            "resourcestate": "Enabled",
            "hypervisor": hypervisor,
            "ipaddress": address,
            **_ref(zone, "zone"),
            **_ref(pod, "pod"),
            **_ref(cluster, "cluster"),
            "clustertype": cluster.get("clustertype"),
            "cpunumber": 16,
            "cpuspeed": 2400,
            "cpusockets": 1,
            "memorytotal": 128 * GB,
            "memoryallocated": 0,
            "memoryused": 4 * GB,
            "cpuused": "1%",
            "hahost": False,
            "hostha": {"haenable": False, "hastate": "Disabled"},
            "version": "4.20.0.0",
            "hosttags": "",
            "arch": "x86_64",
            "outofbandmanagement": {"enabled": False, "powerstate": "Disabled"},
            "events": "",
        },
    )
    host["state"] = "Connecting"
    ctx.later(lambda: host.update(state="Up"))
    return ListAnswer("host", [host], 1)


@handles("updateHost")
def update_host(ctx: Context) -> ObjectAnswer:
    host = ctx.entity(HOST, "id")
    allocation = ctx.arg("allocationstate")
    if allocation:
        if allocation not in ("Enable", "Disable"):
            raise param_error(f"Invalid allocation state {allocation}: use Enable or Disable")
        if host.get("resourcestate") not in ("Enabled", "Disabled"):
            raise param_error(
                f"Cannot change the allocation state of host {host['name']} in resource state {host['resourcestate']}"
            )
        host["resourcestate"] = allocation + "d"
    if "hosttags" in ctx.args:
        host["hosttags"] = ",".join(ctx.arg("hosttags"))
    for key in ("name", "annotation"):
        if ctx.arg(key):
            host[key] = ctx.arg(key)
    return ObjectAnswer("host", host)


@handles("deleteHost")
def delete_host(ctx: Context) -> SuccessAnswer:
    host = ctx.entity(HOST, "id")
    if host.get("resourcestate") != "Maintenance" and not ctx.arg("forced"):
        raise param_error(
            f"Host {host['name']} cannot be deleted as it is not in maintenance mode. "
            "Either put the host into maintenance or perform a forced deletion."
        )
    if _running_on(ctx, host) and not ctx.arg("forced"):
        raise param_error(f"Host {host['name']} still has running virtual machines")
    ctx.store.remove(HOST, host["id"])
    return SuccessAnswer()


@handles("reconnectHost")
def reconnect_host(ctx: Context) -> ObjectAnswer:
    host = ctx.entity(HOST, "id")
    if host.get("resourcestate") in ("Maintenance", "PrepareForMaintenance"):
        raise param_error(
            f"Host {host['name']} is in {host['resourcestate']} state; cancel maintenance before reconnecting it"
        )
    host["state"] = "Connecting"
    ctx.later(lambda: host.update(state="Up", lastpinged=now_text()))
    return ObjectAnswer("host", host)


@handles("prepareHostForMaintenance")
def prepare_maintenance(ctx: Context) -> ObjectAnswer:
    host = ctx.entity(HOST, "id")
    if host.get("resourcestate") in ("Maintenance", "PrepareForMaintenance", "ErrorInMaintenance"):
        raise param_error(f"Host {host['name']} is already in {host['resourcestate']} state")
    if host.get("resourcestate") == "Degraded":
        raise param_error(f"Host {host['name']} is degraded; cancel that first")
    host["resourcestate"] = "PrepareForMaintenance"
    moving = _running_on(ctx, host)
    for vm in moving:
        set_vm_state(ctx, vm, "Migrating")

    def done() -> None:
        others = [
            h
            for h in ctx.store.all(HOST)
            if h.get("clusterid") == host.get("clusterid")
            and h["id"] != host["id"]
            and h.get("state") == "Up"
            and h.get("resourcestate") == "Enabled"
        ]
        for i, vm in enumerate(moving):
            if others:
                target = others[i % len(others)]
                vm.update(hostid=target["id"], hostname=target.get("name"))
                set_vm_state(ctx, vm, "Running")
            else:
                set_vm_state(ctx, vm, "Stopped")
                vm.update(hostid=None, hostname=None)
        host["resourcestate"] = "Maintenance"

    ctx.later(done)
    ctx.event("MAINT.PREPARE", f"Preparing host {host['name']} for maintenance")
    return ObjectAnswer("host", host)


@handles("cancelHostMaintenance")
def cancel_maintenance(ctx: Context) -> ObjectAnswer:
    host = ctx.entity(HOST, "id")
    if host.get("resourcestate") not in ("Maintenance", "PrepareForMaintenance", "ErrorInMaintenance"):
        raise param_error(
            f"Cannot perform cancelMaintenance when resource state is {host['resourcestate']}, hostId = {host['id']}"
        )
    host["resourcestate"] = "Enabled"
    return ObjectAnswer("host", host)


def _ha(host: Entity) -> dict[str, Any]:
    return host.setdefault("hostha", {"haenable": False, "hastate": "Disabled"})


def _ha_view(host: Entity) -> dict[str, Any]:
    ha = _ha(host)
    return {
        "hostid": host["id"],
        "haenable": ha.get("haenable", False),
        "hastate": ha.get("hastate", "Disabled"),
        "haprovider": ha.get("haprovider"),
        "status": True,
    }


@handles("configureHAForHost")
def configure_ha(ctx: Context) -> ObjectAnswer:
    host = ctx.entity(HOST, "hostid")
    provider = str(ctx.arg("provider")).lower()
    allowed = HA_PROVIDERS.get(str(host.get("hypervisor")), [])
    if provider not in allowed:
        raise param_error(
            f"Invalid HA provider {ctx.arg('provider')} for host {host['name']} ({host.get('hypervisor')}); "
            f"valid: {', '.join(allowed) or 'none'}"
        )
    _ha(host)["haprovider"] = provider
    return ObjectAnswer("hostha", _ha_view(host))


def _host_ha(enable: bool) -> Callable[[Context], ObjectAnswer]:
    def handler(ctx: Context) -> ObjectAnswer:
        host = ctx.entity(HOST, "hostid")
        ha = _ha(host)
        if enable and not ha.get("haprovider"):
            raise param_error(f"HA provider is not configured for host {host['name']}: call configureHAForHost first")
        cluster = ctx.store.get(CLUSTER, str(host.get("clusterid"))) or {}
        cluster_ha = (cluster.get("resourcedetails") or {}).get("resourceHAEnabled", "true") == "true"
        ha.update(haenable=enable, hastate=("Available" if cluster_ha else "Ineligible") if enable else "Disabled")
        return ObjectAnswer("hostha", _ha_view(host))

    return handler


handles("enableHAForHost")(_host_ha(True))
handles("disableHAForHost")(_host_ha(False))


@handles("listHostHAProviders")
def ha_providers(ctx: Context) -> ListAnswer:
    providers = HA_PROVIDERS.get(str(ctx.arg("hypervisor")), [])
    items = [{"haprovider": p} for p in providers]
    return ListAnswer("haprovider", items, len(items), view=lambda e: e)


@handles("listHostHAResources")
def ha_resources(ctx: Context) -> ListAnswer:
    hosts = [h for h in ctx.store.all(HOST) if (h.get("hostha") or {}).get("haprovider")]
    if ctx.arg("hostid"):
        hosts = [h for h in hosts if h["id"] == ctx.arg("hostid")]
    items, total = page(ctx, hosts)
    return ListAnswer("hostha", items, total, view=_ha_view)


@handles("declareHostAsDegraded")
def declare_degraded(ctx: Context) -> ObjectAnswer:
    host = ctx.entity(HOST, "id")
    if host.get("resourcestate") == "Degraded":
        raise param_error(f"Host {host['name']} is already in Degraded resource state")
    if host.get("state") not in ("Disconnected", "Alert"):
        raise param_error(
            f"Cannot perform declare host [id={host['id']}, name={host['name']}] as 'Degraded' when host is in "
            f"{host.get('state')} status. This operation is allowed when the host is in Disconnected or Alert status"
        )
    host["resourcestate"] = "Degraded"
    for vm in [vm for vm in ctx.store.all(VM) if vm.get("hostid") == host["id"]]:
        set_vm_state(ctx, vm, "Stopped")
        vm.update(hostid=None, hostname=None)
    return ObjectAnswer("host", host)


@handles("cancelHostAsDegraded")
def cancel_degraded(ctx: Context) -> ObjectAnswer:
    host = ctx.entity(HOST, "id")
    if host.get("resourcestate") != "Degraded":
        raise param_error(
            f"Cannot perform cancelHostAsDegraded on host {host['name']}: its resource state is {host['resourcestate']}, not Degraded"
        )
    host["resourcestate"] = "Enabled"
    return ObjectAnswer("host", host)


def _tags(ctx: Context, kind: str, field: str, key: str) -> ListAnswer:
    items = []
    for entity in ctx.store.all(kind):
        for tag in filter(None, str(entity.get(field) or "").split(",")):
            items.append({"id": new_uuid(f"{kind}:{entity['id']}:{tag}"), "name": tag, key: entity["id"]})
    shown, total = page(ctx, items)
    return ListAnswer(ctx.info.item_key, shown, total, view=lambda e: e)


handles("listHostTags")(lambda ctx: _tags(ctx, HOST, "hosttags", "hostid"))
handles("listStorageTags")(lambda ctx: _tags(ctx, "StoragePoolResponse", "tags", "poolid"))


@handles("findHostsForMigration")
def hosts_for_migration(ctx: Context) -> ListAnswer:
    vm = ctx.entity(VM, "virtualmachineid")
    if vm.get("state") != "Running":
        raise param_error(f"VM {vm['name']} is not Running: migration targets are only computed for running VMs")
    hosts = [
        h
        for h in ctx.store.all(HOST)
        if h.get("zoneid") == vm.get("zoneid")
        and h["id"] != vm.get("hostid")
        and h.get("type") == "Routing"
        and h.get("state") == "Up"
        and h.get("resourcestate") == "Enabled"
    ]
    items, total = page(ctx, hosts)
    return ListAnswer(
        "host", items, total, view=lambda h: {**public(h), "suitableformigration": True, "requiresStorageMotion": False}
    )


# ---- metrics ---------------------------------------------------------------------------------------------------


def _host_metrics(host: Entity) -> dict[str, Any]:
    total = int(host.get("memorytotal") or 0)
    used = int(host.get("memoryused") or 0)
    return {
        **public(host),
        "cputotalghz": f"{int(host.get('cpunumber') or 0) * int(host.get('cpuspeed') or 0) / 1000:.2f} Ghz",
        "cpuusedghz": "1.20 Ghz",
        "memorytotalgb": f"{total / GB:.2f} GB",
        "memoryusedgb": f"{used / GB:.2f} GB",
        "powerstate": "On" if host.get("state") == "Up" else "Unknown",
        "instances": "0 / 0",
    }


def _metrics_list(kind: str, view: Callable[[Entity], dict[str, Any]]) -> Callable[[Context], ListAnswer]:
    def handler(ctx: Context) -> ListAnswer:
        items, total = page(ctx, list_entities(ctx, kind))
        return ListAnswer(ctx.info.item_key, items, total, view=view)

    return handler


handles("listHostsMetrics")(_metrics_list(HOST, _host_metrics))
handles("listClustersMetrics")(
    _metrics_list(
        CLUSTER,
        lambda c: {
            **public(c),
            "state": c.get("allocationstate"),
            "cpuused": "4.5%",
            "memoryused": "9.4%",
            "cpumaxdeviation": "0.05",
        },
    )
)
handles("listZonesMetrics")(
    _metrics_list(
        ZONE, lambda z: {**public(z), "state": z.get("allocationstate"), "cpuused": "4.5%", "memoryused": "9.4%"}
    )
)


# ---- zone IPv4 subnets -----------------------------------------------------------------------------------------


@handles("createIpv4SubnetForZone")
def create_subnet(ctx: Context) -> ObjectAnswer:
    zone = ctx.entity(ZONE, "zoneid")
    subnet = _network(str(ctx.arg("subnet")), "subnet")
    if subnet.version != 4:
        raise param_error(f"{subnet} is not an IPv4 subnet")
    for other in ctx.store.all(SUBNET):
        if other.get("zoneid") == zone["id"] and subnet.overlaps(_network(str(other.get("subnet")), "subnet")):
            raise param_error(
                f"Conflicting subnet: {subnet} overlaps with the existing subnet {other['subnet']} of zone {zone['name']}"
            )
    entity = _add(ctx, SUBNET, {"subnet": str(subnet), **_ref(zone, "zone")})
    _dedicate(ctx, entity)
    return ObjectAnswer("zoneipv4subnet", entity)


def _dedicate(ctx: Context, subnet: Entity) -> None:
    domain_id, name = ctx.arg("domainid"), ctx.arg("account")
    if not domain_id and not name:
        return
    if name and not domain_id:
        raise param_error("domainid is required with account")
    domain = ctx.store.get("DomainResponse", str(domain_id))
    if domain is None:
        raise param_error(f"Unable to find domain {domain_id}")
    subnet.update(domainid=domain["id"], domain=domain.get("name"))
    if name:
        account = ctx.store.first("AccountResponse", name=name, domainid=domain["id"])
        if account is None:
            raise param_error(f"Unable to find account {name} in domain {domain['name']}")
        subnet["account"] = account.get("name")


@handles("dedicateIpv4SubnetForZone")
def dedicate_subnet(ctx: Context) -> ObjectAnswer:
    subnet = ctx.entity(SUBNET, "id")
    if subnet.get("domainid"):
        raise param_error(f"Subnet {subnet['subnet']} is already dedicated")
    if not (ctx.arg("domainid") or ctx.arg("account") or ctx.arg("projectid")):
        raise param_error("Please pass domainid (and optionally account) or projectid to dedicate the subnet to")
    _dedicate(ctx, subnet)
    return ObjectAnswer("zoneipv4subnet", subnet)


@handles("releaseIpv4SubnetForZone")
def release_subnet(ctx: Context) -> ObjectAnswer:
    subnet = ctx.entity(SUBNET, "id")
    if not subnet.get("domainid"):
        raise param_error(f"Subnet {subnet['subnet']} is not dedicated to any domain or account")
    for key in ("domainid", "domain", "account"):
        subnet.pop(key, None)
    return ObjectAnswer("zoneipv4subnet", subnet)


@handles("updateIpv4SubnetForZone")
def update_subnet(ctx: Context) -> ObjectAnswer:
    subnet = ctx.entity(SUBNET, "id")
    new = _network(str(ctx.arg("subnet")), "subnet")
    for other in ctx.store.all(SUBNET):
        if (
            other["id"] != subnet["id"]
            and other.get("zoneid") == subnet.get("zoneid")
            and new.overlaps(_network(str(other.get("subnet")), "subnet"))
        ):
            raise param_error(f"Conflicting subnet: {new} overlaps with {other['subnet']}")
    subnet["subnet"] = str(new)
    return ObjectAnswer("zoneipv4subnet", subnet)


# ---- other zone networking -------------------------------------------------------------------------------------


@handles("createGuestNetworkIpv6Prefix")
def create_ipv6_prefix(ctx: Context) -> ObjectAnswer:
    zone = ctx.entity(ZONE, "zoneid")
    prefix = _network(str(ctx.arg("prefix")), "IPv6 prefix")
    if prefix.version != 6 or prefix.prefixlen > 64:
        raise param_error(f"Invalid IPv6 prefix {prefix}: it must be an IPv6 network of /64 or larger")
    entity = _add(
        ctx,
        "DataCenterGuestIpv6PrefixResponse",
        {
            "prefix": str(prefix),
            **_ref(zone, "zone"),
            "usedsubnets": 0,
            "availablesubnets": 2 ** (64 - prefix.prefixlen),
        },
    )
    return ObjectAnswer("guestnetworkipv6prefix", entity)


@handles("createStorageNetworkIpRange")
def create_storage_range(ctx: Context) -> ObjectAnswer:
    pod = ctx.entity(POD, "podid")
    cidr = _network(f"{ctx.arg('gateway')}/{ctx.arg('netmask')}", "gateway/netmask")
    _check_range(cidr, str(ctx.arg("startip")), ctx.arg("endip"))
    entity = _add(
        ctx,
        "StorageNetworkIpRangeResponse",
        {
            "startip": ctx.arg("startip"),
            "endip": ctx.arg("endip") or ctx.arg("startip"),
            "netmask": ctx.arg("netmask"),
            "gateway": ctx.arg("gateway"),
            "vlan": ctx.arg("vlan"),
            **_ref(pod, "pod"),
            "zoneid": pod.get("zoneid"),
            "networkid": new_uuid(f"storage-network:{pod.get('zoneid')}"),
        },
    )
    return ObjectAnswer("storagenetworkiprange", entity)


# ---- VMware datacenters ------------------------------------------------------------------------------------------


DC = "VmwareDatacenterResponse"


def _dc_of(ctx: Context, zone: Entity) -> Entity | None:
    return next((d for d in ctx.store.all(DC) if d.get("zoneid") == zone["id"]), None)


@handles("addVmwareDc")
def add_vmware_dc(ctx: Context) -> ObjectAnswer:
    zone = ctx.entity(ZONE, "zoneid")
    if _dc_of(ctx, zone) is not None:
        raise param_error(f"Zone {zone['name']} is already associated with a VMware datacenter")
    dc = _add(ctx, DC, {"name": ctx.arg("name"), "vcenter": ctx.arg("vcenter"), "zoneid": zone["id"]})
    return ObjectAnswer("vmwaredc", dc)


@handles("updateVmwareDc")
def update_vmware_dc(ctx: Context) -> ObjectAnswer:
    zone = ctx.entity(ZONE, "zoneid")
    dc = _dc_of(ctx, zone)
    if dc is None:
        raise param_error(f"No VMware datacenter is associated with zone {zone['name']}")
    for key in ("name", "vcenter"):
        if ctx.arg(key):
            dc[key] = ctx.arg(key)
    return ObjectAnswer("vmwaredc", dc)


@handles("removeVmwareDc")
def remove_vmware_dc(ctx: Context) -> SuccessAnswer:
    zone = ctx.entity(ZONE, "zoneid")
    dc = _dc_of(ctx, zone)
    if dc is None:
        raise param_error(f"No VMware datacenter is associated with zone {zone['name']}")
    if any(c.get("zoneid") == zone["id"] and c.get("hypervisortype") == "VMware" for c in ctx.store.all(CLUSTER)):
        raise param_error(f"Zone {zone['name']} still has VMware clusters; remove them before removing the datacenter")
    ctx.store.remove(DC, dc["id"])
    return SuccessAnswer()


@handles("listVmwareDcs")
def list_vmware_dcs(ctx: Context) -> ListAnswer:
    zone = ctx.entity(ZONE, "zoneid")
    dcs = [d for d in ctx.store.all(DC) if d.get("zoneid") == zone["id"]]
    return ListAnswer("VMwareDC", dcs, len(dcs))


@handles("listVmwareDcVms")
def list_vmware_vms(ctx: Context) -> ListAnswer:
    dc = ctx.maybe(DC, "existingvcenterid")
    if dc is None and not all(ctx.arg(k) for k in ("vcenter", "datacentername", "username", "password")):
        raise param_error(
            "Please provide an existing vCenter ID or a vCenter IP/Name, datacenter name, username and password"
        )
    vcenter = dc.get("vcenter") if dc else ctx.arg("vcenter")
    items = [
        {
            "name": f"legacy-app-{i:02d}",
            "clustername": "Cluster-A",
            "hostname": f"esx-{i % 2 + 1:02d}.{vcenter}",
            "powerstate": "PowerOn" if i % 3 else "PowerOff",
            "cpunumber": 2,
            "cpuspeed": 2000,
            "memory": 4096,
            "osdisplayname": "Ubuntu Linux (64-bit)",
            "osid": "ubuntu64Guest",
            "disk": [{"id": f"disk-{i}-0", "label": "Hard disk 1", "capacity": 20 * GB, "controller": "scsi"}],
            "nic": [{"id": f"nic-{i}-0", "networkname": "VM Network", "macaddress": f"00:50:56:00:00:{i:02x}"}],
        }
        for i in range(1, 6)
    ]
    shown, total = page(ctx, items)
    return ListAnswer("unmanagedinstance", shown, total, view=lambda e: e)
