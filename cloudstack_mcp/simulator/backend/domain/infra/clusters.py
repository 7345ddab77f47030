"""Clusters: add/update/delete, HA per cluster, DRS plans."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.domain.infra.common import (
    CLUSTER,
    HOST,
    PLAN,
    POD,
    ZONE,
    add,
    ref,
    running_on,
)
from cloudstack_mcp.simulator.backend.domain.vms import VM
from cloudstack_mcp.simulator.backend.errors import param_error
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid

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
    cluster = add(
        ctx,
        CLUSTER,
        {
            "name": name,
            **ref(zone, "zone"),
            **ref(pod, "pod"),
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


def _plan_migrations(ctx: Context, cluster: Entity, limit: int) -> list[dict[str, Any]]:
    hosts = [
        h
        for h in ctx.store.all(HOST)
        if h.get("clusterid") == cluster["id"] and h.get("state") == "Up" and h.get("resourcestate") == "Enabled"
    ]
    if len(hosts) < 2:
        return []
    load = {h["id"]: sum(int(vm.get("memory") or 0) for vm in running_on(ctx, h)) for h in hosts}
    moves: list[dict[str, Any]] = []
    for _ in range(limit):
        busiest = max(hosts, key=lambda h: load[h["id"]])
        idlest = min(hosts, key=lambda h: load[h["id"]])
        candidates = [vm for vm in running_on(ctx, busiest) if vm["id"] not in {m["virtualmachineid"] for m in moves}]
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
    plan = add(
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
