"""Parameters with a fixed set of values in CloudStack, as JSON Schema enums.

listApis has no enums and apis-meta.json none either, so the sets come from this table: each one is
a Java enum or a fixed check in CloudStack's command classes (the parameter's own description names
the same values). Only sets the server itself enforces or matches exactly are listed; open-ended
ones (hypervisor names, states a list merely filters by, protocols that also take numbers) are not.
A value in another case is corrected to the listed one before validation (`canonical`), since
several of these are read case-insensitively by the server and models often write them in lower case.
"""

from __future__ import annotations

from typing import Any

__all__ = ["canonical", "enum_for"]

# fmt: off
_TEMPLATE_FILTERS = ("featured", "self", "selfexecutable", "shared", "sharedexecutable", "executable", "community", "all")

# (API name or "*", parameter name) -> values. "*" applies to every API that has the parameter.
_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("*", "templatefilter"): _TEMPLATE_FILTERS,  # TemplateFilter (listTemplates and friends)
    ("*", "isofilter"): _TEMPLATE_FILTERS,  # the same TemplateFilter for listIsos
    ("*", "resourcestate"): (
        "Enabled", "Disabled", "Unmanaged", "PrepareForMaintenance", "ErrorInMaintenance", "Maintenance", "Error",
    ),  # ResourceState
    ("*", "outofbandmanagementpowerstate"): ("On", "Off", "Unknown"),
    ("*", "intervaltype"): ("HOURLY", "DAILY", "WEEKLY", "MONTHLY"),  # DateUtil.IntervalType
    ("*", "provisioningtype"): ("thin", "sparse", "fat"),  # Storage.ProvisioningType
    ("*", "relationaloperator"): ("EQ", "GT", "LT", "GE", "LE"),  # autoscale conditions
    ("*", "userdatapolicy"): ("ALLOWOVERRIDE", "APPEND", "DENYOVERRIDE"),
    ("*", "annotationfilter"): ("self", "all"),
    ("*", "networkfilter"): ("account", "domain", "accountdomain", "shared", "all"),
    ("*", "ikeversion"): ("ike", "ikev1", "ikev2"),
    ("*", "acltype"): ("account", "domain"),
    ("createLBStickinessPolicy", "methodname"): ("LbCookie", "AppCookie", "SourceBased"),
    ("createNetworkOffering", "guestiptype"): ("Isolated", "Shared", "L2"),
    ("deployVirtualMachine", "keyboard"): (
        "de", "de-ch", "es", "fi", "fr", "fr-be", "fr-ch", "is", "it", "jp", "nl-be", "no", "pt", "uk", "us",
    ),
}
# fmt: on


def enum_for(api: str, param: str) -> tuple[str, ...] | None:
    """The fixed values of `param` of `api`, or None."""
    name = param.lower()
    return _ENUMS.get((api, name)) or _ENUMS.get(("*", name))


def canonical(values: tuple[str, ...], value: Any) -> Any:
    """`value` spelled as in `values` when it matches one ignoring case; anything else unchanged."""
    if isinstance(value, str) and value not in values:
        wanted = value.strip().lower()
        for choice in values:
            if choice.lower() == wanted:
                return choice
    return value
