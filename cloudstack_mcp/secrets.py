"""Secret masking: parameters and answer fields that carry secrets never leave in clear.

STUB (issue 4 fills it in): the interface below is fixed; the rules are not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["MASK", "is_secret_name", "mask_params", "mask_value"]

MASK = "********"
_NAMES = ("password", "secretkey", "secret", "apikey", "sessionkey", "privatekey", "accesskey", "token")


def is_secret_name(name: str) -> bool:
    low = name.lower()
    return any(part in low for part in _NAMES)


def mask_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of request parameters (flat CloudStack form or JSON arguments) with secret values masked."""
    return {k: (MASK if is_secret_name(k) else mask_value(v)) for k, v in params.items()}


def mask_value(value: Any) -> Any:
    """Recursively mask secret-named keys inside dicts/lists (answers, nested arguments)."""
    if isinstance(value, Mapping):
        return {k: (MASK if is_secret_name(str(k)) else mask_value(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    return value
