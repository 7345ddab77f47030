"""Small builders for seed data: each makes one kind of entity with the fields CloudStack shows.

Ids are derived from a key (`new_uuid(f"{kind}:{key}")`), so they are stable from run to run and a
client configured once keeps working. Profiles (default.py, sandbox.py) are data fed to these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudstack_mcp.simulator.backend.store import Entity, new_uuid, now_text

if TYPE_CHECKING:
    from cloudstack_mcp.simulator.backend.cloud import Cloud

GB = 1024**3


class Seeder:
    """Adds seed entities to one cloud's store."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.store = cloud.store

    def add(self, kind: str, key: str, fields: dict[str, Any], owner: Entity | None = None) -> Entity:
        # A None field means "not set" (a profile unsetting a builder's default): left out.
        entity: Entity = {"id": new_uuid(f"{kind}:{key}"), **{k: v for k, v in fields.items() if v is not None}}
        if owner is not None:
            entity.update(account=owner["name"], domainid=owner["domainid"], domain=owner["domain"])
            entity["_owner"] = owner["id"]
            entity["_domainpath"] = owner["domainpath"]
        entity.setdefault("created", now_text())
        return self.store.add(kind, entity)

    def account(self, name: str) -> Entity:
        found = self.store.first("AccountResponse", name=name)
        if found is None:
            raise LookupError(f"seed account {name} missing")
        return found


def ref(entity: Entity, prefix: str) -> dict[str, Any]:
    """`{prefix}id` and `{prefix}name` of an entity, as answers name related objects."""
    return {f"{prefix}id": entity["id"], f"{prefix}name": entity["name"]}


# ---- infrastructure ----------------------------------------------------------------------------------------


def zone(s: Seeder, key: str, name: str, network_type: str, **fields: Any) -> Entity:
    basic = network_type == "Basic"
    return s.add(
        "ZoneResponse",
        key,
        {
            "name": name,
            "networktype": network_type,
            "allocationstate": "Enabled",
            "dhcpprovider": "VirtualRouter",
            "localstorageenabled": False,
            "securitygroupsenabled": basic,
            "zonetoken": new_uuid(f"zonetoken:{key}"),
            "type": "Core",
            "hasannotations": False,
            "tags": [],
            "routedmodeenabled": False,
            **fields,
        },
    )


def pod(s: Seeder, key: str, z: Entity, name: str, gateway: str, netmask: str, start: str, end: str) -> Entity:
    return s.add(
        "PodResponse",
        key,
        {
            "name": name,
            **ref(z, "zone"),
            "gateway": gateway,
            "netmask": netmask,
            "startip": [start],
            "endip": [end],
            "allocationstate": "Enabled",
        },
    )


def cluster(s: Seeder, key: str, p: Entity, name: str, hypervisor: str) -> Entity:
    return s.add(
        "ClusterResponse",
        key,
        {
            "name": name,
            "zoneid": p["zoneid"],
            "zonename": p["zonename"],
            **ref(p, "pod"),
            "hypervisortype": hypervisor,
            "clustertype": "CloudManaged",
            "allocationstate": "Enabled",
            "managedstate": "Managed",
            "arch": "x86_64",
        },
    )


def host(s: Seeder, key: str, c: Entity, name: str, address: str, **fields: Any) -> Entity:
    """A routing host of cluster `c`; `fields` overrides the sizes and states."""
    hypervisor = c["hypervisortype"]
    return s.add(
        "HostResponse",
        key,
        {
            "name": name,
            "type": "Routing",
            "state": "Up",
            "resourcestate": "Enabled",
            "hypervisor": hypervisor,
            "ipaddress": address,
            "zoneid": c["zoneid"],
            "zonename": c["zonename"],
            "podid": c["podid"],
            "podname": c["podname"],
            **ref(c, "cluster"),
            "clustertype": "CloudManaged",
            "cpunumber": 32,
            "cpuspeed": 2400,
            "cpusockets": 2,
            "memorytotal": 256 * GB,
            "memoryallocated": 0,
            "memoryused": 24 * GB,
            "cpuallocated": "0%",
            "cpuused": "4.5%",
            "islocalstorageactive": False,
            "hahost": False,
            "hostha": {"haenable": False, "hastate": "Disabled"},
            "version": "4.20.0.0",
            "arch": "x86_64",
            "outofbandmanagement": {"enabled": False, "powerstate": "Disabled"},
            "events": "",
            "hosttags": "",
            "lastpinged": "1970-01-20T12:00:00+0000",
            "managementserverid": new_uuid("management-server:1"),
            **fields,
        },
    )


def primary_storage(s: Seeder, key: str, c: Entity, name: str, url: tuple[str, str], **fields: Any) -> Entity:
    """A cluster-wide NFS pool; `url` is (server address, export path)."""
    return s.add(
        "StoragePoolResponse",
        key,
        {
            "name": name,
            "type": "NetworkFilesystem",
            "state": "Up",
            "scope": "CLUSTER",
            "zoneid": c["zoneid"],
            "zonename": c["zonename"],
            "podid": c["podid"],
            "podname": c["podname"],
            **ref(c, "cluster"),
            "ipaddress": url[0],
            "path": url[1],
            "disksizetotal": 4096 * GB,
            "disksizeallocated": 0,
            "disksizeused": 350 * GB,
            "provider": "DefaultPrimary",
            "hypervisor": c["hypervisortype"],
            "tags": "",
            "overprovisionfactor": "2.0",
            "managed": False,
            **fields,
        },
    )


def image_store(s: Seeder, key: str, z: Entity, name: str, url: str, **fields: Any) -> Entity:
    return s.add(
        "ImageStoreResponse",
        key,
        {
            "name": name,
            **ref(z, "zone"),
            "url": url,
            "protocol": "nfs",
            "providername": "NFS",
            "scope": "ZONE",
            "readonly": False,
            "disksizetotal": 8192 * GB,
            "disksizeused": 612 * GB,
            "hasannotations": False,
            "_variant": "imagestore",
            **fields,
        },
    )


def guest_os(s: Seeder, table: tuple[tuple[str, str], ...]) -> dict[str, Entity]:
    """OS categories and types from (description, category) pairs; the types by description."""
    categories: dict[str, Entity] = {c["name"]: c for c in s.store.all("GuestOSCategoryResponse")}
    for _, cat in table:
        if cat not in categories:
            categories[cat] = s.add("GuestOSCategoryResponse", f"oscat:{cat}", {"name": cat, "isfeatured": False})
    return {
        desc: s.add(
            "GuestOSResponse",
            f"os:{desc}",
            {
                "name": desc,
                "description": desc,
                "oscategoryid": categories[cat]["id"],
                "oscategoryname": cat,
                "isuserdefined": False,
                "fordisplay": True,
            },
        )
        for desc, cat in table
    }


def template(s: Seeder, key: str, z: Entity | None, store: Entity, os_type: Entity, name: str, **fields: Any) -> Entity:
    """A public, ready template owned by system (zone None: cross-zone)."""
    root = s.account("admin")
    return s.add(
        "TemplateResponse",
        f"template:{key}",
        {
            "name": name,
            "displaytext": name,
            "ispublic": True,
            "isfeatured": True,
            "isready": True,
            "status": "Download Complete",
            "format": "QCOW2",
            "hypervisor": "KVM",
            "ostypeid": os_type["id"],
            "ostypename": os_type["name"],
            **(ref(z, "zone") if z else {}),
            "size": 10 * GB,
            "templatetype": "USER",
            "passwordenabled": False,
            "isextractable": True,
            "crossZones": z is None,
            "account": "system",
            "domain": "ROOT",
            "domainid": root["domainid"],
            "bootable": True,
            "directdownload": False,
            "deployasis": False,
            "isdynamicallyscalable": False,
            "arch": "x86_64",
            "_variant": "template",
            "_store": store["id"],
            **fields,
        },
    )


def iso(s: Seeder, key: str, z: Entity, store: Entity, os_type: Entity, name: str, **fields: Any) -> Entity:
    root = s.account("admin")
    return s.add(
        "TemplateResponse",
        f"iso:{key}",
        {
            "name": name,
            "displaytext": name,
            "ispublic": True,
            "isfeatured": True,
            "isready": True,
            "status": "Successfully Installed",
            "format": "ISO",
            "bootable": True,
            "ostypeid": os_type["id"],
            "ostypename": os_type["name"],
            **ref(z, "zone"),
            "size": 2 * GB,
            "account": "system",
            "domain": "ROOT",
            "domainid": root["domainid"],
            "isextractable": True,
            "crossZones": False,
            "templatetype": "USER",
            "_variant": "iso",
            "_store": store["id"],
            **fields,
        },
    )
