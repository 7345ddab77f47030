"""What each API of a spec works on: its entity kind, verb, variant, and the kind each uuid parameter names.

A *kind* is the name of the response class of an entity (`UserVmResponse`, `ZoneResponse`):
apis-meta.json gives it per API and per uuid parameter. A spec without that metadata (a live
server's listApis, the 4.18 dump) gets kinds inferred from API and parameter names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from cloudstack_mcp.catalog.model import ApiSpec, ParamSpec
from cloudstack_mcp.simulator.backend.objectnames import item_key, noun_of, object_name, singular

__all__ = ["ApiInfo", "SpecIndex", "canonical_noun", "verb_of"]

# Response classes that are not entities: answers built on the fly.
NOT_ENTITIES = frozenset(
    {
        "SuccessResponse",
        "ExceptionResponse",
        "ListResponse",
        "CustomResponse",
        "ApiDiscoveryResponse",
        "LoginCmdResponse",
        "LogoutCmdResponse",
    }
)

# Nouns (as in API names, singular, lower case) whose entity class is not `<Noun>Response`.
_NOUN_KIND: dict[str, str] = {
    "virtualmachine": "UserVmResponse",
    "vm": "UserVmResponse",
    "router": "DomainRouterResponse",
    "publicipaddress": "IPAddressResponse",
    "ipaddress": "IPAddressResponse",
    "publicip": "IPAddressResponse",
    "sshkeypair": "SSHKeyPairResponse",
    "iso": "TemplateResponse",
    "vmsnapshot": "VMSnapshotResponse",
    "networkacl": "NetworkACLItemResponse",
    "networkacllist": "NetworkACLResponse",
    "ostype": "GuestOSResponse",
    "oscategory": "GuestOSCategoryResponse",
    "firewallrule": "FirewallRuleResponse",
    "egressfirewallrule": "FirewallRuleResponse",
    "routingfirewallrule": "FirewallRuleResponse",
    "portforwardingrule": "FirewallRuleResponse",
    "loadbalancerrule": "FirewallRuleResponse",
    "lbstickinesspolicy": "LBStickinessResponse",
    "lbhealthcheckpolicy": "LBHealthCheckResponse",
    "vlaniprange": "VlanIpRangeResponse",
    "secondarystorageselector": "SecondaryStorageHeuristicsResponse",
    "ipv4subnetforzone": "DataCenterIpv4SubnetResponse",
    "hostharesource": "HostHAResponse",
    "asyncjob": "AsyncJobResponse",
    "job": "AsyncJobResponse",
    "swift": "ImageStoreResponse",
    "secondarystagingstore": "ImageStoreResponse",
    "secondarystorage": "ImageStoreResponse",
    "imagestores3": "ImageStoreResponse",
    "store": "ImageStoreResponse",
    "storage": "StoragePoolResponse",
    "storagepool": "StoragePoolResponse",
    "pool": "StoragePoolResponse",
    "clusterdrsplan": "ClusterDrsPlanResponse",
    "plan": "ClusterDrsPlanResponse",
    "virtualrouterelement": "VirtualRouterProviderResponse",
    "networkserviceprovider": "ProviderResponse",
    "nsp": "ProviderResponse",
    "systemvm": "SystemVmResponse",
    "guestnetworkipv6prefix": "DataCenterGuestIpv6PrefixResponse",
    "vmwaredc": "VmwareDatacenterResponse",
    "managementnetworkiprange": "PodResponse",
}

_VERB = re.compile(r"^[a-z]+")
# Answer classes that show rows of another entity (all rules live in one table, found by FirewallRuleResponse ids).
_KIND_ALIAS = {
    "VmMetricsResponse": "UserVmResponse",
    "FirewallResponse": "FirewallRuleResponse",
    "LoadBalancerResponse": "FirewallRuleResponse",
    "ApplicationLoadBalancerResponse": "FirewallRuleResponse",
}


def verb_of(api_name: str) -> str:
    m = _VERB.match(api_name)
    return m.group(0) if m else api_name


def canonical_noun(api_name: str) -> str:
    """`listPublicIpAddresses` -> `publicipaddress`; `addImageStoreS3` -> `imagestores3`."""
    return singular(noun_of(api_name)).lower()


@dataclass(slots=True)
class ApiInfo:
    """Facts about one API the engine and protocol layer need on every call (computed once)."""

    spec: ApiSpec
    verb: str
    noun: str
    kind: str | None
    envelope: str
    item_key: str
    object_name: str
    command_label: str  # the name in "Unable to execute API command <label> ..." texts
    param_kinds: dict[str, str | None] = field(default_factory=dict)  # lower param name -> kind
    roles: frozenset[str] = frozenset()


# The APIs whose command class is a BaseAsyncCreateCmd (4.20 source): their create() step runs before the
# job is queued, so what it refuses (a wrong size for a fixed-size offering, no network to deploy into,
# ...) answers the request itself with an error, not a failed job.
ASYNC_CREATE = frozenset(
    {
        "addGuestOs",
        "addGuestOsMapping",
        "addIpToNic",
        "addNetworkServiceProvider",
        "addTrafficType",
        "addVpnUser",
        "associateIpAddress",
        "createAffinityGroup",
        "createAutoScalePolicy",
        "createAutoScaleVmGroup",
        "createAutoScaleVmProfile",
        "createBackup",
        "createBucket",
        "createCondition",
        "createCounter",
        "createEgressFirewallRule",
        "createFirewallRule",
        "createGlobalLoadBalancerRule",
        "createInternalLoadBalancerElement",
        "createIpForwardingRule",
        "createIpv6FirewallRule",
        "createKubernetesCluster",
        "createLBHealthCheckPolicy",
        "createLBStickinessPolicy",
        "createLoadBalancer",
        "createLoadBalancerRule",
        "createNetworkACL",
        "createNetworkACLList",
        "createPhysicalNetwork",
        "createPortForwardingRule",
        "createPortableIpRange",
        "createPrivateGateway",
        "createProject",
        "createRemoteAccessVpn",
        "createRoutingFirewallRule",
        "createServiceInstance",
        "createSharedFileSystem",
        "createSnapshot",
        "createSnapshotFromVMSnapshot",
        "createStaticRoute",
        "createTemplate",
        "createVMSnapshot",
        "createVPC",
        "createVPCOffering",
        "createVirtualRouterElement",
        "createVolume",
        "createVpnConnection",
        "createVpnCustomerGateway",
        "createVpnGateway",
        "deployVirtualMachine",
        "deployVnfAppliance",
        "updateTungstenFabricLBHealthMonitor",
    }
)


def is_async_create(name: str) -> bool:
    """An API whose refusals come before its job (a BaseAsyncCreateCmd)."""
    return name in ASYNC_CREATE


# Role names as in @APICommand(authorized=...) and the accounts the simulator seeds.
ALL_ROLES = frozenset({"Admin", "ResourceAdmin", "DomainAdmin", "User"})
ADMIN_ONLY = frozenset({"Admin"})
DOMAIN_ADMINS = frozenset({"Admin", "DomainAdmin"})
# Without metadata: what the default Domain Admin role may also do (manage its domain's accounts).
_DOMAIN_ADMIN = re.compile(r"^(create|update|delete|disable|enable|lock)(Account|User)$|^(create|update|delete)Domain$")
# Words that make an API infrastructure-only when no role metadata says otherwise.
_ADMIN_WORDS = re.compile(
    r"Host|Cluster|Pod(?!s?$)|Pods|StoragePool|ImageStore|Secondary|Staging|Swift|Configuration|SystemVm|"
    r"Router|PhysicalNetwork|Vlan|Hypervisor|Region|Certificate|CaCertificate|CAProvider|Management|"
    r"Ucs|Nicira|Netscaler|F5|Srx|PaloAlto|BigSwitch|Brocade|Cisco|OpenDaylight|Tungsten|Nsx|GloboDns|"
    r"Baremetal|Ldap|Vmware|Alert|Capacity|Drs|HA(?:For|Resources|Providers)|OutOfBand|Degraded|"
    r"StorageNetwork|Ipv4SubnetForZone|Ipv4SubnetsForZone|GuestNetworkIpv6Prefix|Dedicate|Dedicated|"
    r"TrafficType|NetworkServiceProvider|NetworkDevice|Guest[Oo]s|Cloudian|SolidFire|Elastistor|Quota|"
    r"Usage|Infrastructure|Metrics|Db|Webhook(?:Filter)?s?Delivery|Zone(?!s$)|Zones(?=Metrics)|"
    r"ServiceOffering|DiskOffering|NetworkOffering|VPCOffering|Role|Account|Domain(?!Children)|(?<!Vpn)User(?!Data|Keys)"
)
_ADMIN_EXCEPTIONS = frozenset(
    {
        "listServiceOfferings",
        "listDiskOfferings",
        "listNetworkOfferings",
        "listVPCOfferings",
        "listZones",
        "listDomains",
        "listAccounts",
        "listUsers",
        "listRoles",
        "getUser",
        "listCapacity",
        "listRouters",
        "updateUser",
        "listProjectRoles",
        "listUserData",
        "registerUserKeys",
        "getUserKeys",
    }
)


def _roles(api: ApiSpec, command_class: str | None) -> frozenset[str]:
    if api.authorized:
        return frozenset(api.authorized) | ADMIN_ONLY
    if command_class:
        # Commands in the `user` packages are open to every role; `admin` ones to the root admin,
        # except the account management the default Domain Admin role allows in its domain.
        if ".command.user." in command_class:
            return ALL_ROLES
        return DOMAIN_ADMINS if _DOMAIN_ADMIN.match(api.name) else ADMIN_ONLY
    if api.name in _ADMIN_EXCEPTIONS or api.name in ("login", "logout"):
        return ALL_ROLES
    if _DOMAIN_ADMIN.match(api.name):
        return DOMAIN_ADMINS
    return ADMIN_ONLY if _ADMIN_WORDS.search(api.name) else ALL_ROLES


class SpecIndex:
    """Per-API facts for a whole catalog, plus the set of entity kinds it mentions."""

    def __init__(
        self,
        apis: Mapping[str, ApiSpec],
        command_classes: Mapping[str, list[str]] | None = None,
        fallback: Mapping[str, ApiSpec] | None = None,
    ):
        # `fallback` (the built-in API) supplies kinds for a spec without metadata, by API name.
        self._fallback = fallback or {}
        self.kinds: set[str] = set()
        self._stem: dict[str, str] = {}
        for api in apis.values():
            for k in [api.response_object, *(p.entity for p in api.params)]:
                if k and k not in NOT_ENTITIES:
                    self.kinds.add(k)
        self.kinds = {self.normal_kind(k) or k for k in self.kinds}
        for k in self.kinds:
            self._stem[k.removesuffix("Response").lower()] = k
        self.info: dict[str, ApiInfo] = {}
        self._lower: dict[str, str] = {}
        for api in apis.values():
            classes = (command_classes or {}).get(api.name) or []
            user_class = next((c for c in classes if ".command.user." in c), None)
            info = self._build(api, user_class or (classes[0] if classes else None))
            self.info[api.name] = info
            self._lower[api.name.lower()] = api.name
        # Variants: list APIs of a kind that show different subsets (`listTemplates`/`listIsos`).
        self.variants: dict[str, set[str]] = {}
        for info in self.info.values():
            if info.verb == "list" and info.kind:
                self.variants.setdefault(info.kind, set()).add(info.noun)
        self.primary: dict[str, str] = {k: self._primary(k, v) for k, v in self.variants.items()}
        # Response field names per kind (union over the APIs answering with it).
        self.fields: dict[str, frozenset[str]] = {}
        acc: dict[str, set[str]] = {}
        for info in self.info.values():
            if info.kind and info.spec.response:
                acc.setdefault(info.kind, set()).update(f.name for f in info.spec.response)
        self.fields = {k: frozenset(v) for k, v in acc.items()}

    def normal_kind(self, kind: str | None) -> str | None:
        """The entity kind an answer class shows: metrics answers show the plain entities, with figures."""
        if kind is None or kind in NOT_ENTITIES:
            return None
        if kind in _KIND_ALIAS:
            return _KIND_ALIAS[kind]
        if kind.endswith("MetricsResponse") and kind.replace("Metrics", "") in self.kinds:
            return kind.replace("Metrics", "")
        return kind

    def find(self, name: str) -> ApiInfo | None:
        real = name if name in self.info else self._lower.get(name.lower())
        return self.info.get(real) if real else None

    def kind_for_noun(self, noun: str) -> str | None:
        noun = noun.lower()
        if noun in _NOUN_KIND:
            return _NOUN_KIND[noun]
        if noun in self._stem:
            return self._stem[noun]
        return None

    def _primary(self, kind: str, nouns: set[str]) -> str:
        stem = kind.removesuffix("Response").lower()
        if stem in nouns:
            return stem
        for noun in nouns:
            if _NOUN_KIND.get(noun) == kind:
                return noun
        return min(nouns, key=lambda n: (len(n), n))

    def _build(self, api: ApiSpec, command_class: str | None) -> ApiInfo:
        verb = verb_of(api.name)
        noun = canonical_noun(api.name)
        raw_kind = api.response_object if api.response_object not in NOT_ENTITIES else None
        known = self._fallback.get(api.name)
        if api.response_object is None and known is not None:
            raw_kind = known.response_object if known.response_object not in NOT_ENTITIES else None
        elif api.response_object is None:
            raw_kind = self.kind_for_noun(noun) or self._guess_kind(noun)
        kind = self.normal_kind(raw_kind)
        if kind and kind not in NOT_ENTITIES:
            self.kinds.add(kind)
        envelope = api.envelope_key
        label = envelope[: -len("response")] if envelope.endswith("response") else api.name.lower()
        info = ApiInfo(
            spec=api,
            verb=verb,
            noun=noun,
            kind=kind,
            envelope=envelope,
            item_key=item_key(api),
            object_name=object_name(api, raw_kind),
            command_label=label,
            roles=_roles(api, command_class),
        )
        for p in api.params:
            if p.type == "uuid" or (p.type == "list" and p.collection_type == "uuid"):
                info.param_kinds[p.name.lower()] = self._param_kind(p, kind, api)
        return info

    def _guess_kind(self, noun: str) -> str | None:
        if not noun:
            return None
        return noun[:1].upper() + noun[1:] + "Response" if noun.isalpha() else None

    def _param_kind(self, p: ParamSpec, api_kind: str | None, api: ApiSpec) -> str | None:
        if p.entity and p.entity not in NOT_ENTITIES:
            return self.normal_kind(p.entity)
        if api.response_object is not None and p.entity is None and api.params and any(x.entity for x in api.params):
            return None  # metadata present and silent about this one: no kind
        known = self._fallback.get(api.name)
        twin = known.param(p.name) if known is not None else None
        if twin is not None and twin.entity:
            return self.normal_kind(twin.entity)
        name = p.name.lower()
        if name in ("id", "ids"):
            return api_kind
        stem = name.removesuffix("ids") if name.endswith("ids") else name.removesuffix("id")
        return self.kind_for_noun(stem)
