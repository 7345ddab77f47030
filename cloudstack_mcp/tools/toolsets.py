"""Toolsets: a category for every API, from rules over its name, and the default profile.

A CloudStack API name is a verb followed by the thing it acts on (`createPortForwardingRule`,
`listVirtualMachinesMetrics`, `enableOutOfBandManagementForHost`). The rules below look at the
words of the name, most specific first, so a name never seen before (a future version, a plugin)
still lands where its words say: `listFooVirtualMachines` with the VMs, `createTungstenFabricX`
with the SDN controllers. Only names with no known word at all fall into the catch-all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "CATCH_ALL",
    "DEFAULT_PROFILE_APIS",
    "DISCOVERY_PROFILE_APIS",
    "PROFILES",
    "TOOLSETS",
    "Toolset",
    "category_for",
    "toolset_members",
]

CATCH_ALL = "other"


@dataclass(frozen=True, slots=True)
class Toolset:
    id: str
    title: str
    description: str


def _ts(id_: str, title: str, description: str) -> tuple[str, Toolset]:
    return id_, Toolset(id_, title, description)


TOOLSETS: dict[str, Toolset] = dict(
    [
        _ts(
            "vm",
            "Virtual machines",
            "Instances: deploy, start/stop, scale, migrate, NICs, SSH keys, userdata, affinity",
        ),
        _ts("volume", "Volumes", "Disks: create, attach/detach, resize, migrate, upload/download"),
        _ts("snapshot", "Snapshots", "Volume and VM snapshots, snapshot policies"),
        _ts("template", "Templates and ISOs", "Templates, ISOs, guest OS types and their permissions"),
        _ts(
            "network", "Networks", "Guest and physical networks, VLAN/IP ranges, IPv4/IPv6 subnets, BGP, traffic types"
        ),
        _ts("public-ip", "Public IP addresses", "Acquire, release, reserve and quarantine public IP addresses"),
        _ts(
            "firewall",
            "Firewall and NAT",
            "Firewall, egress, port forwarding, static NAT, network ACLs, security groups",
        ),
        _ts(
            "load-balancer", "Load balancers", "Load balancer rules, health checks, stickiness, global and internal LB"
        ),
        _ts("autoscale", "Autoscaling", "Autoscale VM groups, profiles, policies, conditions and counters"),
        _ts("vpc", "VPC and VPN", "VPCs, private gateways, static routes, site-to-site and remote access VPN"),
        _ts("router", "Virtual routers", "Virtual routers and router elements: start/stop, health checks, upgrade"),
        _ts("system-vm", "System VMs", "Console proxy and secondary storage VMs: start/stop, scale, migrate, patch"),
        _ts("host", "Hosts", "Hypervisor hosts: add, maintenance, HA, out-of-band management, tags, metrics"),
        _ts("infrastructure", "Infrastructure", "Zones, pods, clusters, regions, management servers, capacity, DRS"),
        _ts("storage-pool", "Primary storage", "Primary storage pools: add, maintenance, scope, tags, providers"),
        _ts("image-store", "Image stores", "Secondary storage: NFS/S3/Swift image stores, staging stores, migration"),
        _ts("object-storage", "Object storage", "Object storage pools, buckets, Cloudian"),
        _ts("shared-filesystem", "Shared file systems", "Shared file systems (NFS shares served by CloudStack)"),
        _ts(
            "certificate", "Certificates", "CA certificates, host certificates, SSL certificates, direct download certs"
        ),
        _ts("service-offering", "Compute offerings", "Service (compute) offerings: CPU, memory, storage tags"),
        _ts("disk-offering", "Disk offerings", "Disk offerings: size, IOPS, storage tags"),
        _ts("network-offering", "Network offerings", "Network and VPC offerings"),
        _ts("account", "Accounts", "Accounts, domains, users, projects, roles and permissions, resource limits"),
        _ts("auth", "Login and identity", "Login/logout, API keys, two-factor auth, LDAP, SAML and OAuth providers"),
        _ts("configuration", "Configuration", "Global settings, capabilities, API discovery, diagnostics, shutdown"),
        _ts("tag", "Tags and metadata", "Resource tags, resource details, annotations and icons"),
        _ts("event", "Events, alerts and jobs", "Events, alerts, webhooks and asynchronous jobs"),
        _ts(
            "usage", "Usage and quota", "Usage records, quota tariffs and balances, metrics of the usage and DB servers"
        ),
        _ts("kubernetes", "Kubernetes", "CloudStack Kubernetes Service clusters and supported versions"),
        _ts(
            "backup",
            "Backup and recovery",
            "Backup offerings, providers, repositories, schedules, backups and restores",
        ),
        _ts("sdn", "SDN controllers", "Tungsten Fabric, NSX, Nicira NVP, OpenDaylight, BigSwitch, Brocade, OVS"),
        _ts(
            "network-device",
            "Network devices",
            "NetScaler, Palo Alto, Cisco, F5, Juniper and other external appliances",
        ),
        _ts("baremetal", "Baremetal and UCS", "Baremetal PXE/DHCP/RCT and Cisco UCS blades"),
        _ts("simulator", "Simulator", "Hooks of CloudStack's own hypervisor simulator and test plugins"),
        _ts(CATCH_ALL, "Other", "APIs no other toolset claims"),
    ]
)

# End of a word inside a camelCase name: an upper-case letter, a digit or the end follows
# (a trailing plural "s" is allowed first), so "Iso" matches "listIsos" but not "Isolation".
_END = r"s?(?=[A-Z0-9_]|$)"

# Ordered: the first rule whose pattern matches the name decides. Patterns are matched against
# the API name as written (camelCase), so they see word boundaries.
_RULES: tuple[tuple[str, str], ...] = (
    # Plugins and vendors first: their names borrow everyday words (LogicalRouter, Firewall...).
    ("simulator", r"Simulator|SolidFire"),
    ("sdn", r"Tungsten|Nsx|Netris|Nicira|OpenDaylight|BigSwitch|Brocade|Contrail|Stratosphere|Ovs" + _END),
    (
        "network-device",
        r"Netscaler|NetScaler|PaloAlto|Cisco|F5|Srx|Juniper|GloboDns|TrafficMonitor|NetworkDevice|ServicePackage"
        r"|ExternalLoadBalancer|ExternalFirewall|ServiceInstance",
    ),
    ("baremetal", r"Baremetal|Ucs"),
    ("kubernetes", r"Kubernetes"),
    ("object-storage", r"^cloudian|Cloudian"),
    ("infrastructure", r"VmwareDc"),
    ("usage", r"^quota|Quota|Usage(?:Record|Type|Server)|UsageRecords|generateUsage"),
    ("event", r"Webhook|AsyncJob|Event|Alert"),
    ("backup", r"Backup"),
    ("certificate", r"Certificate|SslCert|CAProvider|CaCert"),
    ("shared-filesystem", r"SharedFileSystem"),
    ("snapshot", r"Snapshot"),
    ("system-vm", r"SystemVm"),
    ("router", r"Router(?!s?Health)" + _END + r"|RouterHealth|VirtualRouterElement"),
    ("service-offering", r"ServiceOffering"),
    ("disk-offering", r"DiskOffering"),
    ("network-offering", r"NetworkOffering|VPCOffering|VpcOffering"),
    ("autoscale", r"AutoScale|Autoscale|Condition|Counter"),
    ("load-balancer", r"LoadBalancer|LB[A-Z]|Lb[A-Z]|InternalLb"),
    ("firewall", r"Firewall|PortForwarding|IpForwarding|StaticNat|ACL|Acl[A-Z]|SecurityGroup"),
    ("vpc", r"VPC|Vpc|Vpn|PrivateGateway|StaticRoute"),
    ("image-store", r"ImageStore|SecondaryStorage|SecondaryStaging|Swift" + _END + r"|ObjectStore(?!r)"),
    ("object-storage", r"ObjectStorage|Bucket"),
    (
        "storage-pool",
        r"StoragePool|StorageMaintenance|StorageProvider|StorageTag|StorageCapabilit|StoragePolic"
        r"|PoolsForMigration|Elastistor|Sioc|StorageScope",
    ),
    ("template", r"Template|Iso" + _END + r"|IsoPermission|GuestOs|OsType|OsCategor"),
    ("vm", r"VirtualMachines?With"),
    ("volume", r"Volume|iScsi"),
    (
        "vm",
        r"VirtualMachine|Vm"
        + _END
        + r"|VM"
        + _END
        + r"|VMSchedule|VMReservation|Instance|Nic"
        + _END
        + r"|NicIp|SSHKey|UserData|AffinityGroup|VMPassword|ConsoleEndpoint|Vnf",
    ),
    ("host", r"Host|OutOfBandManagement(?!For(?:Zone|Cluster))|Gpu|GPU|Pci|PCI"),
    (
        "infrastructure",
        r"Zone|Pod|Cluster|Region|ManagementServer|Vmware|Vsphere|Hypervisor|Capacity|Infrastructure"
        r"|DeploymentPlanner|RollingMaintenance|ManagementNetwork|OutOfBandManagement",
    ),
    (
        "public-ip",
        r"IpAddress|QuarantinedIp|PortableIp",
    ),
    (
        "network",
        r"Network|Vlan|IpRange|Ipv4|Ipv6|Bgp|ASN|ASNumber|AsNumber|TrafficType|Dhcp|Dns|Nat" + _END + r"|Ip" + _END,
    ),
    (
        "auth",
        r"^login|^logout|Login|Logout|Ldap|^ldap|Saml|^saml|Sso|Oauth|^oauth|OAuth|TwoFactor|Idp|SPMetadata"
        r"|UserKeys|ApiKey|Password|ApiLimit",
    ),
    ("account", r"Account|Domain|User|Project|Role|ResourceLimit|ResourceCount"),
    ("tag", r"Tags?(?=[A-Z]|$)|ResourceDetail|Annotation|ResourceIcon|DetailOptions"),
    ("usage", r"Usage|Metrics"),
    (
        "configuration",
        r"Configuration|Capabilit|Apis$|CloudIdentifier|Diagnostic|Shutdown|Expunged|Purge|Setting|Cache",
    ),
    # Last resort for names made of words the rules above have never seen: the broadest word wins.
    ("vm", r"Machine|Guest"),
    ("network", r"Route|Gateway|Subnet|Prefix|Ip[A-Z]"),
    ("storage-pool", r"Storage|Disk"),
    ("template", r"Image|Os(?=[A-Z]|$)"),
    ("service-offering", r"Offering"),
    ("auth", r"Key|Token|Session"),
    ("event", r"Job|Notification"),
    ("usage", r"Metric|Report|Statistic|Stats|Billing"),
    ("infrastructure", r"Server|Datacenter|DataCenter|Rack|Node"),
    ("configuration", r"Extension|Theme|Gui|Config|Feature|Limit"),
)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((cat, re.compile(pattern)) for cat, pattern in _RULES)  # on first use: not every start needs them


@lru_cache(maxsize=4096)
def category_for(api_name: str) -> str:
    """The toolset id of an API (never fails: unknown names go to the catch-all)."""
    for category, pattern in _compiled():
        if pattern.search(api_name):
            return category
    return CATCH_ALL


def toolset_members(api_names: list[str] | tuple[str, ...] | frozenset[str]) -> dict[str, list[str]]:
    """Group API names by toolset id (every toolset present, possibly empty), names sorted."""
    out: dict[str, list[str]] = {ts: [] for ts in TOOLSETS}
    for name in sorted(api_names):
        out[category_for(name)].append(name)
    return out


# API names listed as named tools in the default profile (besides the discovery tools): what a
# tenant and an operator use every day. Everything else stays reachable through call_api.
# Budget: with the discovery tools at most 40 tools and 15,000 tokens of tools/list
# (bench/bench_tools_size.py); deployVirtualMachine alone is an eighth of it.
DEFAULT_PROFILE_APIS: frozenset[str] = frozenset(
    {
        # virtual machines
        "listVirtualMachines",
        "deployVirtualMachine",
        "startVirtualMachine",
        "stopVirtualMachine",
        "rebootVirtualMachine",
        "destroyVirtualMachine",
        "scaleVirtualMachine",
        # volumes and snapshots
        "listVolumes",
        "createVolume",
        "attachVolume",
        "detachVolume",
        "listSnapshots",
        "createSnapshot",
        # templates
        "listTemplates",
        # networks, public IPs and rules
        "listNetworks",
        "listPublicIpAddresses",
        "associateIpAddress",
        "listFirewallRules",
        "createFirewallRule",
        "createPortForwardingRule",
        "listLoadBalancerRules",
        # zones and offerings to choose from
        "listZones",
        "listServiceOfferings",
        "listDiskOfferings",
        # jobs and events
        "queryAsyncJobResult",
        "listEvents",
        # hosts and capacity
        "listHosts",
        "listCapacity",
    }
)


# The discovery-only profile: no API listed as its own tool; search_apis, describe_api, call_api and the
# job tool (wait_for_job), listed in every profile, reach every API. Its whole listing stays under 2,000
# tokens, for clients that load many servers or models with small context windows.
DISCOVERY_PROFILE_APIS: frozenset[str] = frozenset()

# Selections that are not toolsets (--toolsets default|discovery|all), with their titles.
PROFILES: dict[str, str] = {
    "default": "Default profile",
    "discovery": "Discovery only",  # search, describe, call and the job tool
    "all": "Every API",
}
