"""Compute and disk offerings."""

from __future__ import annotations

from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.engine import list_entities, make_entity, page
from cloudstack_mcp.simulator.backend.errors import param_error

SERVICE, DISK = "ServiceOfferingResponse", "DiskOfferingResponse"
_STORAGE_TYPES = ("shared", "local")
_PROVISIONING = ("thin", "sparse", "fat")


def _common(ctx: Context) -> dict:
    storage = str(ctx.arg("storagetype") or "shared").lower()
    if storage not in _STORAGE_TYPES:
        raise param_error(f"Invalid storage type {ctx.arg('storagetype')}: use shared or local")
    provisioning = str(ctx.arg("provisioningtype") or "thin").lower()
    if provisioning not in _PROVISIONING:
        raise param_error(f"Invalid provisioning type {ctx.arg('provisioningtype')}: use thin, sparse or fat")
    return {
        "storagetype": storage,
        "provisioningtype": provisioning,
        "state": "Active",
        "displaytext": ctx.arg("displaytext") or ctx.arg("name"),
        "tags": ctx.arg("tags"),
    }


def _unowned(entity: dict) -> dict:
    for key in ("account", "domain", "domainid", "_owner", "_domainpath"):
        entity.pop(key, None)
    return entity


@handles("createServiceOffering")
def create_service_offering(ctx: Context) -> ObjectAnswer:
    cpu, speed, memory = ctx.arg("cpunumber"), ctx.arg("cpuspeed"), ctx.arg("memory")
    given = [v is not None for v in (cpu, speed, memory)]
    if any(given) and not all(given):
        raise param_error(
            "For a fixed offering pass cpunumber, cpuspeed and memory together; leave all out for a custom one"
        )
    for value, what, low in ((cpu, "cpunumber", 1), (speed, "cpuspeed", 1), (memory, "memory", 32)):
        if value is not None and value < low:
            raise param_error(
                f"Failed to create service offering {ctx.arg('name')}: specify the {what} value at least {low}"
            )
    offering = _unowned(
        make_entity(
            ctx,
            SERVICE,
            {
                **_common(ctx),
                "cpunumber": cpu,
                "cpuspeed": speed,
                "memory": memory,
                "iscustomized": not all(given),
                "offerha": bool(ctx.arg("offerha")),
                "limitcpuuse": bool(ctx.arg("limitcpuuse")),
                "issystem": bool(ctx.arg("issystem")),
                "systemvmtype": ctx.arg("systemvmtype") if ctx.arg("issystem") else None,
                "hosttags": ctx.arg("hosttags"),
                "dynamicscalingenabled": ctx.arg("dynamicscalingenabled", True),
            },
        )
    )
    return ObjectAnswer("serviceoffering", offering)


@handles("createDiskOffering")
def create_disk_offering(ctx: Context) -> ObjectAnswer:
    size, custom = ctx.arg("disksize"), bool(ctx.arg("customized"))
    if size is None and not custom:
        raise param_error("Disksize is required for a non-customized disk offering")
    if size is not None and custom:
        raise param_error("Disksize must not be given for a customized disk offering")
    if size is not None and size < 1:
        raise param_error("Please specify a disk size of at least 1 GB")
    offering = _unowned(
        make_entity(
            ctx,
            DISK,
            {**_common(ctx), "disksize": size or 0, "iscustomized": custom, "displayoffering": True, "encrypt": False},
        )
    )
    return ObjectAnswer("diskoffering", offering)


def _update(kind: str, name: str):  # type: ignore[no-untyped-def]
    def handler(ctx: Context) -> ObjectAnswer:
        offering = ctx.entity(kind, "id")
        for key in ("name", "displaytext", "tags", "displayoffering", "sortkey", "hosttags"):
            if ctx.arg(key) is not None:
                offering[key] = ctx.arg(key)
        if ctx.arg("state"):
            state = str(ctx.arg("state")).capitalize()
            if state not in ("Active", "Inactive"):
                raise param_error(f"Invalid state {ctx.arg('state')}: use Active or Inactive")
            offering["state"] = state
        return ObjectAnswer(name, offering)

    return handler


handles("updateServiceOffering")(_update(SERVICE, "serviceoffering"))
handles("updateDiskOffering")(_update(DISK, "diskoffering"))


def _delete(kind: str):  # type: ignore[no-untyped-def]
    def handler(ctx: Context) -> SuccessAnswer:
        offering = ctx.entity(kind, "id")
        if offering.get("issystem"):
            raise param_error(f"Unable to delete system offering {offering['name']}")
        ctx.store.remove(kind, offering["id"])
        return SuccessAnswer()

    return handler


handles("deleteServiceOffering")(_delete(SERVICE))
handles("deleteDiskOffering")(_delete(DISK))


@handles("listServiceOfferings")
def list_service_offerings(ctx: Context) -> ListAnswer:
    offerings = list_entities(ctx, SERVICE, skip=("virtualmachineid", "issystem", "templateid", "zoneid"))
    system = bool(ctx.arg("issystem"))
    offerings = [
        o
        for o in offerings
        if bool(o.get("issystem")) == system
        and o.get("state", "Active") == "Active"
        or (ctx.arg("state") and str(o.get("state")).lower() == str(ctx.arg("state")).lower())
    ]
    vm = ctx.maybe("UserVmResponse", "virtualmachineid")
    if vm is not None:  # offerings the VM could change to
        offerings = [o for o in offerings if o["id"] != vm.get("serviceofferingid")]
    items, total = page(ctx, offerings)
    return ListAnswer("serviceoffering", items, total)
