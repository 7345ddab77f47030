"""Toolsets: a category for every API, from rules over its name, and the default profile.

STUB (issue 5 fills it in): the interface below is fixed; the rules are not.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATCH_ALL", "DEFAULT_PROFILE_APIS", "TOOLSETS", "Toolset", "category_for"]

CATCH_ALL = "other"


@dataclass(frozen=True, slots=True)
class Toolset:
    id: str
    title: str
    description: str


TOOLSETS: dict[str, Toolset] = {CATCH_ALL: Toolset(CATCH_ALL, "Other", "APIs no other toolset claims")}

# API names listed as named tools in the default profile (besides the discovery tools).
DEFAULT_PROFILE_APIS: frozenset[str] = frozenset({"listZones", "listVirtualMachines"})


def category_for(api_name: str) -> str:
    """The toolset id of an API (never fails: unknown names go to the catch-all)."""
    return CATCH_ALL
