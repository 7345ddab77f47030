"""Zone networking: IPv4 subnets, guest IPv6 prefixes, storage network ranges, VMware datacenters."""

from __future__ import annotations

from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.domain.infra.common import (
    CLUSTER,
    POD,
    SUBNET,
    ZONE,
    add,
    check_range,
    network,
    ref,
)
from cloudstack_mcp.simulator.backend.domain.vms import GB
from cloudstack_mcp.simulator.backend.engine import page
from cloudstack_mcp.simulator.backend.errors import param_error
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid

# ---- zone IPv4 subnets -----------------------------------------------------------------------------------------


@handles("createIpv4SubnetForZone")
def create_subnet(ctx: Context) -> ObjectAnswer:
    zone = ctx.entity(ZONE, "zoneid")
    subnet = network(str(ctx.arg("subnet")), "subnet")
    if subnet.version != 4:
        raise param_error(f"{subnet} is not an IPv4 subnet")
    for other in ctx.store.all(SUBNET):
        if other.get("zoneid") == zone["id"] and subnet.overlaps(network(str(other.get("subnet")), "subnet")):
            raise param_error(
                f"Conflicting subnet: {subnet} overlaps with the existing subnet {other['subnet']} of zone {zone['name']}"
            )
    entity = add(ctx, SUBNET, {"subnet": str(subnet), **ref(zone, "zone")})
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
    new = network(str(ctx.arg("subnet")), "subnet")
    for other in ctx.store.all(SUBNET):
        if (
            other["id"] != subnet["id"]
            and other.get("zoneid") == subnet.get("zoneid")
            and new.overlaps(network(str(other.get("subnet")), "subnet"))
        ):
            raise param_error(f"Conflicting subnet: {new} overlaps with {other['subnet']}")
    subnet["subnet"] = str(new)
    return ObjectAnswer("zoneipv4subnet", subnet)


# ---- other zone networking -------------------------------------------------------------------------------------


@handles("createGuestNetworkIpv6Prefix")
def create_ipv6_prefix(ctx: Context) -> ObjectAnswer:
    zone = ctx.entity(ZONE, "zoneid")
    prefix = network(str(ctx.arg("prefix")), "IPv6 prefix")
    if prefix.version != 6 or prefix.prefixlen > 64:
        raise param_error(f"Invalid IPv6 prefix {prefix}: it must be an IPv6 network of /64 or larger")
    entity = add(
        ctx,
        "DataCenterGuestIpv6PrefixResponse",
        {
            "prefix": str(prefix),
            **ref(zone, "zone"),
            "usedsubnets": 0,
            "availablesubnets": 2 ** (64 - prefix.prefixlen),
        },
    )
    return ObjectAnswer("guestnetworkipv6prefix", entity)


@handles("createStorageNetworkIpRange")
def create_storage_range(ctx: Context) -> ObjectAnswer:
    pod = ctx.entity(POD, "podid")
    cidr = network(f"{ctx.arg('gateway')}/{ctx.arg('netmask')}", "gateway/netmask")
    check_range(cidr, str(ctx.arg("startip")), ctx.arg("endip"))
    entity = add(
        ctx,
        "StorageNetworkIpRangeResponse",
        {
            "startip": ctx.arg("startip"),
            "endip": ctx.arg("endip") or ctx.arg("startip"),
            "netmask": ctx.arg("netmask"),
            "gateway": ctx.arg("gateway"),
            "vlan": ctx.arg("vlan"),
            **ref(pod, "pod"),
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
    dc = add(ctx, DC, {"name": ctx.arg("name"), "vcenter": ctx.arg("vcenter"), "zoneid": zone["id"]})
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
