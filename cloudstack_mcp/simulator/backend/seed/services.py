"""Builders for offerings, guest networks (with their source NAT address and router), system VMs,
settings and alerts."""

from __future__ import annotations

from typing import Any

from cloudstack_mcp.simulator.backend.seed.build import Seeder, ref
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid, now_text


def service_offering(s: Seeder, key: str, name: str, cpu: int, speed: int, memory: int, **fields: Any) -> Entity:
    return s.add(
        "ServiceOfferingResponse",
        f"so:{key}",
        {
            "name": name,
            "displaytext": f"{name}, {cpu} vCPU {speed} MHz, {memory} MB",
            "cpunumber": cpu,
            "cpuspeed": speed,
            "memory": memory,
            "storagetype": "shared",
            "offerha": False,
            "limitcpuuse": False,
            "iscustomized": False,
            "issystem": False,
            "defaultuse": False,
            "provisioningtype": "thin",
            "state": "Active",
            "isvolatile": False,
            "dynamicscalingenabled": True,
            "rootdisksize": 0,
            **fields,
        },
    )


def disk_offering(s: Seeder, key: str, name: str, size_gb: int, **fields: Any) -> Entity:
    """Size 0: a custom offering (the size is chosen at creation)."""
    return s.add(
        "DiskOfferingResponse",
        f"do:{key}",
        {
            "name": name,
            "displaytext": f"{name} disk" + (f", {size_gb} GB" if size_gb else ", size chosen at creation"),
            "disksize": size_gb,
            "iscustomized": size_gb == 0,
            "storagetype": "shared",
            "provisioningtype": "thin",
            "state": "Active",
            "displayoffering": True,
            "encrypt": False,
            **fields,
        },
    )


def network_offering(s: Seeder, key: str, name: str, guest: str, for_vpc: bool, **fields: Any) -> Entity:
    return s.add(
        "NetworkOfferingResponse",
        f"no:{key}",
        {
            "name": name,
            "displaytext": name,
            "guestiptype": guest,
            "traffictype": "Guest",
            "state": "Enabled",
            "isdefault": True,
            "specifyvlan": guest == "Shared",
            "specifyipranges": guest == "Shared",
            "forvpc": for_vpc,
            "conservemode": True,
            "availability": "Optional",
            "networkrate": 200,
            "egressdefaultpolicy": False,
            **fields,
        },
    )


def vpc_offering(s: Seeder, key: str, name: str) -> Entity:
    return s.add(
        "VpcOfferingResponse",
        f"vpco:{key}",
        {
            "name": name,
            "displaytext": name,
            "state": "Enabled",
            "isdefault": True,
            "distributedvpcrouter": False,
            "supportsregionLevelvpc": False,
        },
    )


def physical_network(s: Seeder, key: str, z: Entity, name: str, isolation: str, vlan: str | None) -> Entity:
    return s.add(
        "PhysicalNetworkResponse",
        key,
        {
            "name": name,
            **ref(z, "zone"),
            "state": "Enabled",
            "isolationmethods": isolation,
            "vlan": vlan,
            "broadcastdomainrange": "ZONE",
        },
    )


def management_server(s: Seeder, name: str, version: str, address: str) -> Entity:
    return s.add(
        "ManagementServerResponse",
        "ms1",
        {
            "name": name,
            "state": "Up",
            "version": version,
            "javaversion": "11.0.25",
            "osdistribution": "Ubuntu 22.04",
            "ipaddress": address,
            "id": new_uuid("management-server:1"),
        },
    )


def guest_network(
    s: Seeder, key: str, z: Entity, offering: Entity, owner: Entity, cidr: str, vlan: int, **fields: Any
) -> Entity:
    """An implemented isolated network of `owner` on VLAN `vlan`."""
    prefix = cidr.rsplit(".", 1)[0]
    return s.add(
        "NetworkResponse",
        f"net:{key}",
        {
            "name": f"{key}-net",
            "displaytext": f"{key}-net",
            **ref(z, "zone"),
            **ref(offering, "networkoffering"),
            "type": "Isolated",
            "traffictype": "Guest",
            "state": "Implemented",
            "cidr": cidr,
            "gateway": prefix + ".1",
            "netmask": "255.255.255.0",
            "broadcastdomaintype": "Vlan",
            "broadcasturi": f"vlan://{vlan}",
            "vlan": str(vlan),
            "acltype": "Account",
            "restartrequired": False,
            "specifyipranges": False,
            "canusefordeploy": True,
            "dns1": "9.9.9.9",
            "ispersistent": False,
            "redundantrouter": False,
            "_seq_ip": 10,
            **fields,
        },
        owner,
    )


def source_nat(s: Seeder, key: str, network: Entity, owner: Entity, address: str) -> Entity:
    return s.add(
        "IPAddressResponse",
        f"ip:{key}",
        {
            "ipaddress": address,
            "issourcenat": True,
            "isstaticnat": False,
            "state": "Allocated",
            "associatednetworkid": network["id"],
            "associatednetworkname": network["name"],
            "zoneid": network["zoneid"],
            "zonename": network["zonename"],
            "allocated": now_text(),
            "forvirtualnetwork": True,
            "issystem": False,
            "fordisplay": True,
        },
        owner,
    )


def router(
    s: Seeder, key: str, name: str, network: Entity, owner: Entity, public_ip: str, on: Entity, template: Entity
) -> Entity:
    """The running virtual router of `network`, on host `on`."""
    return s.add(
        "DomainRouterResponse",
        f"router:{key}",
        {
            "name": name,
            "state": "Running",
            "role": "VIRTUAL_ROUTER",
            "guestnetworkid": network["id"],
            "guestnetworkname": network["name"],
            "publicip": public_ip,
            "guestipaddress": network["gateway"],
            "zoneid": on["zoneid"],
            "zonename": on["zonename"],
            **ref(on, "host"),
            "podid": on["podid"],
            "podname": on["podname"],
            "templateid": template["id"],
            "hypervisor": on["hypervisor"],
            "requiresupgrade": False,
            "redundantstate": "UNKNOWN",
            "isredundantrouter": False,
            "version": "4.20.0",
            "serviceofferingname": "System Offering For Software Router",
            "healthchecksfailed": False,
        },
        owner,
    )


def system_vm(
    s: Seeder, name: str, vmtype: str, on: Entity, template: Entity, addresses: tuple[str, str, str]
) -> Entity:
    """A running secondary storage VM or console proxy; `addresses`: public, private, link-local."""
    public_ip, private_ip, link_local = addresses
    return s.add(
        "SystemVmResponse",
        f"systemvm:{name}",
        {
            "name": name,
            "systemvmtype": vmtype,
            "state": "Running",
            "agentstate": "Up",
            "zoneid": on["zoneid"],
            "zonename": on["zonename"],
            "podid": on["podid"],
            "podname": on["podname"],
            **ref(on, "host"),
            "hypervisor": on["hypervisor"],
            "publicip": public_ip,
            "privateip": private_ip,
            "linklocalip": link_local,
            "templateid": template["id"],
            "dns1": "9.9.9.9",
            "gateway": public_ip.rsplit(".", 1)[0] + ".1",
            "activeviewersessions": 0,
            "version": "4.20.0",
        },
    )


def configuration(
    s: Seeder,
    name: str,
    value: str,
    description: str,
    category: str = "Advanced",
    *,
    kind: str = "String",
    dynamic: bool = True,
    default: str | None = None,
) -> Entity:
    """A global setting; `default` is CloudStack's own when the profile sets another value."""
    return s.add(
        "ConfigurationResponse",
        f"config:{name}",
        {
            "name": name,
            "value": value,
            "defaultvalue": value if default is None else default,
            "category": category,
            "description": description,
            "scope": "global",
            "isdynamic": dynamic,
            "type": kind,
            "displaytext": name,
            "group": "Miscellaneous",
        },
    )


def alert(s: Seeder, number: int, kind: int, text: str) -> Entity:
    return s.add(
        "AlertResponse",
        f"alert:{number}",
        {"type": kind, "name": "ALERT.TYPE." + str(kind), "description": text, "sent": now_text()},
    )
