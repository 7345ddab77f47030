"""How a setting's text reads as a boolean or a list: one reading for config.py and config_http.py.

Kept apart so the two settings modules (config imports config_http) need not import each other.
"""

from __future__ import annotations

from typing import Any

from cloudstack_mcp.errors import ConfigError

__all__ = ["parse_bool", "split_list"]

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f", ""}


def parse_bool(value: Any, *, name: str) -> bool:
    """`true/false/yes/no/1/0/on/off` (any case) -> bool; anything else is a ConfigError naming `name`."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean: use true or false")


def split_list(value: Any) -> tuple[str, ...]:
    """A comma-separated string or a sequence -> tuple of stripped, non-empty items."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    return tuple(i.strip() for i in items if i.strip())
