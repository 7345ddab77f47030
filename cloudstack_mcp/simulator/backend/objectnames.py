"""The JSON keys CloudStack puts answers under: list item keys and single-object names.

A response object's name is set in the Java code (`setObjectName`), not declared in listApis.
Most follow the API's noun (`listZones` -> `zone`, `createNetwork` -> `network`); the tables
below hold the ones that do not, as observed on real servers (see PROTOCOL.md section 6).
"""

from __future__ import annotations

import re

from cloudstack_mcp.catalog.model import ApiSpec

__all__ = ["item_key", "noun_of", "object_name", "singular"]

# list API -> key of its item array, where it is not the API's noun in the singular.
_LIST_KEYS: dict[str, str] = {
    "listAsyncJobs": "asyncjobs",
    "listHostHAResources": "hostha",
    "listHostHAProviders": "haprovider",
    "listSecondaryStorageSelectors": "heuristics",
    "listIpv4SubnetsForZone": "zoneipv4subnet",
    "listIpv4SubnetsForGuestNetwork": "ipv4subnetforguestnetwork",
    "listVmwareDcVms": "unmanagedinstance",
    "listVmwareDcs": "VMwareDC",
    "listEgressFirewallRules": "firewallrule",
    "listRoutingFirewallRules": "firewallrule",
    "listLoadBalancerRuleInstances": "loadbalancerruleinstance",
    "listLBStickinessPolicies": "stickinesspolicies",
    "listLBHealthCheckPolicies": "healthcheckpolicies",
    "listHypervisorCapabilities": "hypervisorCapabilities",
    "listGuestNetworkIpv6Prefixes": "guestnetworkipv6prefix",
    "listASNRanges": "asnumberrange",
    "listBackupProviders": "providers",
    "listUserTwoFactorAuthenticatorProviders": "providers",
    "listNetworkIsolationMethods": "isolationmethod",
    "listSupportedNetworkServices": "networkservice",
    "listSystemVmsUsageHistory": "virtualmachine",
    "listTrafficTypeImplementors": "traffictypeimplementorresponse",
    "listManagementServersMetrics": "managementserver",
    "listAffinityGroupTypes": "affinityGroupType",
    "listDomainChildren": "domain",
    "listVMSnapshot": "vmSnapshot",
    "listStorageProviders": "dataStoreProvider",
    "listDeploymentPlanners": "deploymentPlanner",
    "listLdapConfigurations": "LdapConfiguration",
    "listLdapUsers": "LdapUser",
    "listRegisteredServicePackages": "registeredServicePackage",
    "listSwifts": "imagestore",
    "listSecondaryStagingStores": "imagestore",
    "listImageStoreObjects": "datastoreobject",
    "listStoragePoolObjects": "datastoreobject",
    "listObjectStoragePools": "objectstore",
    "listTemplateDirectDownloadCertificates": "directdownloadcertificate",
    "listCAProviders": "caprovider",
    "listQuarantinedIps": "quarantinedip",
    "listClusterDrsPlan": "drsplan",
    "listCapacity": "capacity",
    "listInfrastructure": "infrastructure",
}

# APIs answering with one object whose name is not derivable (non-list answers).
_OBJECT_KEYS: dict[str, str] = {
    "listCaCertificate": "cacertificates",
    "listUsageServerMetrics": "usageMetrics",
    "listDbMetrics": "dbMetrics",
    "listCapabilities": "capability",
    "createEgressFirewallRule": "firewallrule",
    "updateEgressFirewallRule": "firewallrule",
    "createLoadBalancerRule": "loadbalancer",
    "updateLoadBalancerRule": "loadbalancer",
    "createSSHKeyPair": "keypair",
    "registerSSHKeyPair": "keypair",
    "registerUserKeys": "userkeys",
    "getUserKeys": "userkeys",
    "addImageStoreS3": "imagestore",
    "addSwift": "imagestore",
    "addSecondaryStorage": "secondarystorage",
    "createSecondaryStagingStore": "secondarystorage",
    "registerIso": "iso",
    "updateIso": "iso",
    "copyIso": "iso",
    "attachIso": "virtualmachine",
    "detachIso": "virtualmachine",
    "enableStorageMaintenance": "storagepool",
    "cancelStorageMaintenance": "storagepool",
    "getVMPassword": "password",
    "createRoutingFirewallRule": "firewallrule",
    "updateRoutingFirewallRule": "firewallrule",
    "generateClusterDrsPlan": "drsplan",
    "executeClusterDrsPlan": "drsplan",
    "createIpv4SubnetForZone": "zoneipv4subnet",
    "updateIpv4SubnetForZone": "zoneipv4subnet",
    "dedicateIpv4SubnetForZone": "zoneipv4subnet",
    "releaseIpv4SubnetForZone": "zoneipv4subnet",
}

# Response class -> object name, for action APIs whose noun is not the object (`startRouter` is fine,
# `prepareHostForMaintenance` is not).
_CLASS_OBJECT: dict[str, str] = {
    "UserVmResponse": "virtualmachine",
    "VirtualMachineResponse": "virtualmachine",
    "DomainRouterResponse": "router",
    "IPAddressResponse": "ipaddress",
    "SSHKeyPairResponse": "keypair",
    "CreateSSHKeyPairResponse": "keypair",
    "LoadBalancerResponse": "loadbalancer",
    "FirewallResponse": "firewallrule",
    "AsyncJobResponse": "asyncjobs",
    "HostHAResponse": "hostha",
    "DataCenterIpv4SubnetResponse": "zoneipv4subnet",
    "SecondaryStorageHeuristicsResponse": "heuristics",
    "ClusterDrsPlanResponse": "drsplan",
    "VlanIpRangeResponse": "vlan",
    "NetworkACLResponse": "networkacllist",
    "NetworkACLItemResponse": "networkacl",
    "GuestOSResponse": "ostype",
    "GuestOSCategoryResponse": "oscategory",
    "VirtualRouterProviderResponse": "virtualrouterelement",
    "ProviderResponse": "networkserviceprovider",
    "DataCenterGuestIpv6PrefixResponse": "guestnetworkipv6prefix",
    "LBStickinessResponse": "stickinesspolicies",
    "LBHealthCheckResponse": "healthcheckpolicies",
    "HypervisorCapabilitiesResponse": "hypervisorCapabilities",
    "HostForMigrationResponse": "host",
    "ASNRangeResponse": "asnumberrange",
    "RegisterResponse": "userkeys",
    "DirectDownloadCertificateResponse": "directdownloadcertificate",
    "CAProviderResponse": "caprovider",
    "DataStoreObjectResponse": "datastoreobject",
    "ObjectStoreResponse": "objectstore",
    "UnmanagedInstanceResponse": "unmanagedinstance",
    "VmwareDatacenterResponse": "VMwareDC",
}

_SUFFIXES = ("Metrics", "UsageHistory")
_CREATE_VERBS = frozenset({"create", "add", "register", "deploy", "list", "update", "upload", "import"})
_VERB = re.compile(r"^[a-z]+")


def singular(word: str) -> str:
    """`Policies` -> `Policy`, `Addresses` -> `Address`, `Zones` -> `Zone`, `Capacity` unchanged."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("sses") or word.endswith("shes") or word.endswith("ches"):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def noun_of(api_name: str) -> str:
    """The thing an API acts on, as written in its name: `listVirtualMachinesMetrics` -> `VirtualMachines`."""
    noun = _VERB.sub("", api_name, count=1)
    for suffix in _SUFFIXES:
        if noun.endswith(suffix) and noun != suffix:
            noun = noun[: -len(suffix)]
    return noun or api_name


def item_key(api: ApiSpec) -> str:
    """Key of the item array in a list answer."""
    if api.name in _LIST_KEYS:
        return _LIST_KEYS[api.name]
    return singular(noun_of(api.name)).lower()


def object_name(api: ApiSpec, kind: str | None = None) -> str:
    """Key a single-object answer is wrapped in (`{"<envelope>": {"<object_name>": {...}}}`).

    `kind` is the response class of the object (e.g. `UserVmResponse`), when known.
    """
    if api.name in _OBJECT_KEYS:
        return _OBJECT_KEYS[api.name]
    if api.name in _LIST_KEYS:
        return _LIST_KEYS[api.name]
    kind = kind or api.response_object
    if kind in _CLASS_OBJECT:
        return _CLASS_OBJECT[kind]
    verb = _VERB.match(api.name)
    if not kind or kind == "SuccessResponse" or (verb and verb.group(0) in _CREATE_VERBS):
        return singular(noun_of(api.name)).lower()
    return kind.removesuffix("Response").lower()
