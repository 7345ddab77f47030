"""Safety policy for every API: read-only, mutating or destructive, with severity and a warning.

STUB (issue 4 fills it in): the interface below is fixed; the rules are not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Literal

from cloudstack_mcp.catalog import ApiSpec

__all__ = ["ApiPolicy", "Severity", "classify", "for_call"]

_READ_PREFIXES = ("list", "get", "query", "find", "is", "quota", "cloudian")


class Severity(IntEnum):
    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: use one of low, medium, high, critical") from None


@dataclass(frozen=True, slots=True)
class ApiPolicy:
    api: str
    kind: Literal["read", "mutating", "destructive"]
    severity: Severity = Severity.NONE
    category: str = ""  # what it acts on, e.g. "image store"
    reversible: bool = True
    scope: str = ""  # e.g. "vm", "account", "zone", "cloud"
    warning: str = ""

    @property
    def read_only(self) -> bool:
        return self.kind == "read"


def classify(api: ApiSpec) -> ApiPolicy:
    """The static policy of an API (no arguments known)."""
    if api.name.startswith(_READ_PREFIXES):
        return ApiPolicy(api.name, "read")
    return ApiPolicy(api.name, "mutating", Severity.LOW)


def for_call(api: ApiSpec, arguments: Mapping[str, Any]) -> ApiPolicy:
    """The policy of one call: may escalate with arguments (e.g. destroyVirtualMachine with expunge=true)."""
    return classify(api)
