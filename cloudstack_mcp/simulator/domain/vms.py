"""Virtual machines and their root volumes."""

from __future__ import annotations

from typing import Any

from ..store import Entity, Store, new_uuid, now_text

__all__ = ["build_vm"]

VM, VOLUME = "UserVmResponse", "VolumeResponse"
GB = 1024**3


def _mac(n: int) -> str:
    return "02:00:{:02x}:{:02x}:{:02x}:{:02x}".format(*(n >> s & 0xFF for s in (24, 16, 8, 0)))


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
        "networkname": network["name"],
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
    running = state == "Running"
    vm: Entity = {
        "id": vm_id,
        "name": name,
        "displayname": name,
        "account": owner["name"],
        "domainid": owner["domainid"],
        "domain": owner["domain"],
        "created": now_text(),
        "state": state,
        "haenable": False,
        "zoneid": zone["id"],
        "zonename": zone["name"],
        "hostid": host["id"] if host and running else None,
        "hostname": host["name"] if host and running else None,
        "templateid": template["id"],
        "templatename": template["name"],
        "templatedisplaytext": template.get("displaytext", template["name"]),
        "passwordenabled": bool(template.get("passwordenabled", False)),
        "serviceofferingid": offering["id"],
        "serviceofferingname": offering["name"],
        "cpunumber": offering.get("cpunumber", 1),
        "cpuspeed": offering.get("cpuspeed", 1000),
        "memory": offering.get("memory", 1024),
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
        "_domainpath": owner["domainpath"],
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
            "storage": pool["name"] if pool else None,
            "storageid": pool["id"] if pool else None,
            "zoneid": zone["id"],
            "zonename": zone["name"],
            "account": owner["name"],
            "domainid": owner["domainid"],
            "domain": owner["domain"],
            "hypervisor": vm["hypervisor"],
            "templateid": template["id"],
            "templatename": template["name"],
            "created": now_text(),
            "destroyed": False,
            "isextractable": True,
            "_owner": owner["id"],
            "_domainpath": owner["domainpath"],
        },
    )
    return vm
