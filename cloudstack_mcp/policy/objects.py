"""What an API acts on and how much is at stake: the object table of the policy.

Objects are matched against the words of an API name after its verb (`deleteImageStore` ->
"image store"), first match wins, so specific patterns come before general ones. Each object
has a tier (what its loss costs) and an outage level (what stopping or moving it costs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from cloudstack_mcp.severity import Severity as Sev

__all__ = ["OBJECTS", "Obj", "find_object"]


@dataclass(frozen=True, slots=True)
class Obj:
    """What an API acts on."""

    category: str
    scope: str  # resource | vm | network | project | account | domain | host | cluster | pod | zone | cloud
    tier: int  # severity of losing it (1 low .. 4 critical)
    outage: int  # severity of stopping, disabling, moving or resizing it
    contents: str  # what is lost when it is deleted
    dependents: str  # what is interrupted when it stops or changes


_L, _M, _H, _C = Sev.LOW, Sev.MEDIUM, Sev.HIGH, Sev.CRITICAL

_ROUTER = Obj(
    "virtual router",
    "network",
    3,
    _H,
    "the appliance (CloudStack recreates it when the network restarts)",
    "DHCP, DNS, NAT, firewall, VPN and load balancing for every VM behind it",
)
_DEVICE = Obj(
    "network device",
    "zone",
    3,
    _H,
    "the device's registration and the services it provides",
    "the network services it provides in the zone",
)
_VM = Obj(
    "virtual machine",
    "vm",
    3,
    _M,
    "the VM and its root disk (data disks are detached and kept unless expunged with it)",
    "everything running in the VM",
)
_META = Obj("metadata", "resource", 1, _L, "the metadata", "")
_CONFIG = Obj("configuration object", "account", 2, _L, "the object's definition", "whatever uses it")
_RULE = Obj("firewall rule", "network", 2, _M, "the rule", "the traffic the rule allowed or forwarded")

# (pattern over the object words, object); first match wins.
OBJECTS: list[tuple[str, Obj]] = [
    # specific objects whose names contain a more general one
    (r"default zone for account", _META),
    (r"(ssh key|password|user data) for virtual machine|virtual machine with volume", _VM),
    (r"vm password", Obj("VM password", "vm", 3, _M, "the password", "")),
    (r"(project )?role permission", Obj("role rule", "cloud", 2, _M, "the rule", "every account given the role")),
    (r"guest os( mapping)?", Obj("guest OS", "cloud", 2, _L, "the guest OS entry", "new VMs of that OS type")),
    (r"host reservation", Obj("host reservation", "host", 1, _L, "the reservation", "")),
    (r"bgp peers?( for (network|vpc))?", Obj("BGP peer", "zone", 2, _M, "the peering", "routes learned through it")),
    (
        r"auto ?scale( vm)? (group|profile|policy)|condition|counter",
        Obj("autoscale rule", "account", 2, _L, "the rule", "automatic scaling of the VM group"),
    ),
    (r"instance group", Obj("instance group", "account", 2, _L, "the grouping (the VMs stay)", "")),
    (
        r"ldap configuration|ldap",
        Obj("authentication", "cloud", 3, _H, "the provider configuration", "every login through it"),
    ),
    (
        r"email template|email configuration|configure email",
        Obj("quota e-mail", "cloud", 1, _L, "the template", "quota e-mails"),
    ),
    (r"tungsten fabric (provider|service|management network|public network)$", _DEVICE),
    (r"tungsten fabric .*", Obj("Tungsten-Fabric object", "network", 2, _M, "the object", "the traffic it governs")),
    (r"diagnostics( data)?", Obj("system VM", "zone", 2, _L, "", "")),
    (r"rolling maintenance", Obj("hosts", "cluster", 4, _H, "", "every VM on the hosts (they are migrated)")),
    # storage infrastructure
    (
        r"secondary storage selector",
        Obj("secondary storage selector", "zone", 2, _L, "the placement rule", "new uploads it steered"),
    ),
    (r"image store object", Obj("image store object", "zone", 2, _L, "the object", "")),
    (
        r"secondary staging store",
        Obj("staging store", "zone", 3, _M, "the staging copies kept on it", "template and snapshot copies through it"),
    ),
    (
        r"image store|secondary storage|swift|resource to another secondary",
        Obj(
            "image store",
            "zone",
            4,
            _H,
            "the templates, ISOs, volume snapshots and backups kept on it",
            "template, ISO and snapshot operations in the zone",
        ),
    ),
    (
        r"object storage|object store",
        Obj(
            "object storage",
            "cloud",
            4,
            _H,
            "every bucket in it and their objects",
            "every application using its buckets",
        ),
    ),
    (
        r"storage pool|primary storage|storage maintenance|storage capabilities|sioc",
        Obj(
            "primary storage",
            "cluster",
            4,
            _H,
            "the VM disks (volumes) stored on it",
            "every VM with a disk on it",
        ),
    ),
    (
        r"(storage network|management network|pod management network|vlan|public|portable|guest vlan) ip range"
        r"|guest vlan range|ipv4 subnet|ipv6 prefix|asn range|as number",
        Obj("address range", "zone", 3, _M, "the addresses in the range", "the networks and VMs using those addresses"),
    ),
    # compute infrastructure
    (
        r"host password|out of band management password",
        Obj("host credentials", "host", 3, _H, "the current password", ""),
    ),
    (
        r"(out of band management|ha) for zone",
        Obj("host management", "zone", 2, _M, "the setting", "automatic recovery or power control of the zone's hosts"),
    ),
    (
        r"(out of band management|ha) for cluster",
        Obj(
            "host management",
            "cluster",
            2,
            _M,
            "the setting",
            "automatic recovery or power control of the cluster's hosts",
        ),
    ),
    (
        r"out of band management( for host)?|ha for host|ha",
        Obj("host management", "host", 2, _M, "the setting", "automatic recovery or power control of the host"),
    ),
    (
        r"zone",
        Obj(
            "zone",
            "zone",
            4,
            _C,
            "the zone and everything registered in it",
            "every VM, network and storage in the zone",
        ),
    ),
    (r"pod ip address", Obj("pod IP address", "pod", 2, _M, "the address", "the system VM or host using it")),
    (r"pod", Obj("pod", "pod", 4, _H, "the pod and its IP ranges", "every host and VM in the pod")),
    (r"cluster drs plan", Obj("DRS plan", "cluster", 2, _M, "the plan", "the VMs the plan migrates")),
    (
        r"kubernetes supported version",
        Obj("Kubernetes version", "cloud", 2, _L, "the version's ISO registration", "new clusters of that version"),
    ),
    (
        r"kubernetes cluster|virtual machines (from|to) kubernetes",
        Obj(
            "Kubernetes cluster",
            "account",
            3,
            _M,
            "its control and worker VMs and their disks",
            "the workloads running in the cluster",
        ),
    ),
    (
        r"cluster",
        Obj("cluster", "cluster", 4, _H, "the cluster and its hosts' registrations", "every VM in the cluster"),
    ),
    (
        r"host password|out of band management password",
        Obj("host credentials", "host", 3, _H, "the current password", ""),
    ),
    (
        r"host|baremetal host|ucs profile",
        Obj(
            "host",
            "host",
            4,
            _H,
            "the host's registration (and with forced deletion its local storage)",
            "every VM running on the host",
        ),
    ),
    (
        r"physical network|traffic type",
        Obj(
            "physical network", "zone", 4, _H, "the physical network and its traffic types", "every network it carries"
        ),
    ),
    (
        r"network service provider",
        Obj("network service provider", "zone", 3, _H, "the provider", "the services it runs"),
    ),
    (
        r"vmware dc|vsphere",
        Obj("VMware datacenter", "zone", 4, _H, "the link between the zone and vCenter", "every VM in the datacenter"),
    ),
    (r"region", Obj("region", "cloud", 3, _H, "the region", "cross-region features (GSLB, portable IPs)")),
    (
        r"shutdown|for shutdown",
        Obj("management server", "cloud", 4, _C, "", "the API, the UI and every job in progress"),
    ),
    (
        r"configuration",
        Obj("global setting", "cloud", 3, _H, "the current value", "every feature that reads the setting"),
    ),
    (
        r"cloud to use object store",
        Obj("secondary storage", "cloud", 4, _H, "the current NFS layout", "template, ISO and snapshot storage"),
    ),
    # identity
    (
        r"domain",
        Obj("domain", "domain", 4, _H, "its sub-domains, accounts and all their resources", "every account in it"),
    ),
    (
        r"account (from|to) project|user (from|to) project",
        Obj("project member", "project", 2, _M, "the membership", ""),
    ),
    (
        r"account",
        Obj(
            "account",
            "account",
            4,
            _H,
            "its users, VMs, volumes, snapshots, networks, IP addresses and templates",
            "every user and VM of the account",
        ),
    ),
    (r"project invitation", Obj("project invitation", "project", 1, _L, "the invitation", "")),
    (
        r"project role|role",
        Obj("role", "cloud", 3, _M, "the role and its rules", "every account or user given the role"),
    ),
    (
        r"project",
        Obj("project", "project", 4, _H, "its VMs, volumes, networks and other resources", "every member and VM of it"),
    ),
    (
        r"user keys|user two factor|password$|^password",
        Obj("user credentials", "account", 3, _H, "the current credentials", "every client using them"),
    ),
    (r"user data", Obj("user data", "account", 2, _L, "the user data", "VMs that read it at boot")),
    (r"vpn user", Obj("VPN user", "network", 2, _M, "the VPN login", "that user's VPN access")),
    (
        r"ldap users|user",
        Obj("user", "account", 3, _M, "the user's login and API keys", "the user's sessions and API access"),
    ),
    (
        r"ldap|oauth|saml|sso|slo|idp",
        Obj("authentication", "cloud", 3, _H, "the provider configuration", "every login through it"),
    ),
    (
        r"cert to load balancer|cert from load balancer",
        Obj("load balancer certificate", "network", 2, _M, "the binding", "TLS on the rule"),
    ),
    (
        r"template direct download certificate|custom certificate|certificate|ssl cert",
        Obj("certificate", "cloud", 3, _M, "the certificate", "the TLS connections that rely on it"),
    ),
    # compute
    (
        r"system vm",
        Obj(
            "system VM",
            "zone",
            3,
            _H,
            "the system VM (CloudStack recreates it)",
            "console access or storage transfers in the zone",
        ),
    ),
    (r"router|internal load balancer vm|net ?scaler vpx", _ROUTER),
    (
        r"snapshot polic(y|ies)|backup schedule|vm schedule",
        Obj("schedule", "vm", 2, _L, "the schedule", "future automatic runs"),
    ),
    (
        r"vm snapshot|to vm snapshot",
        Obj("VM snapshot", "vm", 3, _M, "the saved VM state", "the VM (it is reverted or paused)"),
    ),
    (r"snapshot", Obj("snapshot", "vm", 3, _M, "the snapshot's data", "the volume it is reverted onto")),
    (r"backup offering", Obj("backup offering", "cloud", 2, _L, "the offering", "backups of VMs assigned to it")),
    (
        r"backup repository",
        Obj("backup repository", "zone", 3, _H, "the repository and the backups in it", "every backup in it"),
    ),
    (r"backup", Obj("backup", "vm", 3, _M, "the backup's data", "the VM it is restored onto")),
    (r"volume from backup", Obj("volume", "vm", 3, _M, "the data on the disk", "the VM the disk is attached to")),
    (
        r"offering for volume|volume",
        Obj("volume", "vm", 3, _M, "the data on the disk", "the VM the disk is attached to"),
    ),
    (
        r"nic ip|ip (from|to) nic|nic",
        Obj("VM network interface", "vm", 2, _M, "the interface or address", "the VM's traffic on it"),
    ),
    (r"vm affinity group|affinity group", Obj("affinity group", "account", 2, _L, "the group", "VM placement rules")),
    (r"vm reservations", Obj("VM reservations", "cloud", 2, _L, "stale reservations", "")),
    (r"virtual machines?|vm|vnf appliance|instance|service for virtual machine", _VM),
    (
        r"(vnf )?template permissions|iso permissions|network permissions",
        Obj("permissions", "account", 1, _L, "the sharing rule", "accounts it was shared with"),
    ),
    (
        r"vnf template|template|iso",
        Obj(
            "template",
            "account",
            3,
            _L,
            "the image in every zone it was copied to",
            "new deployments and reinstalls from it",
        ),
    ),
    (
        r"shared file system",
        Obj("shared file system", "account", 3, _M, "the file system and its data", "every client that mounts it"),
    ),
    (r"bucket", Obj("bucket", "account", 3, _M, "the bucket", "applications using the bucket")),
    # networking
    (
        r"network device|netscaler|palo alto|nicira|big switch|brocade|cisco|open daylight|nsx|ucs manager"
        r"|stratosphere|globo|traffic monitor|baremetal|ovs element|virtual router element|internal load balancer element",
        _DEVICE,
    ),
    (
        r"offering|service package",
        Obj("offering", "cloud", 2, _L, "the offering (existing resources keep theirs)", "new deployments from it"),
    ),
    (
        r"network acl item|network acl list|network acl|firewall rule|security group (ingress|egress)"
        r"|port forwarding rule|ip forwarding rule|routing firewall",
        _RULE,
    ),
    (r"security group", Obj("security group", "account", 2, _M, "the group and its rules", "traffic of the VMs in it")),
    (
        r"global load balancer( rule)?|load balancer( rule)?|lb (health check|stickiness) policy|(to|from) (global )?load balancer rule",
        Obj("load balancer", "network", 2, _M, "the rule", "the traffic balanced by it"),
    ),
    (r"vpc", Obj("VPC", "network", 3, _H, "its tiers, routers and rules", "every VM in the VPC")),
    (
        r"private gateway|static route|vpn connection|vpn gateway|vpn customer gateway|remote access vpn",
        Obj("VPN or gateway", "network", 2, _M, "the gateway or connection", "the traffic routed through it"),
    ),
    (
        r"static nat|ip address|quarantined ip",
        Obj(
            "public IP address",
            "network",
            3,
            _M,
            "the address (another account may get it next)",
            "traffic to that address",
        ),
    ),
    (r"network", Obj("network", "network", 3, _M, "the network, its router and its rules", "every VM on the network")),
    # records and metadata
    (
        r"raw usage records|usage records|expunged resources",
        Obj("usage and history records", "cloud", 3, _L, "billing and history records", ""),
    ),
    (r"alerts?|events", Obj("events and alerts", "cloud", 2, _L, "the records (part of the audit trail)", "")),
    (
        r"credits|tariff",
        Obj("quota and billing", "account", 2, _M, "the tariff or balance", "what accounts are charged"),
    ),
    (r"webhook", Obj("webhook", "account", 2, _L, "the webhook", "deliveries to its URL")),
    (r"ssh key pair", Obj("SSH key pair", "account", 2, _L, "the registered public key", "new deployments with it")),
    (r"tags?\b|resource detail|annotation|resource icon|api limit|resource count", _META),
    (
        r"resource limit|hypervisor capabilities|preset variables|console endpoint|simulator.*",
        _CONFIG,
    ),
]


@cache
def _patterns() -> tuple[list[tuple[re.Pattern[str], Obj]], list[tuple[re.Pattern[str], Obj]]]:
    """The object patterns compiled, on first use (~30 ms a server start need not pay)."""
    compiled = [(re.compile(rf"\b(?:{pattern})\b"), obj) for pattern, obj in OBJECTS]
    # For names without word boundaries ("deleteimagestore"): the same patterns with the spaces taken out.
    squashed = [(re.compile(pattern.replace(" ", "")), obj) for pattern, obj in OBJECTS]
    return compiled, squashed


def find_object(words: str) -> Obj | None:
    """The first object whose pattern matches the object words (lower case, space separated)."""
    compiled, squashed = _patterns()
    patterns = compiled if " " in words else compiled + squashed
    for pattern, obj in patterns:
        if pattern.search(words):
            return obj
    return None
