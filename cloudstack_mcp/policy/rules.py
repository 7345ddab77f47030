"""The data behind `policy`: what each verb does, what each object holds, and our overrides.

Kept apart from the logic so the tables can be read (and reviewed) in one sitting.
Objects are matched against the words of an API name after its verb
(`deleteImageStore` -> "image store"), first match wins, so specific patterns
come before general ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from cloudstack_mcp.severity import Severity as Sev

__all__ = ["NAMESPACES", "OBJECTS", "OVERRIDES", "VERBS", "Obj", "Verb", "find_object"]


@dataclass(frozen=True, slots=True)
class Obj:
    """What an API acts on."""

    category: str
    scope: str  # resource | vm | network | project | account | domain | host | cluster | pod | zone | cloud
    tier: int  # severity of losing it (1 low .. 4 critical)
    outage: int  # severity of stopping, disabling, moving or resizing it
    contents: str  # what is lost when it is deleted
    dependents: str  # what is interrupted when it stops or changes


@dataclass(frozen=True, slots=True)
class Verb:
    """What an API's verb does; `effect` selects the severity rule in policy.py."""

    effect: str
    phrase: str  # present tense, for warnings ("Deletes", "Stops")


# effect -> rule (see policy._severity):
#   read      reads only                       destroy   removes the object (severity = object tier)
#   unlink    removes X from Y                 release   gives a resource back (IP lost / dedication ends)
#   revoke    revokes a rule or certificate    reset     replaces a credential or setting
#   rollback  overwrites current state         interrupt stops/reboots (severity = object outage)
#   maintain  maintenance/shutdown             suspend   disables/locks (outage)
#   resize    changes size/offering (outage)   move      migrates/moves (outage)
#   update    changes attributes               dedicate  reserves for one owner
#   create    adds something new               cancel    cancels a pending state
VERBS: dict[str, Verb] = {
    # read
    "list": Verb("read", "Lists"),
    "get": Verb("read", "Reads"),
    "query": Verb("read", "Reads"),
    "find": Verb("read", "Finds"),
    "search": Verb("read", "Searches"),
    "is": Verb("read", "Checks"),
    # remove
    "delete": Verb("destroy", "Deletes"),
    "destroy": Verb("destroy", "Destroys"),
    "expunge": Verb("destroy", "Expunges"),
    "purge": Verb("destroy", "Purges"),
    "remove": Verb("destroy", "Removes"),
    "detach": Verb("unlink", "Detaches"),
    "disassociate": Verb("release", "Releases"),
    "release": Verb("release", "Releases"),
    "revoke": Verb("revoke", "Revokes"),
    "reset": Verb("reset", "Resets"),
    "restore": Verb("rollback", "Restores"),
    "revert": Verb("rollback", "Reverts"),
    # interrupt
    "stop": Verb("interrupt", "Stops"),
    "reboot": Verb("interrupt", "Reboots"),
    "restart": Verb("interrupt", "Restarts"),
    "reconnect": Verb("interrupt", "Reconnects"),
    "prepare": Verb("maintain", "Prepares"),
    "trigger": Verb("maintain", "Triggers"),
    "declare": Verb("maintain", "Declares"),
    "disable": Verb("suspend", "Disables"),
    "lock": Verb("suspend", "Locks"),
    "suspend": Verb("suspend", "Suspends"),
    "unmanage": Verb("suspend", "Unmanages"),
    "migrate": Verb("move", "Migrates"),
    "move": Verb("move", "Moves"),
    "assign": Verb("create", "Assigns"),
    "scale": Verb("resize", "Scales"),
    "change": Verb("resize", "Changes"),
    "upgrade": Verb("resize", "Upgrades"),
    "resize": Verb("resize", "Resizes"),
    "patch": Verb("resize", "Patches"),
    "dedicate": Verb("dedicate", "Dedicates"),
    "cancel": Verb("cancel", "Cancels"),
    # change
    "update": Verb("update", "Updates"),
    "configure": Verb("update", "Configures"),
    "config": Verb("update", "Configures"),
    "replace": Verb("update", "Replaces"),
    "mark": Verb("update", "Marks"),
    "link": Verb("update", "Links"),
    "sync": Verb("update", "Synchronises"),
    "synchronize": Verb("update", "Synchronises"),
    "apply": Verb("update", "Applies"),
    "setup": Verb("update", "Sets up"),
    "execute": Verb("update", "Executes"),
    "archive": Verb("update", "Archives"),
    "clean": Verb("update", "Cleans"),
    "cleanup": Verb("update", "Cleans up"),
    # create / harmless actions
    "create": Verb("create", "Creates"),
    "add": Verb("create", "Adds"),
    "deploy": Verb("create", "Deploys"),
    "register": Verb("create", "Registers"),
    "import": Verb("create", "Imports"),
    "upload": Verb("create", "Uploads"),
    "copy": Verb("create", "Copies"),
    "associate": Verb("create", "Acquires"),
    "acquire": Verb("create", "Acquires"),
    "reserve": Verb("create", "Reserves"),
    "attach": Verb("create", "Attaches"),
    "authorize": Verb("create", "Authorizes"),
    "enable": Verb("create", "Enables"),
    "start": Verb("create", "Starts"),
    "recover": Verb("create", "Recovers"),
    "activate": Verb("create", "Activates"),
    "issue": Verb("create", "Issues"),
    "provision": Verb("create", "Provisions"),
    "generate": Verb("create", "Generates"),
    "extract": Verb("create", "Creates a download link for"),
    "download": Verb("create", "Creates a download link for"),
    "run": Verb("create", "Runs"),
    "notify": Verb("create", "Notifies"),
    "check": Verb("create", "Checks"),
    "validate": Verb("create", "Validates"),
    "verify": Verb("create", "Verifies"),
    "login": Verb("create", "Logs in"),
    "logout": Verb("create", "Logs out"),
    "oauthlogin": Verb("create", "Logs in"),
    "forgot": Verb("create", "Requests a reset of"),
}

# Prefixes that name a plugin rather than an action: the verb follows or ends the name
# (quotaTariffDelete, ldapRemove, cloudianSsoLogin).
NAMESPACES = frozenset({"quota", "ldap", "cloudian", "saml"})

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


# Where the rules are wrong or not enough: API name -> fields to set (severity as Sev, kind, reversible, warning).
OVERRIDES: dict[str, dict[str, object]] = {
    # reads that hand out secrets: not state-changing, but each answer carries a credential.
    "getUserKeys": {"severity": _H, "warning": "Reveals the API key and secret key of a user."},
    "getVMPassword": {"severity": _M, "warning": "Reveals the (encrypted) password of a VM."},
    "getKubernetesClusterConfig": {
        "severity": _M,
        "warning": "Reveals the kubeconfig (cluster admin credentials) of a Kubernetes cluster.",
    },
    "getUser": {"severity": _L, "warning": "Reads a user, including key material, by API key."},
    "listCaCertificate": {"severity": _L, "warning": "Reads the CA certificate."},
    # "get" APIs that create records or copy files.
    "getUploadParamsForIso": {
        "kind": "mutating",
        "severity": _L,
        "warning": "Creates an ISO entry and a signed upload URL.",
    },
    "getUploadParamsForTemplate": {
        "kind": "mutating",
        "severity": _L,
        "warning": "Creates a template entry and a signed upload URL.",
    },
    "getUploadParamsForVolume": {
        "kind": "mutating",
        "severity": _L,
        "warning": "Creates a volume entry and a signed upload URL.",
    },
    "getDiagnosticsData": {
        "kind": "mutating",
        "severity": _L,
        "warning": "Collects files from a system VM into an archive on secondary storage.",
    },
    "getRouterHealthCheckResults": {"severity": _L, "warning": "May run fresh health checks on a virtual router."},
    # quota plugin nouns
    "quotaBalance": {"kind": "read"},
    "quotaStatement": {"kind": "read"},
    "quotaSummary": {"kind": "read"},
    "quotaCredits": {"severity": _M, "warning": "Adds or removes quota credits of an account (what it may spend)."},
    "quotaUpdate": {
        "severity": _L,
        "category": "quota and billing",
        "scope": "cloud",
        "warning": "Recalculates quota usage, alerts and statements.",
    },
    "samlSso": {"kind": "mutating", "severity": _L, "warning": "Starts a SAML single sign-on session."},
    "samlSlo": {"kind": "mutating", "severity": _L, "warning": "Logs the user out of every SAML session."},
    "readyForShutdown": {"kind": "read"},
    # credentials
    "registerUserKeys": {
        "kind": "destructive",
        "severity": _H,
        "reversible": False,
        "warning": "Generates new API and secret keys for a user: the user's current keys stop working at once "
        "(if it is the user this server signs with, the server loses access until reconfigured).",
    },
    "resetPassword": {"severity": _H, "warning": "Sets a new password for a user: the current one stops working."},
    "forgotPassword": {"severity": _L, "warning": "Emails a password reset token to a user."},
    "setupUserTwoFactorAuthentication": {
        "severity": _M,
        "warning": "Enables or disables two-factor authentication of a user (a new secret replaces the old).",
    },
    "updateHostPassword": {
        "severity": _H,
        "reversible": False,
        "warning": "Replaces the stored password of a host or host pool: a wrong value cuts the management server "
        "off from the host.",
    },
    "changeOutOfBandManagementPassword": {
        "severity": _H,
        "reversible": False,
        "warning": "Changes the password of a host's out-of-band (IPMI) interface.",
    },
    "resetPasswordForVirtualMachine": {"severity": _M, "warning": "Replaces the password of a (stopped) VM."},
    "resetSSHKeyForVirtualMachine": {"severity": _M, "warning": "Replaces the SSH keys of a (stopped) VM."},
    "resetUserDataForVirtualMachine": {"severity": _L, "reversible": True},
    "resetApiLimit": {"severity": _L, "reversible": True},
    "resetNetworkPermissions": {"severity": _M},
    "resetConfiguration": {"severity": _H},
    "resetVpnConnection": {
        "severity": _M,
        "reversible": True,
        "warning": "Resets a site-to-site VPN connection: traffic through the tunnel stops until it is re-established.",
    },
    # cloud-wide or infrastructure changes
    "updateConfiguration": {
        "severity": _H,
        "warning": "Changes a global, zone, cluster, domain, account or storage setting: every feature reading it "
        "behaves differently at once.",
    },
    "updateCloudToUseObjectStore": {"severity": _H},
    "triggerShutdown": {
        "severity": _C,
        "warning": "Shuts the management server down once running jobs finish: the API and UI go away.",
    },
    "prepareForShutdown": {"severity": _H, "warning": "Stops the management server from accepting new jobs."},
    "cancelShutdown": {"severity": _L},
    "prepareHostForMaintenance": {
        "severity": _H,
        "warning": "Puts a host into maintenance: every VM on it is live-migrated away (or stopped when it cannot be).",
    },
    "enableStorageMaintenance": {
        "kind": "mutating",
        "severity": _H,
        "warning": "Puts primary storage into maintenance: every VM with a disk on it is stopped (system VMs are "
        "restarted elsewhere).",
    },
    "startRollingMaintenance": {
        "severity": _H,
        "warning": "Puts hosts into maintenance one after another (VMs are migrated; with forced=true, failures are "
        "skipped).",
    },
    "declareHostAsDegraded": {"severity": _H, "warning": "Marks a host degraded: HA restarts its VMs elsewhere."},
    "cancelHostAsDegraded": {"severity": _L},
    "cancelHostMaintenance": {"severity": _L},
    "cancelStorageMaintenance": {"severity": _L},
    "reconnectHost": {"severity": _M, "warning": "Reconnects a host's agent: management of its VMs pauses meanwhile."},
    "issueOutOfBandManagementPowerAction": {
        "severity": _H,
        "warning": "Sends a power action (on, off, cycle, reset, soft) to a host's IPMI interface: off, cycle and reset "
        "cut every VM on the host without warning.",
    },
    "executeClusterDrsPlan": {"severity": _M, "warning": "Live-migrates the VMs that the DRS plan moves."},
    "changeStoragePoolScope": {"severity": _H},
    "updateStorageCapabilities": {"severity": _L},
    "syncStoragePool": {"severity": _L},
    "upgradeRouterTemplate": {
        "severity": _H,
        "warning": "Reboots routers onto a newer template: network services of every VM behind them pause.",
    },
    "patchSystemVm": {"severity": _M},
    "migrateNetwork": {"severity": _H},
    "migrateVPC": {"severity": _H},
    "migrateSecondaryStorageData": {"severity": _H},
    "unmanageVirtualMachine": {
        "severity": _H,
        "reversible": False,
        "warning": "Removes a VM from CloudStack without touching it on the hypervisor: CloudStack forgets its "
        "history, usage, rules and IPs.",
    },
    "unmanageVolume": {"severity": _M},
    "purgeExpungedResources": {
        "severity": _H,
        "warning": "Deletes the database records of expunged resources: their history is gone for good.",
    },
    "removeRawUsageRecords": {"severity": _H, "warning": "Deletes raw usage records: billing for that period is lost."},
    "deleteEvents": {"severity": _M},
    "deleteAlerts": {"severity": _M},
    "cleanVMReservations": {"severity": _L},
    "runDiagnostics": {"severity": _L},
    "generateUsageRecords": {"severity": _L},
    # ownership and membership
    "assignVirtualMachine": {"severity": _M, "warning": "Moves a VM (and its volumes) to another account."},
    "assignVolume": {"severity": _M, "warning": "Moves a volume to another account."},
    "moveUser": {"severity": _M},
    "moveDomain": {"severity": _M},
    "moveNetworkAclItem": {"severity": _L},
    "deleteAccountFromProject": {"severity": _M},
    "deleteUserFromProject": {"severity": _M},
    "removeVirtualMachineFromBackupOffering": {
        "severity": _M,
        "warning": "Stops backups of a VM (with forced=true its existing backups are deleted too).",
    },
    "removeNicFromVirtualMachine": {"severity": _M},
    "restoreVolumeFromBackupAndAttachToVM": {"kind": "mutating", "severity": _M, "reversible": True},
    "detachIso": {"severity": _L},
    "removeAnnotation": {"severity": _L},
    # state changes of tenants
    "disableAccount": {
        "severity": _H,
        "warning": "Disables an account: all its VMs are stopped and its users cannot log in (lock=true only locks).",
    },
    "lockAccount": {"severity": _H},
    "suspendProject": {"severity": _H, "warning": "Suspends a project: all its VMs are stopped."},
    "disableUser": {"severity": _M},
    "lockUser": {"severity": _M},
    "disableRole": {"severity": _M},
    "disableStaticNat": {"severity": _M},
    "disableAutoScaleVmGroup": {"severity": _L},
    "updateUser": {"severity": _M},
    "updateAccount": {"severity": _M},
    "updateRole": {"severity": _M},
    "updateRolePermission": {"severity": _M},
    "updateProjectRolePermission": {"severity": _M},
    "updateNetwork": {
        "severity": _M,
        "warning": "Updates a network (may restart it: its VMs lose network services for a while).",
    },
    "updateVmNicIp": {"severity": _M},
    "updateResourceLimit": {"severity": _L},
    "updateResourceCount": {"severity": _L},
    "changeServiceForVirtualMachine": {"severity": _M},
    "scaleVirtualMachine": {"severity": _M},
    "archiveSnapshot": {"severity": _L},
    "authorizeSamlSso": {"severity": _M},
    "linkAccountToLdap": {"severity": _M},
    "linkDomainToLdap": {"severity": _M},
    "ldapConfig": {"severity": _M},
    "dedicatePublicIpRange": {"severity": _M},
    "dedicateGuestVlanRange": {"severity": _M},
    "releaseDedicatedGuestVlanRange": {"severity": _L, "reversible": True},
    "releasePublicIpRange": {"severity": _M, "reversible": True},
    "releasePodIpAddress": {"severity": _M},
    "releaseIpv4SubnetForZone": {"severity": _L, "reversible": True},
    "releaseASNumber": {"severity": _M},
    "disassociateIpAddress": {"severity": _H},
    "releaseIpAddress": {"severity": _H},
    "restartNetwork": {"severity": _M},
    "restartVPC": {"severity": _M},
    "deleteTrafficType": {"severity": _H},
    "removeQuarantinedIp": {
        "severity": _M,
        "warning": "Ends the quarantine of a public IP address: any account may acquire it again.",
    },
    "releaseBgpPeer": {"severity": _L, "reversible": True},
    "login": {"category": "session", "scope": "account", "warning": "Opens a session with a user's password."},
    "oauthlogin": {"category": "session", "scope": "account", "warning": "Opens a session with an OAuth code."},
    "logout": {"category": "session", "scope": "account", "warning": "Ends the current session."},
    "quotaConfigureEmail": {"category": "quota e-mail", "scope": "account"},
    "deleteBucket": {"severity": _M, "warning": "Deletes a bucket (only an empty bucket can be deleted)."},
    "replaceNetworkACLList": {"severity": _M},
    "quotaTariffUpdate": {"severity": _M},
    "prepareTemplate": {
        "kind": "mutating",
        "severity": _L,
        "reversible": True,
        "warning": "Copies a template onto primary storage ahead of deployments.",
    },
}
