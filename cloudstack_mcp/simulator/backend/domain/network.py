"""Guest networks, public IPs, static NAT, firewall / egress / port forwarding / load balancer /
routing firewall rules, and VPCs."""

from __future__ import annotations

import ipaddress

from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.domain.netutil import (
    IP,
    NETWORK,
    ROUTER,
    VPC,
    add_router,
    allocate_ip,
    owner_fields,
)
from cloudstack_mcp.simulator.backend.domain.vms import VM
from cloudstack_mcp.simulator.backend.engine import make_entity, page
from cloudstack_mcp.simulator.backend.errors import INTERNAL_ERROR, NETWORK_RULE_CONFLICT, ApiError, param_error
from cloudstack_mcp.simulator.backend.store import Entity, public

RULE = "FirewallRuleResponse"
PROTOCOLS = ("tcp", "udp", "icmp", "all")
ALGORITHMS = ("roundrobin", "leastconn", "source")


def _free_cidr(ctx: Context) -> str:
    used = {n.get("cidr") for n in ctx.store.all(NETWORK)}
    return next(f"10.1.{i}.0/24" for i in range(1, 255) if f"10.1.{i}.0/24" not in used)


@handles("createNetwork")
def create_network(ctx: Context) -> ObjectAnswer:
    offering = ctx.entity("NetworkOfferingResponse", "networkofferingid")
    zone = ctx.entity("ZoneResponse", "zoneid")
    vpc = ctx.maybe(VPC, "vpcid")
    if offering.get("state") != "Enabled":
        raise param_error(
            f"Network offering {offering['name']} is not in Enabled state, it can't be used to create networks"
        )
    if vpc is not None and not offering.get("forvpc"):
        raise param_error(f"Network offering {offering['name']} can't be used for VPC networks")
    if vpc is None and offering.get("forvpc"):
        raise param_error(f"Network offering {offering['name']} is for VPC networks: pass vpcid")
    gateway, netmask = ctx.arg("gateway"), ctx.arg("netmask")
    if vpc is not None and not (gateway and netmask):
        raise param_error("Gateway/netmask are required when creating a network in a VPC")
    shared = offering.get("guestiptype") == "Shared"
    if shared and not ctx.caller.is_root_admin:
        raise ApiError(531, "Only root admins can create shared networks", cserrorcode=4365)
    if gateway and netmask:
        try:
            net = ipaddress.ip_network(f"{gateway}/{netmask}", strict=False)
        except ValueError as exc:
            raise param_error(f"Invalid gateway/netmask {gateway}/{netmask}: {exc}") from exc
        cidr = str(net)
        if vpc is not None and not net.subnet_of(ipaddress.ip_network(str(vpc["cidr"]))):
            raise param_error(f"Network cidr {cidr} is not within the VPC cidr {vpc['cidr']}")
    else:
        cidr = _free_cidr(ctx)
        net = ipaddress.ip_network(cidr)
        gateway, netmask = str(net.network_address + 1), str(net.netmask)
    vlan = ctx.arg("vlan") or str(1000 + ctx.store.count(NETWORK) + 10)
    network = make_entity(
        ctx,
        NETWORK,
        {
            "displaytext": ctx.arg("displaytext") or ctx.arg("name"),
            "zoneid": zone["id"],
            "zonename": zone.get("name"),
            "networkofferingid": offering["id"],
            "networkofferingname": offering.get("name"),
            "type": offering.get("guestiptype", "Isolated"),
            "traffictype": "Guest",
            "state": "Setup" if shared else "Allocated",
            "cidr": cidr,
            "gateway": gateway,
            "netmask": netmask,
            "broadcastdomaintype": "Vlan",
            "broadcasturi": f"vlan://{vlan}",
            "vlan": vlan,
            "acltype": "Domain" if shared else "Account",
            "restartrequired": False,
            "canusefordeploy": True,
            "specifyipranges": shared,
            "ispersistent": False,
            "redundantrouter": False,
            "dns1": zone.get("dns1"),
            "vpcid": vpc["id"] if vpc else None,
            "vpcname": vpc["name"] if vpc else None,
            "_seq_ip": 10,
        },
    )
    ctx.event("NETWORK.CREATE", f"Creating network {network['name']}")
    return ObjectAnswer("network", network)


@handles("updateNetwork")
def update_network(ctx: Context) -> ObjectAnswer:
    network = ctx.entity(NETWORK, "id")
    for key in ("name", "displaytext"):
        if ctx.arg(key):
            network[key] = ctx.arg(key)
    offering = ctx.maybe("NetworkOfferingResponse", "networkofferingid")
    if offering is not None:
        if offering.get("guestiptype") != network.get("type"):
            raise param_error(
                f"Can't upgrade network {network['name']}: the new offering has guest IP type {offering.get('guestiptype')}"
            )
        network.update(networkofferingid=offering["id"], networkofferingname=offering.get("name"))
    return ObjectAnswer("network", network)


def _vms_in(ctx: Context, network: Entity) -> list[Entity]:
    return [vm for vm in ctx.store.all(VM) if any(n.get("networkid") == network["id"] for n in vm.get("nic") or [])]


@handles("deleteNetwork")
def delete_network(ctx: Context) -> SuccessAnswer:
    network = ctx.entity(NETWORK, "id")
    vms = [vm for vm in _vms_in(ctx, network) if vm.get("state") != "Expunging"]
    if vms:
        raise ApiError(
            INTERNAL_ERROR,
            f"Can't delete the network, not all user vms are expunged. Vm {vms[0]['name']} is in {vms[0]['state']} state",
            cserrorcode=4250,
        )
    network["state"] = "Destroy"

    def gone() -> None:
        for kind, key in ((IP, "associatednetworkid"), (ROUTER, "guestnetworkid"), (RULE, "networkid")):
            for item in list(ctx.store.all(kind)):
                if item.get(key) == network["id"]:
                    ctx.store.remove(kind, item["id"])
        ctx.store.remove(NETWORK, network["id"])

    ctx.later(gone)
    ctx.event("NETWORK.DELETE", f"Deleting network {network['name']}")
    return SuccessAnswer()


@handles("restartNetwork")
def restart_network(ctx: Context) -> SuccessAnswer:
    network = ctx.entity(NETWORK, "id")
    if network.get("state") not in ("Implemented", "Setup"):
        raise param_error(
            f"Network {network['name']} is not in the right state to be restarted: {network.get('state')}"
        )
    network["restartrequired"] = False
    if ctx.arg("cleanup"):
        for router in ctx.store.all(ROUTER):
            if router.get("guestnetworkid") == network["id"]:
                router["state"] = "Starting"
                ctx.later(lambda r=router: r.update(state="Running"))
    return SuccessAnswer()


# ---- public IPs -----------------------------------------------------------------------------------------


@handles("associateIpAddress")
def associate_ip(ctx: Context) -> ObjectAnswer:
    network, vpc = ctx.maybe(NETWORK, "networkid"), ctx.maybe(VPC, "vpcid")
    if network is None and vpc is None:
        raise param_error("Either networkId or vpcId has to be specified")
    owner = vpc or network
    assert owner is not None
    zone = ctx.store.get("ZoneResponse", str(owner.get("zoneid")))
    if zone is None:
        raise param_error("The network's zone no longer exists")
    if network is not None and network.get("type") == "Shared":
        raise param_error(f"Can't associate a public IP to shared network {network['name']}")
    ip = allocate_ip(ctx.store, zone, owner, network=network, vpc=vpc)
    ip["state"] = "Allocating"
    ctx.later(lambda: ip.update(state="Allocated"))
    ctx.event("NET.IPASSIGN", f"Associating IP {ip['ipaddress']}")
    return ObjectAnswer("ipaddress", ip)


@handles("disassociateIpAddress")
def disassociate_ip(ctx: Context) -> SuccessAnswer:
    if ctx.arg("id"):
        ip = ctx.entity(IP, "id")
    else:
        ip = next((i for i in ctx.store.all(IP) if i.get("ipaddress") == ctx.arg("ipaddress")), None)
        if ip is None:
            raise param_error("Please specify a valid IP address id (or an allocated ipaddress)")
        ctx.check_access(ip)
    if ip.get("issourcenat"):
        raise param_error(
            f"IP address {ip['ipaddress']} is a source NAT address and can't be released while its network exists"
        )

    def released() -> None:
        for rule in list(ctx.store.all(RULE)):
            if rule.get("ipaddressid") == ip["id"] or rule.get("publicipid") == ip["id"]:
                ctx.store.remove(RULE, rule["id"])
        ctx.store.remove(IP, ip["id"])

    ip["state"] = "Releasing"
    ctx.later(released)
    return SuccessAnswer()


def _nic_in(vm: Entity, network_id: str | None) -> dict | None:
    return next((n for n in vm.get("nic") or [] if network_id is None or n.get("networkid") == network_id), None)


@handles("enableStaticNat")
def enable_static_nat(ctx: Context) -> SuccessAnswer:
    ip = ctx.entity(IP, "ipaddressid")
    vm = ctx.entity(VM, "virtualmachineid")
    if ip.get("issourcenat"):
        raise ApiError(
            NETWORK_RULE_CONFLICT,
            f"Can't enable static nat on source nat ip address {ip['ipaddress']}",
            cserrorcode=4360,
        )
    if ip.get("isstaticnat"):
        raise ApiError(
            NETWORK_RULE_CONFLICT,
            f"Failed to enable static nat for the ip address id={ip['id']} as it's already assigned to vm {ip.get('virtualmachinename')}",
            cserrorcode=4360,
        )
    network_id = ctx.arg("networkid") or ip.get("associatednetworkid")
    if _nic_in(vm, network_id) is None:
        raise param_error(f"VM {vm['name']} has no nic in the network of IP {ip['ipaddress']}")
    if any(r.get("ipaddressid") == ip["id"] and r.get("_variant") == "portforwardingrule" for r in ctx.store.all(RULE)):
        raise ApiError(
            NETWORK_RULE_CONFLICT,
            f"Failed to enable static nat for the ip address {ip['ipaddress']}: it has port forwarding rules",
            cserrorcode=4360,
        )
    ip.update(
        isstaticnat=True,
        virtualmachineid=vm["id"],
        virtualmachinename=vm.get("name"),
        virtualmachinedisplayname=vm.get("displayname"),
    )
    return SuccessAnswer()


@handles("disableStaticNat")
def disable_static_nat(ctx: Context) -> SuccessAnswer:
    ip = ctx.entity(IP, "ipaddressid")
    if not ip.get("isstaticnat"):
        raise param_error(
            f"Specified IP address id is not associated with any vm Id: static nat is not enabled on {ip['ipaddress']}"
        )
    ip.update(isstaticnat=False, virtualmachineid=None, virtualmachinename=None, virtualmachinedisplayname=None)
    return SuccessAnswer()


# ---- rules -----------------------------------------------------------------------------------------------


def _ports(ctx: Context, start: str, end: str) -> tuple[int | None, int | None]:
    first, last = ctx.arg(start), ctx.arg(end)
    if first is None:
        return None, None
    last = first if last is None else last
    for port in (first, last):
        if not 1 <= port <= 65535:
            raise param_error(f"Invalid port {port}: ports are 1 to 65535")
    if last < first:
        raise param_error(f"Start port {first} can't be bigger than end port {last}")
    return first, last


def _protocol(ctx: Context, default: str = "tcp") -> str:
    proto = str(ctx.arg("protocol") or default).lower()
    if proto not in PROTOCOLS:
        raise param_error(f"Invalid protocol {ctx.arg('protocol')}: use tcp, udp, icmp or all")
    return proto


def _cidrs(ctx: Context, name: str = "cidrlist") -> str:
    cidrs = ctx.arg(name) or ["0.0.0.0/0"]
    for cidr in cidrs:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError as exc:
            raise param_error(f"Invalid cidr {cidr}") from exc
    return ",".join(cidrs)


def _conflict(
    ctx: Context,
    ip_id: str,
    proto: str,
    first: int | None,
    last: int | None,
    variants: tuple[str, ...],
    ports: tuple[str, str] = ("startport", "endport"),
) -> None:
    if first is None:
        return
    for rule in ctx.store.all(RULE):
        if rule.get("ipaddressid", rule.get("publicipid")) != ip_id or rule.get("_variant") not in variants:
            continue
        if rule.get("protocol") not in (proto, "all") and proto != "all":
            continue
        other_first = rule.get(ports[0], rule.get("publicport"))
        other_last = rule.get(ports[1], rule.get("publicendport", other_first))
        if other_first is None:
            continue
        if int(other_first) <= last and first <= int(other_last):  # type: ignore[operator]
            raise ApiError(
                NETWORK_RULE_CONFLICT,
                f"The range specified, {first}-{last}, conflicts with rule {rule['id']} which has {other_first}-{other_last}",
                cserrorcode=4360,
            )


def _rule(ctx: Context, fields: dict) -> Entity:
    rule = make_entity(ctx, RULE, {"state": "Add", "fordisplay": True, **fields})
    rule.pop("name", None) if "name" not in fields else None
    ctx.later(lambda: rule.update(state="Active"))
    return rule


@handles("createFirewallRule")
def create_firewall_rule(ctx: Context) -> ObjectAnswer:
    ip = ctx.entity(IP, "ipaddressid")
    proto = _protocol(ctx)
    first, last = _ports(ctx, "startport", "endport")
    _conflict(ctx, ip["id"], proto, first, last, ("firewallrule",))
    rule = _rule(
        ctx,
        {
            "ipaddressid": ip["id"],
            "ipaddress": ip.get("ipaddress"),
            "protocol": proto,
            "startport": first,
            "endport": last,
            "cidrlist": _cidrs(ctx),
            "networkid": ip.get("associatednetworkid"),
            "traffictype": "Ingress",
            **owner_fields(ip),
        },
    )
    return ObjectAnswer("firewallrule", rule)


@handles("createEgressFirewallRule")
def create_egress_rule(ctx: Context) -> ObjectAnswer:
    network = ctx.entity(NETWORK, "networkid")
    if network.get("type") != "Isolated" or network.get("vpcid"):
        raise param_error(
            f"Egress firewall rules are only supported on isolated networks outside VPCs ({network['name']})"
        )
    proto = _protocol(ctx)
    first, last = _ports(ctx, "startport", "endport")
    rule = _rule(
        ctx,
        {
            "networkid": network["id"],
            "protocol": proto,
            "startport": first,
            "endport": last,
            "cidrlist": _cidrs(ctx),
            "traffictype": "Egress",
            **owner_fields(network),
        },
    )
    return ObjectAnswer("firewallrule", rule)


@handles("createPortForwardingRule")
def create_pf_rule(ctx: Context) -> ObjectAnswer:
    ip = ctx.entity(IP, "ipaddressid")
    vm = ctx.entity(VM, "virtualmachineid")
    proto = _protocol(ctx)
    if proto not in ("tcp", "udp"):
        raise param_error("Port forwarding rules support tcp and udp only")
    if ip.get("isstaticnat"):
        raise ApiError(
            NETWORK_RULE_CONFLICT,
            f"Can't create port forwarding rule: static nat is enabled on {ip['ipaddress']}",
            cserrorcode=4360,
        )
    network_id = ctx.arg("networkid") or ip.get("associatednetworkid")
    nic = _nic_in(vm, network_id)
    if nic is None:
        raise param_error(
            f"Unable to create port forwarding rule: VM {vm['name']} has no nic in the network of {ip['ipaddress']}"
        )
    public, _ = _ports(ctx, "publicport", "publicendport")
    private, _ = _ports(ctx, "privateport", "privateendport")
    _conflict(
        ctx,
        ip["id"],
        proto,
        public,
        public,
        ("portforwardingrule", "loadbalancerrule"),
        ("publicport", "publicendport"),
    )
    rule = _rule(
        ctx,
        {
            "ipaddressid": ip["id"],
            "ipaddress": ip.get("ipaddress"),
            "protocol": proto,
            "publicport": str(public),
            "publicendport": str(public),
            "privateport": str(private),
            "privateendport": str(private),
            "virtualmachineid": vm["id"],
            "virtualmachinename": vm.get("name"),
            "virtualmachinedisplayname": vm.get("displayname"),
            "vmguestip": nic.get("ipaddress"),
            "networkid": network_id,
            "cidrlist": _cidrs(ctx),
            **owner_fields(ip),
        },
    )
    rule["publicport"], rule["publicendport"] = public, public
    return ObjectAnswer("portforwardingrule", rule)


@handles("updatePortForwardingRule")
def update_pf_rule(ctx: Context) -> ObjectAnswer:
    rule = ctx.entity(RULE, "id")
    if rule.get("_variant") != "portforwardingrule":
        raise param_error(f"Rule {rule['id']} is not a port forwarding rule")
    if ctx.arg("privateport") is not None:
        rule["privateport"] = ctx.arg("privateport")
        rule["privateendport"] = ctx.arg("privateendport", ctx.arg("privateport"))
    vm = ctx.maybe(VM, "virtualmachineid")
    if vm is not None:
        rule.update(
            virtualmachineid=vm["id"],
            virtualmachinename=vm.get("name"),
            virtualmachinedisplayname=vm.get("displayname"),
        )
    if "fordisplay" in ctx.args:
        rule["fordisplay"] = ctx.arg("fordisplay")
    return ObjectAnswer("portforwardingrule", rule)


@handles("createLoadBalancerRule")
def create_lb_rule(ctx: Context) -> ObjectAnswer:
    algorithm = str(ctx.arg("algorithm")).lower()
    if algorithm not in ALGORITHMS:
        raise param_error(f"Invalid algorithm: {ctx.arg('algorithm')}; use roundrobin, leastconn or source")
    ip = ctx.maybe(IP, "publicipid")
    if ip is None:
        raise param_error("Public IP id (publicipid) is required to create a load balancer rule")
    public, _ = _ports(ctx, "publicport", "publicport")
    private, _ = _ports(ctx, "privateport", "privateport")
    proto = str(ctx.arg("protocol") or "tcp").lower()
    _conflict(
        ctx,
        ip["id"],
        "tcp" if proto.startswith("tcp") else proto,
        public,
        public,
        ("portforwardingrule", "loadbalancerrule"),
        ("publicport", "publicendport"),
    )
    rule = _rule(
        ctx,
        {
            "name": ctx.arg("name"),
            "description": ctx.arg("description"),
            "publicipid": ip["id"],
            "publicip": ip.get("ipaddress"),
            "ipaddressid": ip["id"],
            "publicport": str(public),
            "privateport": str(private),
            "algorithm": algorithm,
            "cidrlist": _cidrs(ctx),
            "zoneid": ip.get("zoneid"),
            "zonename": ip.get("zonename"),
            "networkid": ctx.arg("networkid") or ip.get("associatednetworkid"),
            "protocol": proto,
            "_vms": [],
            **owner_fields(ip),
        },
    )
    rule["publicport"] = public
    return ObjectAnswer("loadbalancer", rule)


def _lb(ctx: Context) -> Entity:
    rule = ctx.entity(RULE, "id")
    if rule.get("_variant") != "loadbalancerrule":
        raise param_error(f"Unable to find load balancer rule {rule['id']}")
    return rule


@handles("updateLoadBalancerRule")
def update_lb_rule(ctx: Context) -> ObjectAnswer:
    rule = _lb(ctx)
    if ctx.arg("algorithm"):
        if str(ctx.arg("algorithm")).lower() not in ALGORITHMS:
            raise param_error(f"Invalid algorithm: {ctx.arg('algorithm')}")
        rule["algorithm"] = str(ctx.arg("algorithm")).lower()
    for key in ("name", "description", "protocol", "fordisplay"):
        if key in ctx.args:
            rule[key] = ctx.arg(key)
    return ObjectAnswer("loadbalancer", rule)


def _lb_vms(ctx: Context) -> list[str]:
    ids = list(ctx.arg("virtualmachineids") or [])
    for _, fields in sorted((ctx.arg("vmidipmap") or {}).items()):
        vm_id = fields.get("vmid")
        if vm_id:
            ids.append(vm_id)
    if not ids:
        raise param_error("Either virtualmachineids or vmidipmap must be given")
    return ids


@handles("assignToLoadBalancerRule")
def assign_to_lb(ctx: Context) -> SuccessAnswer:
    rule = _lb(ctx)
    vms = []
    for vm_id in _lb_vms(ctx):
        vm = ctx.store.get(VM, vm_id)
        if vm is None:
            raise param_error(f"Unable to find virtual machine with id {vm_id}")
        ctx.check_access(vm)
        if _nic_in(vm, rule.get("networkid")) is None:
            raise param_error(f"VM {vm['name']} is not in the network of the load balancer rule; can't assign it")
        vms.append(vm_id)
    ctx.later(lambda: rule.get("_vms").extend(v for v in vms if v not in rule.get("_vms")))
    return SuccessAnswer()


@handles("removeFromLoadBalancerRule")
def remove_from_lb(ctx: Context) -> SuccessAnswer:
    rule = _lb(ctx)
    ids = _lb_vms(ctx)
    missing = [i for i in ids if i not in rule.get("_vms")]
    if missing:
        raise param_error(f"VM {missing[0]} is not assigned to load balancer rule {rule['name']}")
    ctx.later(lambda: rule.__setitem__("_vms", [v for v in rule.get("_vms") if v not in ids]))
    return SuccessAnswer()


@handles("listLoadBalancerRuleInstances")
def lb_instances(ctx: Context) -> ListAnswer:
    rule = _lb(ctx)
    vms = [vm for vm_id in rule.get("_vms") if (vm := ctx.store.get(VM, vm_id)) is not None]
    items, total = page(ctx, vms)
    if ctx.arg("lbvmips"):

        def view(vm: Entity) -> dict:
            return {
                "loadbalancerruleinstance": public(vm),
                "lbvmipaddresses": [n.get("ipaddress") for n in vm.get("nic", [])],
            }

        return ListAnswer("lbrulevmidip", items, total, view=view)
    return ListAnswer("loadbalancerruleinstance", items, total)


@handles("createRoutingFirewallRule")
def create_routing_rule(ctx: Context) -> ObjectAnswer:
    network = ctx.entity(NETWORK, "networkid")
    if network.get("ip4routing") not in ("Static", "Dynamic"):
        raise param_error(f"Routing firewall rules are only supported on routed networks; {network['name']} uses NAT")
    proto = _protocol(ctx)
    first, last = _ports(ctx, "startport", "endport")
    traffic = str(ctx.arg("traffictype") or "Ingress").capitalize()
    if traffic not in ("Ingress", "Egress"):
        raise param_error("traffictype must be Ingress or Egress")
    rule = _rule(
        ctx,
        {
            "networkid": network["id"],
            "protocol": proto,
            "startport": first,
            "endport": last,
            "cidrlist": _cidrs(ctx),
            "destcidrlist": _cidrs(ctx, "destcidrlist") if ctx.arg("destcidrlist") else None,
            "traffictype": traffic,
            "icmptype": ctx.arg("icmptype"),
            "icmpcode": ctx.arg("icmpcode"),
            **owner_fields(network),
        },
    )
    return ObjectAnswer("firewallrule", rule)


@handles("updateRoutingFirewallRule")
def update_routing_rule(ctx: Context) -> ObjectAnswer:
    rule = ctx.entity(RULE, "id")
    if rule.get("_variant") != "routingfirewallrule":
        raise param_error(f"Rule {rule['id']} is not a routing firewall rule")
    for key in ("fordisplay", "customid"):
        if key in ctx.args:
            rule[key] = ctx.arg(key)
    return ObjectAnswer("firewallrule", rule)


def _delete_rule(variant: str, label: str):  # type: ignore[no-untyped-def]
    def handler(ctx: Context) -> SuccessAnswer:
        rule = ctx.entity(RULE, "id")
        if rule.get("_variant", variant) != variant and rule.get("_variant") in _VARIANTS:
            raise param_error(f"Unable to find {label} with id {rule['id']}")
        rule["state"] = "Revoke"
        ctx.later(lambda: ctx.store.remove(RULE, rule["id"]) and None)
        return SuccessAnswer()

    return handler


_VARIANTS = ("firewallrule", "egressfirewallrule", "portforwardingrule", "loadbalancerrule", "routingfirewallrule")
handles("deleteFirewallRule")(_delete_rule("firewallrule", "firewall rule"))
handles("deleteEgressFirewallRule")(_delete_rule("egressfirewallrule", "egress firewall rule"))
handles("deletePortForwardingRule")(_delete_rule("portforwardingrule", "port forwarding rule"))
handles("deleteLoadBalancerRule")(_delete_rule("loadbalancerrule", "load balancer rule"))
handles("deleteRoutingFirewallRule")(_delete_rule("routingfirewallrule", "routing firewall rule"))


# ---- VPCs ---------------------------------------------------------------------------------------------------


@handles("createVPC")
def create_vpc(ctx: Context) -> ObjectAnswer:
    zone = ctx.entity("ZoneResponse", "zoneid")
    offering = ctx.entity("VpcOfferingResponse", "vpcofferingid")
    if offering.get("state") != "Enabled":
        raise param_error(f"VPC offering {offering['name']} is not Enabled")
    cidr = ctx.arg("cidr") or "10.100.0.0/16"
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError as exc:
        raise param_error(f"Invalid CIDR specified {cidr}") from exc
    if not net.is_private:
        raise param_error(f"The VPC cidr {cidr} is not a private network (RFC 1918)")
    vpc = make_entity(
        ctx,
        VPC,
        {
            "displaytext": ctx.arg("displaytext") or ctx.arg("name"),
            "cidr": cidr,  # as given: CloudStack checks it, it does not rewrite it
            "zoneid": zone["id"],
            "zonename": zone.get("name"),
            "vpcofferingid": offering["id"],
            "vpcofferingname": offering.get("name"),
            "state": "Enabled",
            "restartrequired": False,
            "regionlevelvpc": False,
            "redundantvpcrouter": False,
            "distributedvpcrouter": False,
            "fordisplay": True,
            "network": [],
        },
    )
    ip = allocate_ip(ctx.store, zone, vpc, vpc=vpc, source_nat=True)
    add_router(ctx.store, zone, vpc, network=None, vpc=vpc, public_ip=ip.get("ipaddress"))
    ctx.event("VPC.CREATE", f"Creating VPC {vpc['name']}")
    return ObjectAnswer("vpc", vpc)


@handles("updateVPC")
def update_vpc(ctx: Context) -> ObjectAnswer:
    vpc = ctx.entity(VPC, "id")
    for key in ("name", "displaytext", "fordisplay", "publicmtu"):
        if key in ctx.args:
            vpc[key] = ctx.arg(key)
    return ObjectAnswer("vpc", vpc)


@handles("deleteVPC")
def delete_vpc(ctx: Context) -> SuccessAnswer:
    vpc = ctx.entity(VPC, "id")
    networks = [n for n in ctx.store.all(NETWORK) if n.get("vpcid") == vpc["id"]]
    if networks:
        raise ApiError(
            INTERNAL_ERROR,
            f"Unable to delete VPC {vpc['name']}: it has {len(networks)} guest network(s); delete them first",
            cserrorcode=4250,
        )

    def gone() -> None:
        for kind in (IP, ROUTER):
            for item in list(ctx.store.all(kind)):
                if item.get("vpcid") == vpc["id"]:
                    ctx.store.remove(kind, item["id"])
        ctx.store.remove(VPC, vpc["id"])

    ctx.later(gone)
    return SuccessAnswer()


@handles("restartVPC")
def restart_vpc(ctx: Context) -> SuccessAnswer:
    vpc = ctx.entity(VPC, "id")
    vpc["restartrequired"] = False
    return SuccessAnswer()
