"""Virtual routers (lifecycle, health checks, router elements) and system VMs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.domain.vms import pick_host
from cloudstack_mcp.simulator.backend.engine import page
from cloudstack_mcp.simulator.backend.errors import param_error
from cloudstack_mcp.simulator.backend.store import Entity, now_text

ROUTER, SYSTEM_VM = "DomainRouterResponse", "SystemVmResponse"


def _lifecycle(kind: str, action: str) -> Callable[[Context], ObjectAnswer]:
    label = "router" if kind == ROUTER else "system vm"

    def handler(ctx: Context) -> ObjectAnswer:
        vm = ctx.entity(kind, "id")
        state = vm.get("state")
        name = vm.get("name")
        if action == "start":
            if state == "Running":
                raise param_error(f"The {label} {name} is already running")
            vm["state"] = "Starting"
            host = pick_host(ctx, vm.get("zoneid"))
            vm.update(hostid=host["id"], hostname=host.get("name"))
            ctx.later(lambda: vm.update(state="Running"))
        elif action == "stop":
            if state != "Running":
                raise param_error(f"Unable to stop {label} {name}: it is in {state} state")
            vm["state"] = "Stopping"
            ctx.later(lambda: vm.update(state="Stopped", hostid=None, hostname=None))
        elif action == "reboot":
            if state != "Running":
                raise param_error(f"Unable to reboot {label} {name}: it is not in Running state (state: {state})")
        else:  # destroy
            vm["state"] = "Destroyed"

            def gone() -> None:
                ctx.store.remove(kind, vm["id"])
                if kind == SYSTEM_VM:  # the system VM manager brings a fresh one up
                    fresh = {k: v for k, v in vm.items() if k not in ("id", "_seq")}
                    prefix = "s" if vm.get("systemvmtype") == "secondarystoragevm" else "v"
                    fresh.update(
                        name=f"{prefix}-{next(ctx.store.internal_ids)}-VM", state="Starting", created=now_text()
                    )
                    ctx.store.add(SYSTEM_VM, fresh)
                    ctx.cloud.jobs.after(ctx.cloud.job_seconds, lambda: fresh.update(state="Running"))

            ctx.later(gone)
        ctx.event(f"{'ROUTER' if kind == ROUTER else 'SSVM'}.{action.upper()}", f"{action.capitalize()} {label} {name}")
        return ObjectAnswer(ctx.info.object_name, vm)

    return handler


for _action in ("start", "stop", "reboot", "destroy"):
    handles(f"{_action}Router")(_lifecycle(ROUTER, _action))
    handles(f"{_action}SystemVm")(_lifecycle(SYSTEM_VM, _action))


@handles("migrateSystemVm")
def migrate_system_vm(ctx: Context) -> ObjectAnswer:
    vm = ctx.entity(SYSTEM_VM, "virtualmachineid")
    if vm.get("state") != "Running":
        raise param_error(f"Unable to migrate system vm {vm.get('name')}: it is not Running")
    host = ctx.maybe("HostResponse", "hostid")
    if host is None:
        if not ctx.arg("autoselect", True) and not ctx.arg("storageid"):
            raise param_error("Please pass hostid, storageid or autoselect=true")
        host = pick_host(ctx, vm.get("zoneid"), exclude=vm.get("hostid"))
    if host["id"] == vm.get("hostid"):
        raise param_error("Cannot migrate VM, destination host is the same as current host")
    ctx.later(lambda: vm.update(hostid=host["id"], hostname=host.get("name")))
    return ObjectAnswer("systemvm", vm)


@handles("scaleSystemVm")
def scale_system_vm(ctx: Context) -> ObjectAnswer:
    vm = ctx.entity(SYSTEM_VM, "id")
    offering = ctx.entity("ServiceOfferingResponse", "serviceofferingid")
    if not offering.get("issystem"):
        raise param_error(
            f"Service offering {offering['name']} is not a system offering; system VMs need one with issystem=true"
        )
    ctx.later(lambda: vm.update(serviceofferingid=offering["id"], serviceofferingname=offering.get("name")))
    return ObjectAnswer("systemvm", vm)


@handles("patchSystemVm")
def patch_system_vm(ctx: Context) -> SuccessAnswer:
    vm = ctx.store.get(SYSTEM_VM, str(ctx.arg("id"))) or ctx.store.get(ROUTER, str(ctx.arg("id")))
    if vm is None:
        raise param_error("Please pass the id of a system VM or virtual router to patch")
    if vm.get("state") != "Running" and not ctx.arg("forced"):
        raise param_error(f"{vm.get('name')} is not Running; pass forced=true to patch it anyway")
    vm["version"] = "4.20.0"
    return SuccessAnswer(displaytext=f"Successfully patched {vm.get('name')}")


@handles("listSystemVmsUsageHistory")
def system_vm_usage(ctx: Context) -> ListAnswer:
    vms = list(ctx.store.all(SYSTEM_VM))
    if ctx.arg("id"):
        vms = [v for v in vms if v["id"] == ctx.arg("id")]
    if ctx.arg("ids"):
        vms = [v for v in vms if v["id"] in ctx.arg("ids")]
    if ctx.arg("name"):
        vms = [v for v in vms if v.get("name") == ctx.arg("name")]
    end = ctx.arg("enddate") or datetime.now(timezone.utc)
    start = ctx.arg("startdate") or end - timedelta(hours=1)
    if start > end:
        raise param_error("startdate must be before enddate")
    points = [start + (end - start) * i / 4 for i in range(5)]

    def view(vm: Entity) -> dict:
        stats = [
            {
                "timestamp": now_text(p),
                "cpuused": f"{3 + i}.5%",
                "memorykbs": 1048576,
                "memoryintfreekbs": 524288,
                "networkkbsread": 100 * i,
                "networkkbswrite": 50 * i,
                "diskkbsread": 20 * i,
                "diskkbswrite": 40 * i,
            }
            for i, p in enumerate(points)
        ]
        return {"id": vm["id"], "name": vm.get("name"), "displayname": vm.get("name"), "stats": stats}

    items, total = page(ctx, vms)
    return ListAnswer(ctx.info.item_key, items, total, view=view)


@handles("getRouterHealthCheckResults")
def router_health(ctx: Context) -> ObjectAnswer:
    router = ctx.entity(ROUTER, "routerid")
    if router.get("state") != "Running":
        raise param_error(f"Router {router.get('name')} is not in Running state; health checks can't be run")
    stamp = now_text()
    checks = [
        {"checkname": name, "checktype": kind, "success": True, "lastupdated": stamp, "details": details}
        for name, kind, details in (
            ("dhcp_check.py", "advanced", "All 2 VMs ok"),
            ("dns_check.py", "advanced", "All 2 VMs ok"),
            ("disk_space_check.py", "basic", "Sufficient free space is 1450 MB"),
            ("iptables_check.py", "advanced", "All rules present"),
            ("memory_usage_check.py", "basic", "Memory Usage within limits with current at 32.5%"),
            ("router_version_check.py", "basic", "Router version and code version are up to date"),
            ("services_check.py", "basic", "All 3 services are running"),
        )
    ]
    return ObjectAnswer("routerhealthchecks", {"routerid": router["id"], "healthchecks": checks})


@handles("configureVirtualRouterElement")
def configure_router_element(ctx: Context) -> ObjectAnswer:
    element = ctx.entity("VirtualRouterProviderResponse", "id")
    element["enabled"] = ctx.arg("enabled")
    return ObjectAnswer("virtualrouterelement", element)


@handles("createVirtualRouterElement")
def create_router_element(ctx: Context) -> ObjectAnswer:
    provider = ctx.entity("ProviderResponse", "nspid")
    if any(e.get("nspid") == provider["id"] for e in ctx.store.all("VirtualRouterProviderResponse")):
        raise param_error(
            f"A virtual router element already exists for network service provider {provider.get('name')}"
        )
    element = ctx.store.add(
        "VirtualRouterProviderResponse",
        {"nspid": provider["id"], "enabled": False, "providertype": provider.get("name", "VirtualRouter")},
    )
    return ObjectAnswer("virtualrouterelement", element)
