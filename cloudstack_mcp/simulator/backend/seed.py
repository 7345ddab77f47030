"""The cloud the simulator starts with: one advanced zone that looks like a small real deployment.

Ids are stable from run to run (derived from names), so a client configured once keeps working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudstack_mcp.simulator.backend.defaults import apply_defaults
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid, now_text

if TYPE_CHECKING:
    from cloudstack_mcp.simulator.backend.cloud import Cloud

__all__ = ["seed_cloud", "seed_samples"]

GB = 1024**3
# Kinds never sampled: jobs only come from async calls; the others would look like junk in their lists.
_NO_SAMPLES = frozenset(
    {
        "AsyncJobResponse",
        "SecondaryStorageHeuristicsResponse",
        "FirewallRuleResponse",
        "DirectDownloadCertificateResponse",
        "ClusterDrsPlanResponse",
        "EventResponse",
        "ResourceTagResponse",
    }
)
HYPERVISOR = "KVM"


def _add(cloud: Cloud, kind: str, key: str, fields: dict[str, Any], owner: Entity | None = None) -> Entity:
    entity: Entity = {"id": new_uuid(f"{kind}:{key}"), **fields}
    if owner is not None:
        entity.update(account=owner["name"], domainid=owner["domainid"], domain=owner["domain"])
        entity["_owner"] = owner["id"]
        entity["_domainpath"] = owner["domainpath"]
    entity.setdefault("created", now_text())
    return cloud.store.add(kind, entity)


def _ref(entity: Entity, prefix: str) -> dict[str, Any]:
    return {f"{prefix}id": entity["id"], f"{prefix}name": entity["name"]}


def seed_cloud(cloud: Cloud) -> None:
    """Zone, pod, clusters, hosts, storage, templates, offerings, networks, VMs and their volumes."""
    store = cloud.store
    accounts = {a["name"]: a for a in store.all("AccountResponse")}
    admin, alice = accounts["admin"], accounts["alice"]

    zone = _add(
        cloud,
        "ZoneResponse",
        "zone1",
        {
            "name": "ams-zone1",
            "description": "Simulated advanced zone",
            "networktype": "Advanced",
            "allocationstate": "Enabled",
            "dhcpprovider": "VirtualRouter",
            "dns1": "9.9.9.9",
            "dns2": "1.1.1.1",
            "internaldns1": "10.0.0.2",
            "guestcidraddress": "10.1.0.0/16",
            "localstorageenabled": False,
            "securitygroupsenabled": False,
            "zonetoken": new_uuid("zonetoken:1"),
            "type": "Core",
            "hasannotations": False,
            "tags": [],
            "routedmodeenabled": False,
        },
    )
    z = _ref(zone, "zone")
    pod = _add(
        cloud,
        "PodResponse",
        "pod1",
        {
            "name": "pod-1",
            **z,
            "gateway": "10.0.32.1",
            "netmask": "255.255.240.0",
            "startip": ["10.0.32.100"],
            "endip": ["10.0.32.200"],
            "allocationstate": "Enabled",
        },
    )
    p = _ref(pod, "pod")
    clusters = [
        _add(
            cloud,
            "ClusterResponse",
            f"cluster{i}",
            {
                "name": f"cluster-kvm-{i}",
                **z,
                **p,
                "hypervisortype": HYPERVISOR,
                "clustertype": "CloudManaged",
                "allocationstate": "Enabled",
                "managedstate": "Managed",
                "arch": "x86_64",
            },
        )
        for i in (1, 2)
    ]
    hosts = []
    for i in range(1, 5):
        cluster = clusters[(i - 1) // 2]
        hosts.append(
            _add(
                cloud,
                "HostResponse",
                f"host{i}",
                {
                    "name": f"kvm-host-{i:02d}",
                    "type": "Routing",
                    "state": "Up" if i < 4 else "Disconnected",
                    "resourcestate": "Enabled",
                    "hypervisor": HYPERVISOR,
                    "hypervisorversion": "8.2.0",
                    "ipaddress": f"10.0.33.{10 + i}",
                    **z,
                    **p,
                    **_ref(cluster, "cluster"),
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
                },
            )
        )
    pool = _add(
        cloud,
        "StoragePoolResponse",
        "pool1",
        {
            "name": "primary-nfs-1",
            "type": "NetworkFilesystem",
            "state": "Up",
            "scope": "CLUSTER",
            **z,
            **p,
            **_ref(clusters[0], "cluster"),
            "ipaddress": "10.0.40.10",
            "path": "/export/primary",
            "disksizetotal": 4096 * GB,
            "disksizeallocated": 0,
            "disksizeused": 350 * GB,
            "provider": "DefaultPrimary",
            "hypervisor": HYPERVISOR,
            "tags": "",
            "overprovisionfactor": "2.0",
            "managed": False,
        },
    )
    image_store = _add(
        cloud,
        "ImageStoreResponse",
        "store1",
        {
            "name": "secondary-nfs-1",
            **z,
            "url": "nfs://10.0.40.20/export/secondary",
            "protocol": "nfs",
            "providername": "NFS",
            "scope": "ZONE",
            "readonly": False,
            "disksizetotal": 8192 * GB,
            "disksizeused": 612 * GB,
            "hasannotations": False,
            "_variant": "imagestore",
        },
    )
    categories = {
        name: _add(cloud, "GuestOSCategoryResponse", f"oscat:{name}", {"name": name, "isfeatured": False})
        for name in ("Ubuntu", "CentOS", "Other")
    }
    os_types = {
        desc: _add(
            cloud,
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
        for desc, cat in (("Ubuntu 22.04 LTS", "Ubuntu"), ("CentOS 7", "CentOS"), ("Other Linux (64-bit)", "Other"))
    }
    templates = {}
    for key, name, osname, size, kind in (
        ("ubuntu", "Ubuntu 22.04 LTS", "Ubuntu 22.04 LTS", 10, "USER"),
        ("centos", "CentOS 7.9", "CentOS 7", 8, "USER"),
        ("systemvm", "SystemVM Template (KVM)", "Other Linux (64-bit)", 5, "SYSTEM"),
    ):
        templates[key] = _add(
            cloud,
            "TemplateResponse",
            f"template:{key}",
            {
                "name": name,
                "displaytext": name,
                "ispublic": True,
                "isfeatured": kind == "USER",
                "isready": True,
                "status": "Download Complete",
                "format": "QCOW2",
                "hypervisor": HYPERVISOR,
                "ostypeid": os_types[osname]["id"],
                "ostypename": osname,
                **z,
                "size": size * GB,
                "templatetype": kind,
                "passwordenabled": key == "ubuntu",
                "isextractable": True,
                "crossZones": False,
                "account": "system",
                "domain": "ROOT",
                "domainid": admin["domainid"],
                "bootable": True,
                "directdownload": False,
                "deployasis": False,
                "isdynamicallyscalable": False,
                "arch": "x86_64",
                "_variant": "template",
                "_store": image_store["id"],
            },
        )
    _add(
        cloud,
        "TemplateResponse",
        "iso:ubuntu",
        {
            "name": "ubuntu-22.04-live-server-amd64.iso",
            "displaytext": "Ubuntu 22.04 installer",
            "ispublic": True,
            "isfeatured": True,
            "isready": True,
            "status": "Successfully Installed",
            "format": "ISO",
            "bootable": True,
            "ostypeid": os_types["Ubuntu 22.04 LTS"]["id"],
            "ostypename": "Ubuntu 22.04 LTS",
            **z,
            "size": 2 * GB,
            "account": "system",
            "domain": "ROOT",
            "domainid": admin["domainid"],
            "isextractable": True,
            "crossZones": False,
            "templatetype": "USER",
            "_variant": "iso",
            "_store": image_store["id"],
        },
    )
    offerings = {}
    for key, name, cpu, speed, mem in (
        ("small", "Small Instance", 1, 1000, 1024),
        ("medium", "Medium Instance", 2, 2000, 4096),
        ("large", "Large Instance", 4, 2000, 8192),
    ):
        offerings[key] = _add(
            cloud,
            "ServiceOfferingResponse",
            f"so:{key}",
            {
                "name": name,
                "displaytext": f"{name}, {cpu} vCPU {speed} MHz, {mem} MB",
                "cpunumber": cpu,
                "cpuspeed": speed,
                "memory": mem,
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
            },
        )
    disk_offerings = {}
    for key, name, size in (
        ("small", "Small", 5),
        ("medium", "Medium", 20),
        ("large", "Large", 100),
        ("custom", "Custom", 0),
    ):
        disk_offerings[key] = _add(
            cloud,
            "DiskOfferingResponse",
            f"do:{key}",
            {
                "name": name,
                "displaytext": f"{name} disk" + (f", {size} GB" if size else ", size chosen at creation"),
                "disksize": size,
                "iscustomized": size == 0,
                "storagetype": "shared",
                "provisioningtype": "thin",
                "state": "Active",
                "displayoffering": True,
                "encrypt": False,
            },
        )
    net_offerings = {}
    for key, name, guest, vpc in (
        ("isolated", "DefaultIsolatedNetworkOfferingWithSourceNatService", "Isolated", False),
        ("shared", "DefaultSharedNetworkOffering", "Shared", False),
        ("vpc", "DefaultIsolatedNetworkOfferingForVpcNetworks", "Isolated", True),
    ):
        net_offerings[key] = _add(
            cloud,
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
                "forvpc": vpc,
                "conservemode": True,
                "availability": "Optional",
                "networkrate": 200,
                "egressdefaultpolicy": False,
            },
        )
    _add(
        cloud,
        "VpcOfferingResponse",
        "vpco:default",
        {
            "name": "Default VPC offering",
            "displaytext": "Default VPC offering",
            "state": "Enabled",
            "isdefault": True,
            "distributedvpcrouter": False,
            "supportsregionLevelvpc": False,
        },
    )
    _add(
        cloud,
        "PhysicalNetworkResponse",
        "physnet1",
        {
            "name": "physnet-1",
            **z,
            "state": "Enabled",
            "isolationmethods": "VLAN",
            "vlan": "1000-1999",
            "broadcastdomainrange": "ZONE",
        },
    )
    _add(
        cloud,
        "ManagementServerResponse",
        "ms1",
        {
            "name": "mgmt-01",
            "state": "Up",
            "version": "4.20.0.0",
            "javaversion": "11.0.25",
            "osdistribution": "Ubuntu 22.04",
            "ipaddress": "10.0.0.5",
            "id": new_uuid("management-server:1"),
        },
    )
    networks = {}
    for i, (key, owner, cidr, vlan) in enumerate(
        (("admin", admin, "10.1.1.0/24", 1001), ("alice", alice, "10.1.2.0/24", 1002)), 1
    ):
        prefix = cidr.rsplit(".", 1)[0]
        networks[key] = _add(
            cloud,
            "NetworkResponse",
            f"net:{key}",
            {
                "name": f"{key}-net",
                "displaytext": f"{key}-net",
                **z,
                **_ref(net_offerings["isolated"], "networkoffering"),
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
            },
            owner,
        )
        ip = _add(
            cloud,
            "IPAddressResponse",
            f"ip:{key}",
            {
                "ipaddress": f"198.51.100.{10 + i}",
                "issourcenat": True,
                "isstaticnat": False,
                "state": "Allocated",
                "associatednetworkid": networks[key]["id"],
                "associatednetworkname": networks[key]["name"],
                **z,
                "allocated": now_text(),
                "forvirtualnetwork": True,
                "issystem": False,
                "fordisplay": True,
            },
            owner,
        )
        _add(
            cloud,
            "DomainRouterResponse",
            f"router:{key}",
            {
                "name": f"r-{3 + i}-VM",
                "state": "Running",
                "role": "VIRTUAL_ROUTER",
                "guestnetworkid": networks[key]["id"],
                "guestnetworkname": networks[key]["name"],
                "publicip": ip["ipaddress"],
                "guestipaddress": prefix + ".1",
                **z,
                **_ref(hosts[i], "host"),
                **p,
                "templateid": templates["systemvm"]["id"],
                "hypervisor": HYPERVISOR,
                "requiresupgrade": False,
                "redundantstate": "UNKNOWN",
                "isredundantrouter": False,
                "version": "4.20.0",
                "serviceofferingname": "System Offering For Software Router",
                "healthchecksfailed": False,
            },
            owner,
        )
    for i, (name, vmtype) in enumerate((("s-1-VM", "secondarystoragevm"), ("v-2-VM", "consoleproxy")), 1):
        _add(
            cloud,
            "SystemVmResponse",
            f"systemvm:{name}",
            {
                "name": name,
                "systemvmtype": vmtype,
                "state": "Running",
                "agentstate": "Up",
                **z,
                **p,
                **_ref(hosts[i - 1], "host"),
                "hypervisor": HYPERVISOR,
                "publicip": f"198.51.100.{i + 1}",
                "privateip": f"10.0.32.{100 + i}",
                "linklocalip": f"169.254.0.{i + 10}",
                "templateid": templates["systemvm"]["id"],
                "dns1": "9.9.9.9",
                "gateway": "198.51.100.1",
                "activeviewersessions": 0,
                "version": "4.20.0",
            },
        )
    for key, owner, net, state, offering in (
        ("web-01", admin, "admin", "Running", "small"),
        ("db-01", admin, "admin", "Stopped", "medium"),
        ("alice-dev", alice, "alice", "Running", "small"),
    ):
        cloud.deploy_seed_vm(
            key, owner, zone, networks[net], templates["ubuntu"], offerings[offering], hosts[0], pool, state
        )
    cloud.disk_offerings = disk_offerings
    _seed_more(cloud, zone, admin, networks, image_store)


def _seed_more(cloud: Cloud, zone: Entity, admin: Entity, networks: dict[str, Entity], image_store: Entity) -> None:
    """Routed network, snapshots, settings, alerts, keys: the rest of a lived-in cloud."""
    store = cloud.store
    z = _ref(zone, "zone")
    offering = next(iter(store.all("NetworkOfferingResponse")))
    routed = _add(
        cloud,
        "NetworkResponse",
        "net:routed",
        {
            "name": "routed-net",
            "displaytext": "routed-net",
            **z,
            **_ref(offering, "networkoffering"),
            "type": "Isolated",
            "traffictype": "Guest",
            "state": "Implemented",
            "cidr": "10.10.1.0/24",
            "gateway": "10.10.1.1",
            "netmask": "255.255.255.0",
            "broadcastdomaintype": "Vlan",
            "broadcasturi": "vlan://1010",
            "vlan": "1010",
            "acltype": "Account",
            "restartrequired": False,
            "canusefordeploy": True,
            "ip4routing": "Static",
            "ispersistent": False,
            "redundantrouter": False,
            "_seq_ip": 10,
        },
        admin,
    )
    _add(cloud, "DataCenterIpv4SubnetResponse", "subnet:1", {"subnet": "10.10.0.0/16", **z})
    web = store.first("UserVmResponse", name="web-01")
    root = next((v for v in store.all("VolumeResponse") if web and v.get("virtualmachineid") == web["id"]), None)
    if web is not None and root is not None:
        _add(
            cloud,
            "SnapshotResponse",
            "snap:web-01",
            {
                "name": "web-01_ROOT_nightly",
                "volumeid": root["id"],
                "volumename": root["name"],
                "volumetype": "ROOT",
                "snapshottype": "MANUAL",
                "intervaltype": "MANUAL",
                "state": "BackedUp",
                **z,
                "physicalsize": 2 * GB,
                "virtualsize": root["size"],
                "locationtype": "SECONDARY",
                "revertable": True,
                "_store": image_store["id"],
            },
            admin,
        )
        _add(
            cloud,
            "VMSnapshotResponse",
            "vmsnap:web-01",
            {
                "name": "i-web-01_VS_20240101000000",
                "displayname": "before-upgrade",
                "virtualmachineid": web["id"],
                "virtualmachinename": web["name"],
                "state": "Ready",
                "type": "Disk",
                "current": True,
                "zoneid": zone["id"],
            },
            admin,
        )
    for name, value, category, description in (
        ("default.page.size", "500", "Advanced", "Default and largest page size of list APIs"),
        ("expunge.delay", "86400", "Advanced", "Seconds to wait before a destroyed VM is expunged"),
        ("expunge.interval", "86400", "Advanced", "Seconds between runs of the expunge thread"),
        ("allow.user.expunge.recover.vm", "false", "Advanced", "Whether users may expunge and recover VMs"),
        ("enable.dynamic.scale.vm", "true", "Advanced", "Whether running VMs may change offering"),
        ("cpu.overprovisioning.factor", "2.0", "Advanced", "CPU overcommit ratio of clusters"),
        ("mem.overprovisioning.factor", "1.0", "Advanced", "Memory overcommit ratio of clusters"),
        ("router.health.checks.enabled", "true", "Advanced", "Whether virtual routers run health checks"),
        ("ca.framework.provider.plugin", "root", "Advanced", "The CA provider used to issue certificates"),
        ("api.throttling.enabled", "false", "Advanced", "Whether API calls are rate-limited per account"),
        ("job.expire.minutes", "1440", "Advanced", "Minutes after which finished async jobs are removed"),
    ):
        _add(
            cloud,
            "ConfigurationResponse",
            f"config:{name}",
            {
                "name": name,
                "value": value,
                "defaultvalue": value,
                "category": category,
                "description": description,
                "scope": "global",
                "isdynamic": True,
                "type": "String",
                "displaytext": name,
                "group": "Miscellaneous",
            },
        )
    for i, (kind, text) in enumerate(
        (
            (7, "Host kvm-host-04 is unreachable (Disconnected)"),
            (25, "Secondary storage usage is above 7% of capacity"),
        ),
        1,
    ):
        _add(
            cloud,
            "AlertResponse",
            f"alert:{i}",
            {"type": kind, "name": "ALERT.TYPE." + str(kind), "description": text, "sent": now_text()},
        )
    provider = _add(
        cloud,
        "ProviderResponse",
        "nsp:vr",
        {
            "name": "VirtualRouter",
            "state": "Enabled",
            "physicalnetworkid": next(iter(store.all("PhysicalNetworkResponse")))["id"],
            "servicelist": ["Dhcp", "Dns", "SourceNat", "Firewall", "PortForwarding", "Lb"],
        },
    )
    _add(
        cloud,
        "VirtualRouterProviderResponse",
        "vre:1",
        {"nspid": provider["id"], "enabled": True, "providertype": "VirtualRouter"},
    )
    _add(
        cloud,
        "SSHKeyPairResponse",
        "ssh:admin",
        {"name": "admin-laptop", "fingerprint": "4a:3b:9c:2d:11:0e:7f:55:aa:01:9e:b3:c4:2d:7a:10"},
        admin,
    )
    _ = routed


def seed_samples(cloud: Cloud) -> None:
    """One entity of every other kind the spec names, so every uuid parameter has a valid value."""
    store = cloud.store
    zone = next(iter(store.all("ZoneResponse")), None)
    admin = store.first("AccountResponse", name="admin")
    for kind in sorted(cloud.index.kinds):
        if store.count(kind) or kind in _NO_SAMPLES:
            continue
        fields = cloud.fields_of(kind)
        stem = kind.removesuffix("Response")
        entity: Entity = {"id": new_uuid(f"sample:{kind}"), "name": f"sim-{stem.lower()}-1"}
        if zone is not None and "zoneid" in fields:
            entity.update(zoneid=zone["id"], zonename=zone["name"])
        if "state" in fields:
            entity["state"] = "Enabled"
        if "created" in fields:
            entity["created"] = now_text()
        if admin is not None and fields & {"account", "domainid"}:
            entity.update(account=admin["name"], domainid=admin["domainid"], domain=admin["domain"])
            entity["_owner"], entity["_domainpath"] = admin["id"], admin["domainpath"]
        store.add(kind, apply_defaults(kind, entity))
