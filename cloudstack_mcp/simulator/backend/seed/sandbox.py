"""The `sandbox` profile: what Apache's simulator container sets up (marvin's setup/dev advanced.cfg and
basic.cfg, deployed as the zones Sandbox-simulator-advanced and Sandbox-simulator-basic), with the
objects a fresh CloudStack has (the built-in offerings, the simulator's CentOS template), so tests
written for that container can point at this simulator. Hosts run the Simulator hypervisor."""

from __future__ import annotations

from typing import Any

from cloudstack_mcp.simulator.backend.seed import build as b
from cloudstack_mcp.simulator.backend.seed import services as sv
from cloudstack_mcp.simulator.backend.seed.build import GB, Seeder, ref
from cloudstack_mcp.simulator.backend.store import Entity, new_uuid

HYPERVISOR = "Simulator"
TEMPLATE = "CentOS 5.6 (64-bit) no GUI (Simulator)"
OS_TYPES = (
    ("CentOS 5.5 (64-bit)", "CentOS"),
    ("CentOS 5.6 (64-bit)", "CentOS"),
    ("Other Linux (64-bit)", "Other"),
    ("Debian GNU/Linux 7(64-bit)", "Debian"),
)
# A fresh CloudStack's service and disk offerings.
SERVICE_OFFERINGS = (("small", "Small Instance", 1, 500, 512), ("medium", "Medium Instance", 1, 1000, 1024))
DISK_OFFERINGS = (("small", "Small", 5), ("medium", "Medium", 20), ("large", "Large", 100), ("custom", "Custom", 0))
NETWORK_OFFERINGS = (
    ("isolated", "DefaultIsolatedNetworkOfferingWithSourceNatService", "Isolated", False, {"availability": "Required"}),
    ("isolated-nosnat", "DefaultIsolatedNetworkOffering", "Isolated", False, {}),
    ("shared", "DefaultSharedNetworkOffering", "Shared", False, {}),
    ("shared-sg", "DefaultSharedNetworkOfferingWithSGService", "Shared", False, {}),
    ("vpc", "DefaultIsolatedNetworkOfferingForVpcNetworks", "Isolated", True, {}),
    ("vpc-nolb", "DefaultIsolatedNetworkOfferingForVpcNetworksNoLB", "Isolated", True, {}),
    ("quickcloud", "QuickCloudNoServices", "Shared", False, {}),
)
VPC_OFFERINGS = (("default", "Default VPC offering"), ("redundant", "Redundant VPC offering"))
# marvin's globalConfig of the container's deployment
# name, value, description, CloudStack's default
SETTINGS = (
    ("expunge.delay", "60", "Seconds to wait before a destroyed VM is expunged", "86400"),
    ("expunge.interval", "60", "Seconds between runs of the expunge thread", "86400"),
    ("default.page.size", "500", "Default and largest page size of list APIs", "500"),
    ("guest.domain.suffix", "sandbox.simulator", "Default domain name of guest networks", "cloud.internal"),
    ("instance.name", "QA", "Name of the deployment, part of VM instance names", "VM"),
    ("enable.dynamic.scale.vm", "true", "Whether running VMs may change offering", "false"),
    ("allow.user.expunge.recover.vm", "false", "Whether users may expunge and recover VMs", "false"),
)
ZONES: tuple[dict[str, Any], ...] = (
    {
        "key": "sandbox-adv",
        "name": "Sandbox-simulator-advanced",
        "type": "Advanced",
        "fields": {"dns1": "10.147.28.6", "internaldns1": "10.147.28.6", "guestcidraddress": "10.1.1.0/24"},
        "pnet": ("VLAN", "100-200"),
        "pod": ("172.16.15.1", "255.255.255.0", "172.16.15.2", "172.16.15.200"),
        "public": ("192.168.2.1", "255.255.255.0", "192.168.2.2", "192.168.2.200", "50"),
        "clusters": {"C0": (("h0", "h1"), ("PS0", "PS1")), "C1": (("h0",), ("PS2",))},
        "nfs": "10.147.28.6",
    },
    {
        "key": "sandbox-basic",
        "name": "Sandbox-simulator-basic",
        "type": "Basic",
        "fields": {"dns1": "8.8.8.8", "internaldns1": "8.8.8.8"},
        "pnet": ("L3", None),
        "pod": ("172.16.15.1", "255.255.255.0", "172.16.15.2", "172.16.15.254"),
        "guest": ("60.147.41.1", "255.255.255.0", "60.147.41.2", "60.147.41.254"),
        "clusters": {"C0": (("h0", "h1"), ("PS0",))},
        "nfs": "nfsstor",
    },
)


def _zone(s: Seeder, spec: dict[str, Any], offerings: dict[str, Entity]) -> tuple[Entity, Entity]:
    key = spec["key"]
    zone = b.zone(s, key, spec["name"], spec["type"], **spec["fields"])
    sv.physical_network(s, f"pnet:{key}", zone, "Sandbox-pnet", *spec["pnet"])
    pod = b.pod(s, f"pod:{key}", zone, "POD0", *spec["pod"])
    first_pool: Entity | None = None
    for ci, (cname, (hosts, pools)) in enumerate(spec["clusters"].items()):
        cluster = b.cluster(s, f"cluster:{key}:{cname}", pod, cname, HYPERVISOR)
        for hi, hname in enumerate(hosts):
            hid = new_uuid(f"simhost:{key}:{cname}:{hname}")
            b.host(
                s,
                f"host:{key}:{cname}:{hname}",
                cluster,
                f"SimulatedAgent.{hid}",
                f"172.16.15.{10 + 10 * ci + hi}",
                cpunumber=4,
                cpuspeed=8000,
                cpusockets=1,
                memorytotal=8 * GB,
                memoryused=0,
                hypervisorversion=None,
                cpuused="0%",
            )
        for pi, pname in enumerate(pools):
            index = pname.removeprefix("PS")
            path = (
                f"/export/home/sandbox/primary{index}" if spec["type"] == "Advanced" else "/export/home/sandbox/primary"
            )
            pool = b.primary_storage(
                s,
                f"pool:{key}:{pname}",
                cluster,
                pname,
                (spec["nfs"], path),
                disksizeused=0,
                disksizetotal=(1 + pi) * 1024 * GB,
            )
            first_pool = first_pool or pool
    url = f"nfs://{spec['nfs']}:/export/home/sandbox/secondary"
    b.image_store(s, f"store:{key}", zone, url, url, disksizeused=0)
    if spec["type"] == "Basic":
        gateway, netmask, start, end = spec["guest"]
        s.add(
            "NetworkResponse",
            f"net:{key}:default",
            {
                "name": "defaultGuestNetwork",
                "displaytext": "defaultGuestNetwork",
                **ref(zone, "zone"),
                **ref(offerings["shared-sg"], "networkoffering"),
                "type": "Shared",
                "traffictype": "Guest",
                "state": "Setup",
                "gateway": gateway,
                "netmask": netmask,
                "cidr": "60.147.41.0/24",
                "broadcastdomaintype": "Native",
                "acltype": "Domain",
                "specifyipranges": True,
                "canusefordeploy": True,
                "service": [{"name": "SecurityGroup"}, {"name": "Dhcp"}, {"name": "Dns"}, {"name": "UserData"}],
                "_seq_ip": 1,
                "_range": (start, end),
            },
        )
    else:
        gateway, netmask, start, end, vlan = spec["public"]
        s.add(
            "VlanIpRangeResponse",
            f"vlan:{key}:public",
            {
                **ref(zone, "zone"),
                "gateway": gateway,
                "netmask": netmask,
                "startip": start,
                "endip": end,
                "vlan": f"vlan://{vlan}",
                "forvirtualnetwork": True,
                "forsystemvms": False,
            },
        )
    assert first_pool is not None
    return zone, first_pool


def seed_sandbox(s: Seeder) -> None:
    os_types = b.guest_os(s, OS_TYPES)
    for row in SERVICE_OFFERINGS:
        sv.service_offering(s, *row)
    sv.service_offering(
        s,
        "system-router",
        "System Offering For Software Router",
        1,
        500,
        256,
        issystem=True,
        systemvmtype="domainrouter",
        defaultuse=True,
    )
    s.cloud.disk_offerings = {row[0]: sv.disk_offering(s, *row) for row in DISK_OFFERINGS}
    offerings = {
        key: sv.network_offering(s, key, name, guest, vpc, **extra)
        for key, name, guest, vpc, extra in NETWORK_OFFERINGS
    }
    for key, name in VPC_OFFERINGS:
        sv.vpc_offering(s, key, name)
    sv.management_server(s, "localhost", "4.20.0.0", "127.0.0.1")
    stores = []
    for spec in ZONES:
        zone, _pool = _zone(s, spec, offerings)
        stores.append(next(st for st in s.store.all("ImageStoreResponse") if st.get("zoneid") == zone["id"]))
    b.template(
        s,
        "sandbox-centos",
        None,
        stores[0],
        os_types["CentOS 5.5 (64-bit)"],
        TEMPLATE,
        format="VHD",
        hypervisor=HYPERVISOR,
        size=2 * GB,
        passwordenabled=False,
        isfeatured=True,
    )
    b.template(
        s,
        "sandbox-systemvm",
        None,
        stores[0],
        os_types["Debian GNU/Linux 7(64-bit)"],
        "SystemVM Template (simulator)",
        format="VHD",
        hypervisor=HYPERVISOR,
        size=2 * GB,
        templatetype="SYSTEM",
        isfeatured=False,
    )
    for name, value, description, default in SETTINGS:
        sv.configuration(s, name, value, description, default=default)
