"""Hosts: add/update/delete, reconnect, maintenance, HA, degraded state, tags, migration targets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.domain.infra.common import (
    CLUSTER,
    HA_PROVIDERS,
    HOST,
    POD,
    ZONE,
    add,
    ref,
    running_on,
)
from cloudstack_mcp.simulator.backend.domain.vms import GB, VM, set_vm_state
from cloudstack_mcp.simulator.backend.engine import page
from cloudstack_mcp.simulator.backend.errors import param_error
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid, now_text, public

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
    host = add(
        ctx,
        HOST,
        {
            "name": address,
            "type": "Routing",
            "state": "Up",
            "resourcestate": "Enabled",
            "hypervisor": hypervisor,
            "ipaddress": address,
            **ref(zone, "zone"),
            **ref(pod, "pod"),
            **ref(cluster, "cluster"),
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
    if running_on(ctx, host) and not ctx.arg("forced"):
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
    moving = running_on(ctx, host)
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
