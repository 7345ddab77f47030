"""Lookups that answer CloudStack's real values (affinity group types, storage providers, a user by API
key), and a few objects whose values CloudStack writes its own way (private gateways' `vlan://`, VPN
users' state, a NIC added to a VM)."""

from __future__ import annotations

from cloudstack_mcp.simulator.backend.accounts import ACCOUNT
from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.domain.vms import VM, next_mac
from cloudstack_mcp.simulator.backend.engine import make_entity, page
from cloudstack_mcp.simulator.backend.errors import param_error
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid, public

# AffinityGroupProcessor plugins of a stock 4.20 management server.
AFFINITY_TYPES = (
    "host anti-affinity",
    "host affinity",
    "non-strict host anti-affinity",
    "non-strict host affinity",
    "ExplicitDedication",
)
# DataStoreProvider beans by type (listStorageProviders type=primary|image).
STORAGE_PROVIDERS = {
    "primary": (
        "DefaultPrimary",
        "CloudByte",
        "Datera",
        "ElastiCloud",
        "Flexvol",
        "Linstor",
        "PowerFlex",
        "PrimeraPrimary",
        "FlashArray",
        "SolidFire",
        "SolidFireShared",
        "StorPool",
    ),
    "image": ("NFS", "S3", "Swift"),
}


def _plain(ctx: Context, key: str, items: list[dict]) -> ListAnswer:
    shown, total = page(ctx, items)
    return ListAnswer(key, shown, total, view=lambda e: e)


@handles("listAffinityGroupTypes")
def affinity_types(ctx: Context) -> ListAnswer:
    return _plain(ctx, ctx.info.item_key, [{"type": t} for t in AFFINITY_TYPES])


@handles("listStorageProviders")
def storage_providers(ctx: Context) -> ListAnswer:
    kind = str(ctx.arg("type") or "").lower()
    if kind not in STORAGE_PROVIDERS:
        raise param_error(f"Invalid storage provider type {ctx.arg('type')}: use primary or image")
    items = [{"name": n, "type": kind} for n in STORAGE_PROVIDERS[kind]]
    if ctx.arg("keyword"):
        items = [i for i in items if str(ctx.arg("keyword")).lower() in i["name"].lower()]
    return _plain(ctx, ctx.info.item_key, items)


@handles("getUser")
def get_user(ctx: Context) -> ObjectAnswer:
    """The whole user (with its account and domain) that owns an API key."""
    user = ctx.cloud.accounts.user_by_key(str(ctx.arg("userapikey")))
    if user is None:
        raise param_error(f"Unable to find user by API key {ctx.arg('userapikey')}")
    account = ctx.store.get(ACCOUNT, str(user.get("accountid"))) or {}
    ctx.check_access({"id": user["id"], "_owner": account.get("id"), "_domainpath": account.get("domainpath")})
    fields = {k: v for k, v in public(user).items() if k != "secretkey"}
    return ObjectAnswer("user", fields)


@handles("createPrivateGateway")
def create_private_gateway(ctx: Context) -> ObjectAnswer:
    vpc = ctx.entity("VpcResponse", "vpcid")
    vlan = str(ctx.arg("vlan") or "")
    if vlan and "://" not in vlan:
        vlan = f"vlan://{vlan}"  # the broadcast URI form CloudStack stores and answers
    gateway = make_entity(
        ctx,
        "PrivateGatewayResponse",
        {
            "vlan": vlan or None,
            "vpcid": vpc["id"],
            "vpcname": vpc.get("name"),
            "zoneid": vpc.get("zoneid"),
            "zonename": vpc.get("zonename"),
            "state": "Ready",
            "sourcenatsupported": bool(ctx.arg("sourcenatsupported")),
        },
    )
    return ObjectAnswer("privategateway", gateway)


@handles("addVpnUser")
def add_vpn_user(ctx: Context) -> ObjectAnswer:
    """A VPN user is `Add` until applied to the owner's remote access VPN, then `Active`."""
    name = str(ctx.arg("username"))
    user = make_entity(ctx, "VpnUsersResponse", {"username": name})
    vpns = [v for v in ctx.store.all("RemoteAccessVpnResponse") if v.get("_owner") == user.get("_owner")]
    user["state"] = "Active" if vpns else "Add"
    user.pop("name", None)
    return ObjectAnswer("vpnuser", user)


@handles("addNicToVirtualMachine")
def add_nic(ctx: Context) -> ObjectAnswer:
    """The VM, with a NIC on the network added (not a new VM)."""
    vm = ctx.entity(VM, "virtualmachineid")
    network = ctx.entity("NetworkResponse", "networkid")
    nics: list[Entity] = vm.setdefault("nic", [])
    if any(n.get("networkid") == network["id"] for n in nics):
        raise param_error(f"A NIC already exists for VM : {vm['name']} in network: {network['name']}")
    prefix = str(network.get("cidr", "10.1.1.0/24")).rsplit(".", 1)[0]
    network["_seq_ip"] = int(network.get("_seq_ip", 10)) + 1
    nics.append(
        {
            "id": new_uuid(),
            "networkid": network["id"],
            "networkname": network.get("name"),
            "netmask": network.get("netmask", "255.255.255.0"),
            "gateway": network.get("gateway", prefix + ".1"),
            "ipaddress": ctx.arg("ipaddress") or f"{prefix}.{network['_seq_ip']}",
            "broadcasturi": network.get("broadcasturi"),
            "isolationuri": network.get("broadcasturi"),
            "traffictype": "Guest",
            "type": network.get("type", "Isolated"),
            "isdefault": not nics,
            "macaddress": ctx.arg("macaddress") or next_mac(ctx.store),
            "deviceid": str(len(nics)),
            "secondaryip": [],
            "extradhcpoption": [],
        }
    )
    return ObjectAnswer("virtualmachine", vm)
