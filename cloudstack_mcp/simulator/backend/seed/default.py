"""The default profile: one advanced KVM zone that looks like a small real deployment (two accounts'
networks, three VMs, snapshots, settings, alerts)."""

from __future__ import annotations

from cloudstack_mcp.simulator.backend.seed import build as b
from cloudstack_mcp.simulator.backend.seed import services as sv
from cloudstack_mcp.simulator.backend.seed.build import GB, Seeder, ref
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid

OS_TYPES = (("Ubuntu 22.04 LTS", "Ubuntu"), ("CentOS 7", "CentOS"), ("Other Linux (64-bit)", "Other"))
# key, name, OS type, size (GB), template type
TEMPLATES = (
    ("ubuntu", "Ubuntu 22.04 LTS", "Ubuntu 22.04 LTS", 10, "USER"),
    ("centos", "CentOS 7.9", "CentOS 7", 8, "USER"),
    ("systemvm", "SystemVM Template (KVM)", "Other Linux (64-bit)", 5, "SYSTEM"),
)
# key, name, vCPUs, MHz, MB
SERVICE_OFFERINGS = (
    ("small", "Small Instance", 1, 1000, 1024),
    ("medium", "Medium Instance", 2, 2000, 4096),
    ("large", "Large Instance", 4, 2000, 8192),
)
DISK_OFFERINGS = (("small", "Small", 5), ("medium", "Medium", 20), ("large", "Large", 100), ("custom", "Custom", 0))
NETWORK_OFFERINGS = (
    ("isolated", "DefaultIsolatedNetworkOfferingWithSourceNatService", "Isolated", False),
    ("shared", "DefaultSharedNetworkOffering", "Shared", False),
    ("vpc", "DefaultIsolatedNetworkOfferingForVpcNetworks", "Isolated", True),
)
# account, CIDR, VLAN
NETWORKS = (("admin", "10.1.1.0/24", 1001), ("alice", "10.1.2.0/24", 1002))
# name, owner, network, state, offering
VMS = (
    ("web-01", "admin", "admin", "Running", "small"),
    ("db-01", "admin", "admin", "Stopped", "medium"),
    ("alice-dev", "alice", "alice", "Running", "small"),
)
# name, value, description[, CloudStack's default when the value differs]
SETTINGS: tuple[tuple[str, ...], ...] = (
    ("default.page.size", "500", "Default and largest page size of list APIs"),
    ("expunge.delay", "86400", "Seconds to wait before a destroyed VM is expunged"),
    ("expunge.interval", "86400", "Seconds between runs of the expunge thread"),
    ("allow.user.expunge.recover.vm", "false", "Whether users may expunge and recover VMs"),
    ("enable.dynamic.scale.vm", "true", "Whether running VMs may change offering", "false"),
    ("cpu.overprovisioning.factor", "2.0", "CPU overcommit ratio of clusters", "1.0"),
    ("mem.overprovisioning.factor", "1.0", "Memory overcommit ratio of clusters"),
    ("router.health.checks.enabled", "true", "Whether virtual routers run health checks"),
    ("ca.framework.provider.plugin", "root", "The CA provider used to issue certificates"),
    ("api.throttling.enabled", "false", "Whether API calls are rate-limited per account"),
    ("job.expire.minutes", "1440", "Minutes after which finished async jobs are removed"),
)
ALERTS = (
    (7, "Host kvm-host-04 is unreachable (Disconnected)"),
    (25, "Secondary storage usage is above 7% of capacity"),
)


def seed_default(s: Seeder) -> None:
    """Zone, pod, clusters, hosts, storage, templates, offerings, networks, VMs and their volumes."""
    zone = b.zone(
        s,
        "zone1",
        "ams-zone1",
        "Advanced",
        description="Simulated advanced zone",
        dns1="9.9.9.9",
        dns2="1.1.1.1",
        internaldns1="10.0.0.2",
        guestcidraddress="10.1.0.0/16",
        zonetoken=new_uuid("zonetoken:1"),
    )
    pod = b.pod(s, "pod1", zone, "pod-1", "10.0.32.1", "255.255.240.0", "10.0.32.100", "10.0.32.200")
    clusters = [b.cluster(s, f"cluster{i}", pod, f"cluster-kvm-{i}", "KVM") for i in (1, 2)]
    hosts = [
        b.host(
            s,
            f"host{i}",
            clusters[(i - 1) // 2],
            f"kvm-host-{i:02d}",
            f"10.0.33.{10 + i}",
            state="Up" if i < 4 else "Disconnected",
            hypervisorversion="8.2.0",
        )
        for i in range(1, 5)
    ]
    pool = b.primary_storage(s, "pool1", clusters[0], "primary-nfs-1", ("10.0.40.10", "/export/primary"))
    store = b.image_store(s, "store1", zone, "secondary-nfs-1", "nfs://10.0.40.20/export/secondary")
    os_types = b.guest_os(s, OS_TYPES)
    templates = {
        key: b.template(
            s,
            key,
            zone,
            store,
            os_types[osname],
            name,
            size=size * GB,
            templatetype=kind,
            isfeatured=kind == "USER",
            passwordenabled=key == "ubuntu",
        )
        for key, name, osname, size, kind in TEMPLATES
    }
    b.iso(
        s,
        "ubuntu",
        zone,
        store,
        os_types["Ubuntu 22.04 LTS"],
        "ubuntu-22.04-live-server-amd64.iso",
        displaytext="Ubuntu 22.04 installer",
    )
    offerings = {row[0]: sv.service_offering(s, *row) for row in SERVICE_OFFERINGS}
    s.cloud.disk_offerings = {row[0]: sv.disk_offering(s, *row) for row in DISK_OFFERINGS}
    net_offerings = {row[0]: sv.network_offering(s, *row) for row in NETWORK_OFFERINGS}
    sv.vpc_offering(s, "default", "Default VPC offering")
    physnet = sv.physical_network(s, "physnet1", zone, "physnet-1", "VLAN", "1000-1999")
    sv.management_server(s, "mgmt-01", "4.20.0.0", "10.0.0.5")
    networks = {}
    for i, (owner_name, cidr, vlan) in enumerate(NETWORKS, 1):
        owner = s.account(owner_name)
        network = networks[owner_name] = sv.guest_network(
            s, owner_name, zone, net_offerings["isolated"], owner, cidr, vlan
        )
        ip = sv.source_nat(s, owner_name, network, owner, f"198.51.100.{10 + i}")
        sv.router(s, owner_name, f"r-{3 + i}-VM", network, owner, ip["ipaddress"], hosts[i], templates["systemvm"])
    for i, (name, vmtype) in enumerate((("s-1-VM", "secondarystoragevm"), ("v-2-VM", "consoleproxy")), 1):
        addresses = (f"198.51.100.{i + 1}", f"10.0.32.{100 + i}", f"169.254.0.{i + 10}")
        sv.system_vm(s, name, vmtype, hosts[i - 1], templates["systemvm"], addresses)
    for name, owner_name, net, state, offering in VMS:
        s.cloud.deploy_seed_vm(
            name,
            s.account(owner_name),
            zone,
            networks[net],
            templates["ubuntu"],
            offerings[offering],
            hosts[0],
            pool,
            state,
        )
    _lived_in(s, zone, networks["admin"]["networkofferingid"], store, physnet)


def _lived_in(s: Seeder, zone: Entity, offering_id: str, store: Entity, physnet: Entity) -> None:
    """Routed network, snapshots, settings, alerts, keys: the rest of a lived-in cloud."""
    admin = s.account("admin")
    offering = s.store.get("NetworkOfferingResponse", offering_id) or {}
    sv.guest_network(
        s,
        "routed",
        zone,
        offering,
        admin,
        "10.10.1.0/24",
        1010,
        ip4routing="Static",
        specifyipranges=None,
        dns1=None,
    )
    s.add("DataCenterIpv4SubnetResponse", "subnet:1", {"subnet": "10.10.0.0/16", **ref(zone, "zone")})
    web = s.store.first("UserVmResponse", name="web-01")
    root = next((v for v in s.store.all("VolumeResponse") if web and v.get("virtualmachineid") == web["id"]), None)
    if web is not None and root is not None:
        s.add(
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
                **ref(zone, "zone"),
                "physicalsize": 2 * GB,
                "virtualsize": root["size"],
                "locationtype": "SECONDARY",
                "revertable": True,
                "_store": store["id"],
            },
            admin,
        )
        s.add(
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
    for name, value, description, *default in SETTINGS:
        sv.configuration(s, name, value, description, default=default[0] if default else None)
    for i, (kind, text) in enumerate(ALERTS, 1):
        sv.alert(s, i, kind, text)
    provider = s.add(
        "ProviderResponse",
        "nsp:vr",
        {
            "name": "VirtualRouter",
            "state": "Enabled",
            "physicalnetworkid": physnet["id"],
            "servicelist": ["Dhcp", "Dns", "SourceNat", "Firewall", "PortForwarding", "Lb"],
        },
    )
    s.add(
        "VirtualRouterProviderResponse",
        "vre:1",
        {"nspid": provider["id"], "enabled": True, "providertype": "VirtualRouter"},
    )
    s.add(
        "SSHKeyPairResponse",
        "ssh:admin",
        {"name": "admin-laptop", "fingerprint": "4a:3b:9c:2d:11:0e:7f:55:aa:01:9e:b3:c4:2d:7a:10"},
        admin,
    )
