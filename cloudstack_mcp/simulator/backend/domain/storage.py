"""Volumes, volume snapshots and policies, VM snapshots, primary storage pools."""

from __future__ import annotations

from cloudstack_mcp.simulator.backend.answers import ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.domain.vms import GB, VM, VOLUME, set_vm_state
from cloudstack_mcp.simulator.backend.engine import make_entity
from cloudstack_mcp.simulator.backend.errors import RESOURCE_IN_USE, ApiError, param_error
from cloudstack_mcp.simulator.backend.store import Entity, now_text

SNAPSHOT, VM_SNAPSHOT, POOL, POLICY = (
    "SnapshotResponse",
    "VMSnapshotResponse",
    "StoragePoolResponse",
    "SnapshotPolicyResponse",
)


def _owner_of(entity: Entity) -> dict[str, object]:
    keys = ("account", "domainid", "domain", "_owner", "_domainpath")
    return {k: entity[k] for k in keys if k in entity}


# ---- volumes ---------------------------------------------------------------------------------------


@handles("createVolume")
def create_volume(ctx: Context) -> ObjectAnswer:
    offering = ctx.maybe("DiskOfferingResponse", "diskofferingid")
    snapshot = ctx.maybe(SNAPSHOT, "snapshotid")
    if offering is None and snapshot is None:
        raise param_error("Either disk offering id or snapshot id must be passed whilst creating volume")
    zone = ctx.maybe("ZoneResponse", "zoneid")
    if zone is None and snapshot is not None:
        zone = ctx.store.get("ZoneResponse", str(snapshot.get("zoneid")))
    if zone is None:
        raise param_error("Please specify the zone id (or a snapshot) for the volume")
    size = ctx.arg("size")
    if offering is not None and offering.get("iscustomized") and not size:
        raise param_error("This disk offering requires a custom size specified")
    if offering is not None and not offering.get("iscustomized") and size:
        raise param_error("This disk offering does not allow custom size")
    gb = int(size or (offering or {}).get("disksize") or (snapshot or {}).get("_size_gb") or 5)
    volume = make_entity(
        ctx,
        VOLUME,
        {
            "type": "DATADISK",
            "state": "Allocated",
            "size": gb * GB,
            "zoneid": zone["id"],
            "zonename": zone.get("name"),
            "storagetype": "shared",
            "provisioningtype": "thin",
            "destroyed": False,
            "diskofferingid": offering["id"] if offering else None,
            "diskofferingname": offering.get("name") if offering else None,
        },
    )
    volume["name"] = ctx.arg("name") or f"DATA-{volume['_seq']}"
    vm = ctx.maybe(VM, "virtualmachineid")
    if vm is not None:
        _attach(ctx, volume, vm, None)
    ctx.event("VOLUME.CREATE", f"Creating volume {volume['name']}")
    return ObjectAnswer("volume", volume)


def _attach(ctx: Context, volume: Entity, vm: Entity, device: int | None) -> None:
    used = {v.get("deviceid") for v in ctx.store.all(VOLUME) if v.get("virtualmachineid") == vm["id"]}
    if device is None:
        device = next(i for i in range(1, 64) if i not in used and i != 3)
    elif device in used:
        raise param_error(f"Device id {device} is used in vm {vm['name']}")
    pool = next(
        (v for v in ctx.store.all(VOLUME) if v.get("virtualmachineid") == vm["id"] and v.get("type") == "ROOT"), {}
    )
    volume.update(
        virtualmachineid=vm["id"],
        vmname=vm.get("name"),
        vmdisplayname=vm.get("displayname"),
        vmstate=vm.get("state"),
        deviceid=device,
        state="Ready",
        storage=pool.get("storage"),
        storageid=pool.get("storageid"),
        attached=now_text(),
    )


@handles("attachVolume")
def attach_volume(ctx: Context) -> ObjectAnswer:
    volume = ctx.entity(VOLUME, "id")
    vm = ctx.entity(VM, "virtualmachineid")
    if volume.get("virtualmachineid"):
        raise param_error(f"Volume {volume['name']} is already attached to a virtual machine ({volume.get('vmname')})")
    if volume.get("type") == "ROOT":
        raise param_error("Can't attach a ROOT volume that is not attached to a VM; only data disks can be attached")
    if vm.get("state") not in ("Running", "Stopped"):
        raise param_error(f"Please specify a VM that is either running or stopped (VM {vm['name']} is {vm['state']})")
    if volume.get("zoneid") != vm.get("zoneid"):
        raise param_error("Please specify a VM that is in the same zone as the volume")
    device = ctx.arg("deviceid")
    ctx.later(lambda: _attach(ctx, volume, vm, device))
    ctx.event("VOLUME.ATTACH", f"Attaching volume {volume['name']} to VM {vm['name']}")
    return ObjectAnswer("volume", volume)


@handles("detachVolume")
def detach_volume(ctx: Context) -> ObjectAnswer:
    if ctx.arg("id"):
        volume = ctx.entity(VOLUME, "id")
    else:
        vm = ctx.entity(VM, "virtualmachineid")
        device = ctx.arg("deviceid")
        volume = next(
            (v for v in ctx.store.all(VOLUME) if v.get("virtualmachineid") == vm["id"] and v.get("deviceid") == device),
            None,
        )
        if volume is None:
            raise param_error("Please provide either a volume id, or a tuple(device id, instance id)")
    if not volume.get("virtualmachineid"):
        raise param_error(f"Volume {volume['name']} is not attached to any VM")
    if volume.get("type") == "ROOT":
        raise param_error("Please specify a data volume; a ROOT volume cannot be detached from its VM")

    def detached() -> None:
        volume.update(
            virtualmachineid=None, vmname=None, vmdisplayname=None, vmstate=None, deviceid=None, attached=None
        )

    ctx.later(detached)
    return ObjectAnswer("volume", volume)


@handles("deleteVolume")
def delete_volume(ctx: Context) -> SuccessAnswer:
    volume = ctx.entity(VOLUME, "id")
    if volume.get("virtualmachineid"):
        raise param_error("Please specify a volume that is not attached to any VM.")
    ctx.store.remove(VOLUME, volume["id"])
    ctx.event("VOLUME.DELETE", f"Deleting volume {volume['name']}")
    return SuccessAnswer()


@handles("resizeVolume")
def resize_volume(ctx: Context) -> ObjectAnswer:
    volume = ctx.entity(VOLUME, "id")
    offering = ctx.maybe("DiskOfferingResponse", "diskofferingid")
    gb = ctx.arg("size") or (offering or {}).get("disksize")
    if not gb:
        raise param_error("Please pass a new size (GB) or a disk offering with a size")
    new_size = int(gb) * GB
    if new_size < int(volume.get("size") or 0) and not ctx.arg("shrinkok"):
        raise param_error(
            f"Going from existing size of {volume['size']} to size of {new_size} would shrink the volume. Need to sign off by supplying the shrinkok parameter with value of true."
        )

    def resized() -> None:
        volume["size"] = new_size
        if offering is not None:
            volume.update(diskofferingid=offering["id"], diskofferingname=offering.get("name"))

    ctx.later(resized)
    return ObjectAnswer("volume", volume)


@handles("migrateVolume")
def migrate_volume(ctx: Context) -> ObjectAnswer:
    volume = ctx.entity(VOLUME, "volumeid")
    pool = ctx.entity(POOL, "storageid")
    if pool["id"] == volume.get("storageid"):
        raise param_error("Volume is already on the specified storage pool")
    if pool.get("state") != "Up":
        raise param_error(f"Storage pool {pool['name']} is not Up (state {pool.get('state')})")
    vm = ctx.store.get(VM, str(volume.get("virtualmachineid"))) if volume.get("virtualmachineid") else None
    if vm is not None and vm.get("state") == "Running" and not ctx.arg("livemigrate"):
        raise param_error("Volume is attached to a running VM: pass livemigrate=true to move it")
    ctx.later(lambda: volume.update(storageid=pool["id"], storage=pool.get("name")))
    return ObjectAnswer("volume", volume)


# ---- snapshots ---------------------------------------------------------------------------------------


def _snapshot_from(ctx: Context, volume: Entity, name: str | None, extra: dict[str, object] | None = None) -> Entity:
    stamp = now_text().replace("-", "").replace(":", "").replace("T", "")[:14]
    snap = make_entity(
        ctx,
        SNAPSHOT,
        {
            "volumeid": volume["id"],
            "volumename": volume.get("name"),
            "volumetype": volume.get("type"),
            "snapshottype": "MANUAL",
            "intervaltype": "MANUAL",
            "state": "Creating",
            "zoneid": volume.get("zoneid"),
            "zonename": volume.get("zonename"),
            "physicalsize": int(volume.get("size") or 0) // 4,
            "virtualsize": volume.get("size"),
            "locationtype": "PRIMARY",
            "revertable": True,
            "_size_gb": int(volume.get("size") or 0) // GB,
            **_owner_of(volume),
            **(extra or {}),
        },
    )
    snap["name"] = name or f"{volume.get('vmname') or 'detached'}_{volume['name']}_{stamp}"
    return snap


@handles("createSnapshot")
def create_snapshot(ctx: Context) -> ObjectAnswer:
    volume = ctx.entity(VOLUME, "volumeid")
    if volume.get("state") not in ("Ready",):
        raise param_error(
            f"Volume {volume['name']} is not in Ready state but {volume.get('state')}. Cannot take snapshot."
        )
    snap = _snapshot_from(ctx, volume, ctx.arg("name"))
    ctx.later(lambda: snap.update(state="BackedUp", locationtype="SECONDARY"))
    ctx.event("SNAPSHOT.CREATE", f"Creating snapshot {snap['name']}")
    return ObjectAnswer("snapshot", snap)


@handles("deleteSnapshot")
def delete_snapshot(ctx: Context) -> SuccessAnswer:
    snap = ctx.entity(SNAPSHOT, "id")
    if snap.get("state") == "Creating":
        raise ApiError(RESOURCE_IN_USE, f"Snapshot {snap['name']} is being created; try again when it is BackedUp")
    ctx.later(lambda: ctx.store.remove(SNAPSHOT, snap["id"]) and None)
    return SuccessAnswer()


@handles("revertSnapshot")
def revert_snapshot(ctx: Context) -> ObjectAnswer:
    snap = ctx.entity(SNAPSHOT, "id")
    volume = ctx.store.get(VOLUME, str(snap.get("volumeid")))
    if volume is None:
        raise param_error(f"Unable to revert snapshot {snap['name']}: its volume no longer exists")
    vm = ctx.store.get(VM, str(volume.get("virtualmachineid"))) if volume.get("virtualmachineid") else None
    if vm is not None and vm.get("state") != "Stopped":
        raise param_error(
            f"The VM the specified disk is attached to is not in the right state to revert snapshot: {vm['state']}"
        )
    if not snap.get("revertable", True):
        raise param_error(f"Snapshot {snap['name']} cannot be reverted (it is not on primary storage)")
    return ObjectAnswer("snapshot", snap)


@handles("archiveSnapshot")
def archive_snapshot(ctx: Context) -> ObjectAnswer:
    snap = ctx.entity(SNAPSHOT, "id")
    if snap.get("state") != "BackedUp":
        raise param_error(f"Snapshot {snap['name']} must be BackedUp to be archived (state {snap.get('state')})")
    if snap.get("locationtype") == "ARCHIVE":
        raise param_error(f"Snapshot {snap['name']} is already archived")
    ctx.later(lambda: snap.update(locationtype="ARCHIVE", revertable=False))
    return ObjectAnswer("snapshot", snap)


@handles("copySnapshot")
def copy_snapshot(ctx: Context) -> ObjectAnswer:
    snap = ctx.entity(SNAPSHOT, "id")
    zones = list(ctx.arg("destzoneids") or []) + ([ctx.arg("destzoneid")] if ctx.arg("destzoneid") else [])
    if not zones:
        raise param_error("Please specify destzoneid or destzoneids to copy the snapshot to")
    if snap.get("state") != "BackedUp":
        raise param_error(f"Snapshot {snap['name']} is not backed up yet (state {snap.get('state')})")
    copies = snap.setdefault("_zones", [snap.get("zoneid")])
    ctx.later(lambda: copies.extend(z for z in zones if z not in copies))
    return ObjectAnswer("snapshot", snap)


@handles("createSnapshotFromVMSnapshot")
def snapshot_from_vm_snapshot(ctx: Context) -> ObjectAnswer:
    volume = ctx.entity(VOLUME, "volumeid")
    vmsnap = ctx.entity(VM_SNAPSHOT, "vmsnapshotid")
    if vmsnap.get("virtualmachineid") != volume.get("virtualmachineid"):
        raise param_error(f"Volume {volume['name']} does not belong to the VM of VM snapshot {vmsnap['name']}")
    if vmsnap.get("state") != "Ready":
        raise param_error(f"VM snapshot {vmsnap['name']} is not Ready")
    snap = _snapshot_from(ctx, volume, ctx.arg("name"), {"snapshottype": "MANUAL"})
    ctx.later(lambda: snap.update(state="BackedUp", locationtype="SECONDARY"))
    return ObjectAnswer("snapshot", snap)


@handles("getVolumeSnapshotDetails")
def volume_snapshot_details(ctx: Context) -> ObjectAnswer:
    snap = ctx.store.get(SNAPSHOT, str(ctx.arg("snapshotid")))
    if snap is None:
        raise param_error(f"Unable to find snapshot with id {ctx.arg('snapshotid')}")
    ctx.check_access(snap)
    return ObjectAnswer(ctx.info.object_name, {"volumeiScsiName": f"/iqn.2010-01.org.cloudstack:{snap['volumeid']}/0"})


@handles("createSnapshotPolicy")
def create_policy(ctx: Context) -> ObjectAnswer:
    volume = ctx.entity(VOLUME, "volumeid")
    interval = str(ctx.arg("intervaltype")).upper()
    if interval not in ("HOURLY", "DAILY", "WEEKLY", "MONTHLY"):
        raise param_error(f"Unsupported interval type {ctx.arg('intervaltype')}: use HOURLY, DAILY, WEEKLY or MONTHLY")
    if int(ctx.arg("maxsnaps")) < 1:
        raise param_error("maxsnaps must be at least 1")
    for existing in ctx.store.all(POLICY):
        if existing.get("volumeid") == volume["id"] and existing.get("intervaltype") == interval:
            existing.update(schedule=ctx.arg("schedule"), maxsnaps=ctx.arg("maxsnaps"), timezone=ctx.arg("timezone"))
            return ObjectAnswer("snapshotpolicy", existing)
    policy = make_entity(
        ctx, POLICY, {"volumeid": volume["id"], "intervaltype": interval, "fordisplay": ctx.arg("fordisplay", True)}
    )
    for key in ("schedule", "maxsnaps", "timezone"):
        policy[key] = ctx.arg(key)
    policy.pop("name", None)
    return ObjectAnswer("snapshotpolicy", policy)


@handles("updateSnapshotPolicy")
def update_policy(ctx: Context) -> ObjectAnswer:
    policy = ctx.entity(POLICY, "id")
    for key in ("fordisplay", "customid"):
        if key in ctx.args:
            policy[key] = ctx.arg(key)
    return ObjectAnswer("snapshotpolicy", policy)


@handles("deleteSnapshotPolicies")
def delete_policies(ctx: Context) -> SuccessAnswer:
    ids = list(ctx.arg("ids") or []) + ([ctx.arg("id")] if ctx.arg("id") else [])
    if not ids:
        raise param_error("Either id or ids parameter must be given")
    for pid in ids:
        policy = ctx.store.get(POLICY, pid)
        if policy is not None:
            ctx.check_access(policy)
            ctx.store.remove(POLICY, pid)
    return SuccessAnswer()


# ---- VM snapshots --------------------------------------------------------------------------------------


@handles("createVMSnapshot")
def create_vm_snapshot(ctx: Context) -> ObjectAnswer:
    vm = ctx.entity(VM, "virtualmachineid")
    memory = ctx.arg("snapshotmemory", False)
    if vm.get("state") not in ("Running", "Stopped"):
        raise param_error(f"VM snapshot of {vm['name']} is not allowed in state {vm['state']}")
    if memory and vm.get("state") != "Running":
        raise param_error("Can not snapshot memory when VM is not in Running state")
    for other in ctx.store.all(VM_SNAPSHOT):
        if other.get("virtualmachineid") == vm["id"]:
            other["current"] = False
    stamp = now_text().replace("-", "").replace(":", "").replace("T", "")[:14]
    snap = make_entity(
        ctx,
        VM_SNAPSHOT,
        {
            "virtualmachineid": vm["id"],
            "virtualmachinename": vm.get("name"),
            "state": "Creating",
            "current": True,
            "type": "DiskAndMemory" if memory else "Disk",
            "zoneid": vm.get("zoneid"),
            **_owner_of(vm),
            "description": ctx.arg("description"),
        },
    )
    snap["name"] = f"i-{vm['name']}_VS_{stamp}"
    snap["displayname"] = ctx.arg("name") or snap.get("name")
    ctx.later(lambda: snap.update(state="Ready"))
    return ObjectAnswer("vmsnapshot", snap)


@handles("deleteVMSnapshot")
def delete_vm_snapshot(ctx: Context) -> SuccessAnswer:
    snap = ctx.entity(VM_SNAPSHOT, "vmsnapshotid")
    if snap.get("state") not in ("Ready", "Error"):
        raise param_error(f"Can't delete the vm snapshot {snap['displayname']} in state {snap.get('state')}")
    ctx.later(lambda: ctx.store.remove(VM_SNAPSHOT, snap["id"]) and None)
    return SuccessAnswer()


@handles("revertToVMSnapshot")
def revert_vm_snapshot(ctx: Context) -> ObjectAnswer:
    snap = ctx.entity(VM_SNAPSHOT, "vmsnapshotid")
    vm = ctx.store.get(VM, str(snap.get("virtualmachineid")))
    if vm is None:
        raise param_error("The VM of this VM snapshot no longer exists")
    if snap.get("state") != "Ready":
        raise param_error(f"VM snapshot {snap['displayname']} is not in Ready state; it cannot be reverted to")
    if snap.get("type") == "Disk" and vm.get("state") == "Running":
        raise param_error(f"VM {vm['name']} is Running: stop it before reverting to a disk-only VM snapshot")
    for other in ctx.store.all(VM_SNAPSHOT):
        if other.get("virtualmachineid") == vm["id"]:
            other["current"] = other["id"] == snap["id"]
    if snap.get("type") == "DiskAndMemory":
        ctx.later(lambda: set_vm_state(ctx, vm, "Running"))
    return ObjectAnswer("virtualmachine", vm)


# ---- primary storage ------------------------------------------------------------------------------------


@handles("createStoragePool")
def create_pool(ctx: Context) -> ObjectAnswer:
    zone = ctx.entity("ZoneResponse", "zoneid")
    scope = str(ctx.arg("scope") or ("CLUSTER" if ctx.arg("clusterid") else "ZONE")).upper()
    if scope == "CLUSTER" and not (ctx.arg("clusterid") and ctx.arg("podid")):
        raise param_error("Cluster id and pod id are required when scope is CLUSTER (or pass scope=ZONE)")
    url = str(ctx.arg("url"))
    scheme, _, rest = url.partition("://")
    if not rest:
        raise param_error(f"{url} is not a valid storage URL (e.g. nfs://10.0.0.1/export/primary)")
    host, _, path = rest.partition("/")
    pool = make_entity(
        ctx,
        POOL,
        {
            "zoneid": zone["id"],
            "zonename": zone.get("name"),
            "scope": scope,
            "state": "Up",
            "ipaddress": host,
            "path": "/" + path,
            "type": {"nfs": "NetworkFilesystem", "rbd": "RBD", "iscsi": "IscsiLUN"}.get(scheme.lower(), scheme),
            "disksizetotal": int(ctx.arg("capacitybytes") or 2048 * GB),
            "disksizeallocated": 0,
            "disksizeused": 0,
            "provider": ctx.arg("provider") or "DefaultPrimary",
            "tags": ctx.arg("tags") or "",
        },
    )
    for ref in ("pod", "cluster"):
        entity = ctx.store.get(None, str(ctx.arg(ref + "id"))) if ctx.arg(ref + "id") else None
        if entity is not None:
            pool[ref + "id"], pool[ref + "name"] = entity["id"], entity.get("name")
    pool.pop("account", None), pool.pop("domain", None), pool.pop("domainid", None), pool.pop("_owner", None)
    return ObjectAnswer("storagepool", pool)


@handles("updateStoragePool")
def update_pool(ctx: Context) -> ObjectAnswer:
    pool = ctx.entity(POOL, "id")
    if ctx.arg("name"):
        pool["name"] = ctx.arg("name")
    if "tags" in ctx.args:
        pool["tags"] = ",".join(ctx.arg("tags"))
    if ctx.arg("capacitybytes"):
        pool["disksizetotal"] = ctx.arg("capacitybytes")
    if "enabled" in ctx.args and pool.get("state") in ("Up", "Disabled"):
        pool["state"] = "Up" if ctx.arg("enabled") else "Disabled"
    return ObjectAnswer("storagepool", pool)


@handles("deleteStoragePool")
def delete_pool(ctx: Context) -> SuccessAnswer:
    pool = ctx.entity(POOL, "id")
    in_use = [v for v in ctx.store.all(VOLUME) if v.get("storageid") == pool["id"]]
    if in_use and not ctx.arg("forced"):
        raise param_error(f"Cannot delete pool {pool['name']} as there are associated non-destroyed vols for this pool")
    ctx.store.remove(POOL, pool["id"])
    return SuccessAnswer()


@handles("enableStorageMaintenance")
def pool_maintenance(ctx: Context) -> ObjectAnswer:
    pool = ctx.entity(POOL, "id")
    if pool.get("state") in ("Maintenance", "PrepareForMaintenance"):
        raise param_error(f"Primary storage {pool['name']} is already in {pool['state']} state")
    pool["state"] = "PrepareForMaintenance"
    ctx.later(lambda: pool.update(state="Maintenance"))
    return ObjectAnswer("storagepool", pool)


@handles("cancelStorageMaintenance")
def cancel_pool_maintenance(ctx: Context) -> ObjectAnswer:
    pool = ctx.entity(POOL, "id")
    if pool.get("state") not in ("Maintenance", "PrepareForMaintenance", "ErrorInMaintenance"):
        raise param_error(f"Primary storage {pool['name']} is not in maintenance (state {pool['state']})")
    pool["state"] = "CancelMaintenance"
    ctx.later(lambda: pool.update(state="Up"))
    return ObjectAnswer("storagepool", pool)
