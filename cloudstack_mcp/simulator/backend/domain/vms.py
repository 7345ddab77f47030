"""Virtual machines and their root volumes."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.domain.netutil import implement_network
from cloudstack_mcp.simulator.backend.engine import list_entities, page
from cloudstack_mcp.simulator.backend.errors import INSUFFICIENT_CAPACITY, ApiError, param_error
from cloudstack_mcp.simulator.backend.store import Entity, Store, new_uuid, now_text, public

__all__ = ["build_vm", "pick_host", "set_vm_state"]

VM, VOLUME = "UserVmResponse", "VolumeResponse"
GB = 1024**3


def _mac(n: int) -> str:
    return "02:00:{:02x}:{:02x}:{:02x}:{:02x}".format(*(n >> s & 0xFF for s in (24, 16, 8, 0)))


def next_mac(store: Store) -> str:
    """A MAC address no other NIC has (from the store's sequence)."""
    return _mac(next(store.internal_ids))


def build_vm(
    store: Store,
    *,
    name: str,
    owner: Entity,
    zone: Entity,
    network: Entity,
    template: Entity,
    offering: Entity,
    host: Entity | None,
    pool: Entity | None,
    state: str = "Running",
    key: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Entity:
    """A VM with one NIC on `network` and its ROOT volume, as deployVirtualMachine leaves them."""
    seq = next(store.internal_ids)
    vm_id = new_uuid(f"vm:{key}") if key else new_uuid()
    prefix = str(network.get("cidr", "10.1.1.0/24")).rsplit(".", 1)[0]
    network["_seq_ip"] = int(network.get("_seq_ip", 10)) + 1
    nic = {
        "id": new_uuid(f"nic:{key}") if key else new_uuid(),
        "networkid": network["id"],
        "networkname": network.get("name"),
        "netmask": network.get("netmask", "255.255.255.0"),
        "gateway": network.get("gateway", prefix + ".1"),
        "ipaddress": f"{prefix}.{network['_seq_ip']}",
        "isolationuri": network.get("broadcasturi"),
        "broadcasturi": network.get("broadcasturi"),
        "traffictype": "Guest",
        "type": network.get("type", "Isolated"),
        "isdefault": True,
        "macaddress": _mac(seq),
        "secondaryip": [],
        "extradhcpoption": [],
        "deviceid": "0",
    }
    running = state in ("Running", "Starting")
    user = next((u for u in store.all("UserResponse") if u.get("accountid") == owner["id"]), {})
    vm: Entity = {
        "id": vm_id,
        "name": name,
        "displayname": name,
        "account": owner.get("name"),
        "userid": user.get("id"),
        "username": user.get("username"),
        "domainid": owner.get("domainid"),
        "domain": owner.get("domain"),
        "created": now_text(),
        "state": state,
        "haenable": False,
        "zoneid": zone["id"],
        "zonename": zone.get("name"),
        "hostid": host["id"] if host and running else None,
        "hostname": host.get("name") if host and running else None,
        "templateid": template["id"],
        "templatename": template.get("name"),
        "templatedisplaytext": template.get("displaytext", template.get("name")),
        "passwordenabled": bool(template.get("passwordenabled", False)),
        "serviceofferingid": offering["id"],
        "serviceofferingname": offering.get("name"),
        "cpunumber": offering.get("cpunumber") or 1,
        "cpuspeed": offering.get("cpuspeed") or 1000,
        "memory": offering.get("memory") or 1024,
        "guestosid": template.get("ostypeid"),
        "ostypeid": template.get("ostypeid"),
        "osdisplayname": template.get("ostypename"),
        "rootdeviceid": 0,
        "rootdevicetype": "ROOT",
        "securitygroup": [],
        "affinitygroup": [],
        "nic": [nic],
        "hypervisor": template.get("hypervisor", "KVM"),
        "instancename": f"i-{seq % 97 + 2}-{seq}-VM",
        "details": {},
        "displayvm": True,
        "isdynamicallyscalable": False,
        "bootmode": "legacy",
        "boottype": "BIOS",
        "tags": [],
        "arch": "x86_64",
        "_owner": owner["id"],
        "_domainpath": owner.get("domainpath"),
        "_variant": "virtualmachine",
    }
    if extra:
        vm.update(extra)
    store.add(VM, vm)
    size = int(template.get("size") or 10 * GB)
    store.add(
        VOLUME,
        {
            "id": new_uuid(f"rootvol:{key}") if key else new_uuid(),
            "name": f"ROOT-{seq}",
            "type": "ROOT",
            "deviceid": 0,
            "virtualmachineid": vm_id,
            "vmname": name,
            "vmdisplayname": name,
            "vmstate": state,
            "size": size,
            "state": "Ready",
            "storagetype": "shared",
            "provisioningtype": "thin",
            "storage": pool.get("name") if pool else None,
            "storageid": pool["id"] if pool else None,
            "zoneid": zone["id"],
            "zonename": zone.get("name"),
            "account": owner.get("name"),
            "domainid": owner.get("domainid"),
            "domain": owner.get("domain"),
            "hypervisor": vm.get("hypervisor"),
            "templateid": template["id"],
            "templatename": template.get("name"),
            "created": now_text(),
            "destroyed": False,
            "isextractable": True,
            "_owner": owner["id"],
            "_domainpath": owner.get("domainpath"),
        },
    )
    return vm


# ---- handlers ------------------------------------------------------------------------------------

NETWORK, HOST, POOL = "NetworkResponse", "HostResponse", "StoragePoolResponse"


def set_vm_state(ctx: Context, vm: Entity, state: str) -> None:
    vm["state"] = state
    for volume in ctx.store.all(VOLUME):
        if volume.get("virtualmachineid") == vm["id"]:
            volume["vmstate"] = state


def _label(vm: Entity) -> str:
    return f'VM instance {{id: "{vm["id"]}", name: "{vm["name"]}"}}'


def _owner(ctx: Context) -> Entity:
    name, domain_id = ctx.arg("account"), ctx.arg("domainid")
    if name and domain_id:
        account = ctx.store.first("AccountResponse", name=name, domainid=domain_id)
        if account is None:
            raise param_error(f"Unable to find account {name} in domain {domain_id}")
        ctx.check_access(account | {"_owner": account["id"], "_domainpath": account.get("domainpath")})
        return account
    return ctx.caller.account


def pick_host(ctx: Context, zone_id: str | None, hypervisor: str | None = None, exclude: str | None = None) -> Entity:
    for host in ctx.store.all(HOST):
        if (
            zone_id in (None, host.get("zoneid"))
            and host.get("type") == "Routing"
            and host.get("state") == "Up"
            and host.get("resourcestate") == "Enabled"
            and host["id"] != exclude
            and (hypervisor is None or host.get("hypervisor") == hypervisor)
        ):
            return host
    raise ApiError(
        INSUFFICIENT_CAPACITY,
        f"Unable to create a deployment for VM in zone {zone_id}: no host in Up and Enabled state has enough capacity",
        cserrorcode=4335,
    )


def _pool(ctx: Context, zone_id: str) -> Entity | None:
    return next((p for p in ctx.store.all(POOL) if p.get("zoneid") == zone_id and p.get("state") == "Up"), None)


def _networks(ctx: Context, owner: Entity, zone: Entity) -> list[Entity]:
    ids = ctx.arg("networkids") or []
    if ids:
        nets = [ctx.entity(NETWORK, "networkids") if len(ids) == 1 else ctx.store.get(NETWORK, i) for i in ids]
        return [n for n in nets if n is not None]
    if zone.get("networktype") == "Basic":  # a basic zone has one shared guest network, for every account
        for net in ctx.store.all(NETWORK):
            if net.get("zoneid") == zone["id"] and net.get("type") == "Shared" and net.get("state") != "Destroy":
                return [net]
    for net in ctx.store.all(NETWORK):
        if net.get("_owner") == owner["id"] and net.get("zoneid") == zone["id"] and net.get("state") != "Destroy":
            return [net]
    return [_default_network(ctx, owner, zone)]


def _default_network(ctx: Context, owner: Entity, zone: Entity) -> Entity:
    """An account with no network in an advanced zone gets one, as UserVmManagerImpl does: `<account>-network`
    from the isolated offering whose source NAT service is Required."""
    offerings = [
        o
        for o in ctx.store.all("NetworkOfferingResponse")
        if o.get("guestiptype") == "Isolated" and not o.get("forvpc") and o.get("state") == "Enabled"
    ]
    required = [o for o in offerings if o.get("availability") == "Required"] or [
        o for o in offerings if o.get("name") == "DefaultIsolatedNetworkOfferingWithSourceNatService"
    ]
    if not required:
        raise param_error(
            f"Unable to find a default network for account {owner['name']} in zone {zone['name']}: there is no "
            "network offering with a Required source NAT service; create a network or pass networkids"
        )
    used = {n.get("cidr") for n in ctx.store.all(NETWORK)}
    third = next(i for i in range(1, 255) if f"10.1.{i}.0/24" not in used)
    offering, name = required[0], f"{owner['name']}-network"
    vlan = str(100 + ctx.store.count(NETWORK))
    return ctx.store.add(
        NETWORK,
        {
            "name": name,
            "displaytext": name,
            "zoneid": zone["id"],
            "zonename": zone.get("name"),
            "networkofferingid": offering["id"],
            "networkofferingname": offering.get("name"),
            "type": "Isolated",
            "traffictype": "Guest",
            "state": "Allocated",
            "cidr": f"10.1.{third}.0/24",
            "gateway": f"10.1.{third}.1",
            "netmask": "255.255.255.0",
            "broadcastdomaintype": "Vlan",
            "broadcasturi": f"vlan://{vlan}",
            "vlan": vlan,
            "acltype": "Account",
            "restartrequired": False,
            "canusefordeploy": True,
            "specifyipranges": False,
            "ispersistent": False,
            "redundantrouter": False,
            "dns1": zone.get("dns1"),
            "account": owner.get("name"),
            "domainid": owner.get("domainid"),
            "domain": owner.get("domain"),
            "created": now_text(),
            "_owner": owner["id"],
            "_domainpath": owner.get("domainpath"),
            "_seq_ip": 10,
        },
    )


@handles("deployVirtualMachine")
def deploy(ctx: Context) -> ObjectAnswer:
    zone = ctx.entity("ZoneResponse", "zoneid")
    offering = ctx.entity("ServiceOfferingResponse", "serviceofferingid")
    template = ctx.entity("TemplateResponse", "templateid")
    if not template.get("isready", True):
        raise param_error(f"Template {template['name']} has not been completely downloaded to zone {zone['name']}")
    if zone.get("allocationstate") == "Disabled" and not ctx.caller.is_root_admin:
        raise ApiError(
            531, f"Cannot perform this operation, zone {zone['name']} is currently disabled", cserrorcode=4365
        )
    owner = _owner(ctx)
    networks = _networks(ctx, owner, zone)
    for net in networks:
        implement_network(ctx.store, net)
    name = ctx.arg("name") or ctx.arg("displayname")
    if name:
        for vm in ctx.store.all(VM):
            if vm.get("name") == name and vm.get("_owner") == owner["id"] and vm.get("state") != "Expunging":
                raise param_error(f"The vm with hostname {name} already exists in the network domain of the account")
    start = ctx.arg("startvm", True)
    host = ctx.maybe(HOST, "hostid") or pick_host(ctx, zone["id"], template.get("hypervisor")) if start else None
    extra = {k: ctx.arg(k) for k in ("group", "keypair") if ctx.arg(k)}
    if ctx.arg("keypair"):
        extra["keypairs"] = extra.pop("keypair")
    vm = build_vm(
        ctx.store,
        name=name or "VM-pending",
        owner=owner,
        zone=zone,
        network=networks[0],
        template=template,
        offering=offering,
        host=host,
        pool=_pool(ctx, zone["id"]),
        state="Starting" if start else "Stopped",
        extra=extra,
    )
    if not name:
        vm["name"] = vm["displayname"] = f"VM-{vm['id']}"
    if ctx.arg("displayname"):
        vm["displayname"] = ctx.arg("displayname")
    disk = ctx.maybe("DiskOfferingResponse", "diskofferingid")
    if disk is not None:
        size = int(disk.get("disksize") or ctx.arg("size") or 0) or 10
        ctx.store.add(
            VOLUME,
            {
                "name": f"DATA-{next(ctx.store.internal_ids)}",
                "type": "DATADISK",
                "deviceid": 1,
                "virtualmachineid": vm["id"],
                "vmname": vm.get("name"),
                "vmstate": vm.get("state"),
                "size": size * GB,
                "state": "Ready",
                "storagetype": "shared",
                "diskofferingid": disk["id"],
                "diskofferingname": disk.get("name"),
                "zoneid": zone["id"],
                "zonename": zone.get("name"),
                "account": owner.get("name"),
                "domainid": owner.get("domainid"),
                "domain": owner.get("domain"),
                "created": now_text(),
                "_owner": owner["id"],
                "_domainpath": owner.get("domainpath"),
            },
        )
    if start:
        ctx.later(lambda: set_vm_state(ctx, vm, "Running"))
    ctx.event("VM.CREATE", f"Successfully completed deploying Vm. Vm Name: {vm['name']}")
    return ObjectAnswer("virtualmachine", vm)


def _vm(ctx: Context) -> Entity:
    return ctx.entity(VM, "id" if ctx.arg("id") else "virtualmachineid")


@handles("startVirtualMachine")
def start(ctx: Context) -> ObjectAnswer:
    vm = _vm(ctx)
    if vm.get("state") == "Running":
        raise param_error(f"The virtual machine {vm['name']} ({vm['id']}) is already running")
    if vm.get("state") != "Stopped":
        raise param_error(f"Unable to start {_label(vm)} as it is in {vm['state']} state")
    host = ctx.maybe(HOST, "hostid") or pick_host(ctx, vm.get("zoneid"), vm.get("hypervisor"))
    set_vm_state(ctx, vm, "Starting")
    vm.update(hostid=host["id"], hostname=host.get("name"))
    ctx.later(lambda: set_vm_state(ctx, vm, "Running"))
    ctx.event("VM.START", f"Starting VM {vm['name']}")
    return ObjectAnswer("virtualmachine", vm)


@handles("stopVirtualMachine")
def stop(ctx: Context) -> ObjectAnswer:
    vm = _vm(ctx)
    if vm.get("state") in ("Destroyed", "Expunging", "Error"):
        raise param_error(f"Unable to stop {_label(vm)} as it is in {vm['state']} state")
    if vm.get("state") != "Stopped":
        set_vm_state(ctx, vm, "Stopping")

        def stopped() -> None:
            set_vm_state(ctx, vm, "Stopped")
            vm.update(hostid=None, hostname=None)

        ctx.later(stopped)
    ctx.event("VM.STOP", f"Stopping VM {vm['name']}")
    return ObjectAnswer("virtualmachine", vm)


@handles("rebootVirtualMachine")
def reboot(ctx: Context) -> ObjectAnswer:
    vm = _vm(ctx)
    if vm.get("state") != "Running":
        raise param_error(f"Unable to reboot {_label(vm)} as it is not in Running state (state: {vm['state']})")
    ctx.event("VM.REBOOT", f"Rebooting VM {vm['name']}")
    return ObjectAnswer("virtualmachine", vm)


def _expunge(ctx: Context, vm: Entity) -> None:
    ctx.store.remove(VM, vm["id"])
    for volume in list(ctx.store.all(VOLUME)):
        if volume.get("virtualmachineid") == vm["id"]:
            if volume.get("type") == "ROOT":
                ctx.store.remove(VOLUME, volume["id"])
            else:
                volume.update(virtualmachineid=None, vmname=None, vmstate=None, deviceid=None)


@handles("destroyVirtualMachine")
def destroy(ctx: Context) -> ObjectAnswer:
    vm = _vm(ctx)
    if vm.get("state") in ("Destroyed", "Expunging"):
        raise param_error(f"Unable to destroy {_label(vm)} as it is already in {vm['state']} state")
    expunge = bool(ctx.arg("expunge"))
    for vol_id in ctx.arg("volumeids") or []:
        volume = ctx.store.get(VOLUME, vol_id)
        if volume is not None and volume.get("virtualmachineid") == vm["id"] and volume.get("type") != "ROOT":
            ctx.store.remove(VOLUME, vol_id)

    def done() -> None:
        set_vm_state(ctx, vm, "Expunging" if expunge else "Destroyed")
        vm.update(hostid=None, hostname=None)
        if expunge:
            _expunge(ctx, vm)
        else:
            for volume in ctx.store.all(VOLUME):
                if volume.get("virtualmachineid") == vm["id"] and volume.get("type") == "ROOT":
                    volume["state"] = "Destroy"

    ctx.later(done)
    ctx.event("VM.DESTROY", f"Destroying VM {vm['name']}")
    return ObjectAnswer("virtualmachine", vm)


@handles("recoverVirtualMachine")
def recover(ctx: Context) -> ObjectAnswer:
    vm = _vm(ctx)
    if vm.get("state") != "Destroyed":
        raise param_error(f"Unable to recover {_label(vm)}: it is in {vm['state']} state, not Destroyed")
    set_vm_state(ctx, vm, "Stopped")
    for volume in ctx.store.all(VOLUME):
        if volume.get("virtualmachineid") == vm["id"]:
            volume["state"] = "Ready"
    return ObjectAnswer("virtualmachine", vm)


@handles("expungeVirtualMachine")
def expunge(ctx: Context) -> SuccessAnswer:
    vm = _vm(ctx)
    if vm.get("state") != "Destroyed":
        raise param_error(f"Please destroy {_label(vm)} before expunging it (state: {vm['state']})")
    ctx.later(lambda: _expunge(ctx, vm))
    ctx.event("VM.EXPUNGE", f"Expunging VM {vm['name']}")
    return SuccessAnswer()


@handles("updateVirtualMachine")
def update(ctx: Context) -> ObjectAnswer:
    vm = _vm(ctx)
    for field in (
        "displayname",
        "name",
        "haenable",
        "group",
        "userdata",
        "isdynamicallyscalable",
        "displayvm",
        "ostypeid",
    ):
        if field in ctx.args:
            vm[field] = ctx.arg(field)
    if ctx.arg("name") and vm.get("state") != "Stopped":
        raise param_error("The VM must be stopped to change its name")
    details = ctx.args.map_merged("details")
    if details:
        vm["details"] = {**vm.get("details", {}), **details}
    return ObjectAnswer("virtualmachine", vm)


def _change_offering(vm: Entity, offering: Entity) -> None:
    vm.update(serviceofferingid=offering["id"], serviceofferingname=offering.get("name"))
    vm.update(cpunumber=offering.get("cpunumber"), cpuspeed=offering.get("cpuspeed"), memory=offering.get("memory"))


@handles("changeServiceForVirtualMachine")
def change_service(ctx: Context) -> ObjectAnswer:
    vm = _vm(ctx)
    offering = ctx.entity("ServiceOfferingResponse", "serviceofferingid")
    if vm.get("state") != "Stopped":
        raise param_error(
            f"Unable to upgrade virtual machine {vm['name']} in state {vm['state']}; make sure the virtual machine is stopped"
        )
    _change_offering(vm, offering)
    return ObjectAnswer("virtualmachine", vm)


@handles("scaleVirtualMachine")
def scale(ctx: Context) -> ObjectAnswer:
    vm = _vm(ctx)
    offering = ctx.entity("ServiceOfferingResponse", "serviceofferingid")
    if vm.get("state") == "Running" and not offering.get("dynamicscalingenabled", True):
        raise param_error(f"Unable to scale {_label(vm)}: the service offering does not allow dynamic scaling")
    if vm.get("state") not in ("Running", "Stopped"):
        raise param_error(f"Unable to scale {_label(vm)} in state {vm['state']}")
    if offering["id"] == vm.get("serviceofferingid"):
        raise param_error("Not upgrading vm: the new service offering is the same as the current one")
    ctx.later(lambda: _change_offering(vm, offering))
    return ObjectAnswer("virtualmachine", vm)


@handles("migrateVirtualMachine")
def migrate(ctx: Context) -> ObjectAnswer:
    vm = _vm(ctx)
    if vm.get("state") == "Running":
        host = ctx.maybe(HOST, "hostid") or pick_host(
            ctx, vm.get("zoneid"), vm.get("hypervisor"), exclude=vm.get("hostid")
        )
        if host["id"] == vm.get("hostid"):
            raise param_error("Cannot migrate VM, destination host is the same as current host")
        if host.get("state") != "Up" or host.get("resourcestate") != "Enabled":
            raise param_error(f"Cannot migrate VM to host {host['name']}: the host is not Up and Enabled")
        set_vm_state(ctx, vm, "Migrating")

        def moved() -> None:
            vm.update(hostid=host["id"], hostname=host.get("name"))
            set_vm_state(ctx, vm, "Running")

        ctx.later(moved)
    elif vm.get("state") == "Stopped":
        pool = ctx.entity(POOL, "storageid") if ctx.arg("storageid") else None
        if pool is None:
            raise param_error("Storage id is required to migrate a stopped VM (its volumes move to that pool)")
        for volume in ctx.store.all(VOLUME):
            if volume.get("virtualmachineid") == vm["id"]:
                volume.update(storageid=pool["id"], storage=pool.get("name"))
    else:
        raise param_error(f"Unable to migrate {_label(vm)} in state {vm['state']}: it must be Running or Stopped")
    ctx.event("VM.MIGRATE", f"Migrating VM {vm['name']}")
    return ObjectAnswer("virtualmachine", vm)


@handles("resetPasswordForVirtualMachine")
def reset_password(ctx: Context) -> ObjectAnswer:
    vm = _vm(ctx)
    template = ctx.store.get("TemplateResponse", str(vm.get("templateid")))
    if template is not None and not template.get("passwordenabled"):
        raise param_error("Fail to reset password for the virtual machine, the template is not password enabled")
    if vm.get("state") not in ("Running", "Stopped"):
        raise param_error(f"Vm {vm['name']} should be Running or Stopped to reset its password")
    vm["_password"] = secrets.token_urlsafe(9)
    vm["password"] = vm.get("_password")

    return ObjectAnswer("virtualmachine", vm)


@handles("getVMPassword")
def get_password(ctx: Context) -> ObjectAnswer:
    vm = _vm(ctx)
    if not vm.get("_password"):
        raise param_error(f"No password for VM with id '{vm['id']}' found. See the VM's log for password reset errors.")
    return ObjectAnswer(
        "password", {"id": vm["id"], "encryptedpassword": base64.b64encode(vm.get("_password").encode()).decode()}
    )


@handles("attachIso")
def attach_iso(ctx: Context) -> ObjectAnswer:
    vm = ctx.entity(VM, "virtualmachineid")
    iso = ctx.entity("TemplateResponse", "id")
    if iso.get("format") != "ISO":
        raise param_error(f"Invalid ISO id {iso['id']}: {iso['name']} is a template, not an ISO")
    if vm.get("isoid"):
        raise param_error(f"An ISO is already attached to VM {vm['name']}, please detach it first")
    if vm.get("state") not in ("Running", "Stopped"):
        raise param_error(f"Invalid state of VM {vm['name']} to attach an ISO: {vm['state']}")
    vm.update(isoid=iso["id"], isoname=iso.get("name"), isodisplaytext=iso.get("displaytext"))
    return ObjectAnswer("virtualmachine", vm)


@handles("detachIso")
def detach_iso(ctx: Context) -> ObjectAnswer:
    vm = ctx.entity(VM, "virtualmachineid")
    if not vm.get("isoid"):
        raise param_error(f"VM {vm['name']} has no ISO attached")
    vm.update(isoid=None, isoname=None, isodisplaytext=None)
    return ObjectAnswer("virtualmachine", vm)


def _stats(vm: Entity) -> Entity:
    """A VM as listVirtualMachines shows it: with its usage figures (details=all, the default)."""
    view = public(vm)
    running = vm.get("state") == "Running"
    view.update(
        cpuused="12.5%" if running else "0%",
        memorykbs=int(vm.get("memory") or 1024) * 1024 if running else 0,
        memoryintfreekbs=0,
        memorytargetkbs=0,
        networkkbsread=1015808 if running else 0,
        networkkbswrite=507904 if running else 0,
        diskkbsread=2048 if running else 0,
        diskkbswrite=4096 if running else 0,
        diskioread=10 if running else 0,
        diskiowrite=20 if running else 0,
    )
    return view


def _metrics(vm: Entity) -> Entity:
    view = _stats(vm)
    view["cputotal"] = f"{vm.get('cpunumber') or 1} x {(vm.get('cpuspeed') or 1000) / 1000:.2f} Ghz"
    view["ipaddress"] = (vm.get("nic") or [{}])[0].get("ipaddress")
    return view


@handles("listVirtualMachines", "listVirtualMachinesMetrics")
def list_metrics(ctx: Context) -> ListAnswer:
    items, total = page(ctx, list_entities(ctx, VM))
    return ListAnswer(ctx.info.item_key, items, total, view=_metrics if ctx.api.endswith("Metrics") else _stats)
