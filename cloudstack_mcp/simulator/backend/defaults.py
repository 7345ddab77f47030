"""Field defaults per entity kind, so an entity made by the generic engine (or a plugin API the
simulator does not model) still has what the domain handlers read."""

from __future__ import annotations

from typing import Any

from cloudstack_mcp.simulator.backend.store import Entity

__all__ = ["apply_defaults"]

GB = 1024**3
_DEFAULTS: dict[str, dict[str, Any]] = {
    "HostResponse": {
        "type": "Routing",
        "state": "Up",
        "resourcestate": "Enabled",
        "hypervisor": "KVM",
        "hostha": {"haenable": False, "hastate": "Disabled"},
        "hosttags": "",
    },
    "UserVmResponse": {"state": "Stopped", "nic": [], "hypervisor": "KVM", "displayname": None},
    "VolumeResponse": {"type": "DATADISK", "state": "Ready", "size": 5 * GB},
    "StoragePoolResponse": {"state": "Up", "scope": "ZONE", "tags": ""},
    "ImageStoreResponse": {"providername": "NFS", "protocol": "nfs", "scope": "ZONE", "readonly": False},
    "TemplateResponse": {
        "isready": True,
        "format": "QCOW2",
        "templatetype": "USER",
        "ispublic": False,
        "isfeatured": False,
    },
    "SnapshotResponse": {
        "state": "BackedUp",
        "volumetype": "DATADISK",
        "locationtype": "SECONDARY",
        "revertable": True,
    },
    "VMSnapshotResponse": {"state": "Ready", "type": "Disk", "displayname": None},
    "NetworkResponse": {"state": "Allocated", "type": "Isolated", "cidr": "10.254.0.0/24", "netmask": "255.255.255.0"},
    "IPAddressResponse": {
        "state": "Allocated",
        "issourcenat": False,
        "isstaticnat": False,
        "ipaddress": "198.51.100.250",
    },
    "DomainRouterResponse": {"state": "Running", "role": "VIRTUAL_ROUTER"},
    "SystemVmResponse": {"state": "Running", "systemvmtype": "consoleproxy"},
    "ClusterResponse": {"allocationstate": "Enabled", "hypervisortype": "KVM"},
    "ZoneResponse": {"allocationstate": "Enabled", "networktype": "Advanced"},
    "PodResponse": {"allocationstate": "Enabled", "ipranges": [], "gateway": "10.0.48.1", "netmask": "255.255.255.0"},
    "AccountResponse": {"state": "enabled", "roletype": "User", "accounttype": 0, "domainpath": "ROOT"},
    "UserResponse": {"state": "enabled", "username": None},
    "FirewallRuleResponse": {"state": "Active", "_vms": []},
    "VpcResponse": {"state": "Enabled", "cidr": "10.100.0.0/16"},
    "DataCenterIpv4SubnetResponse": {"subnet": "10.30.0.0/16"},
    "SecondaryStorageHeuristicsResponse": {
        "type": "TEMPLATE",
        "heuristicrule": "secondaryStorages.filter(s => true)[0].id",
    },
    "DomainResponse": {"path": "ROOT/sample", "level": 1, "haschild": False},
}


def apply_defaults(kind: str, entity: Entity) -> Entity:
    """Fill the fields `kind` needs that `entity` lacks; None defaults mean "copy the name"."""
    for key, value in _DEFAULTS.get(kind, {}).items():
        if key not in entity:
            entity[key] = (
                entity.get("name") if value is None else (value.copy() if isinstance(value, (dict, list)) else value)
            )
    return entity
