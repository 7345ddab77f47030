"""One value as text: dates, sizes and job states made readable, everything else verbatim.

Rules: an id, name, state or address is never altered; a number gets a unit only
when the field's name or the API's own description says what it measures, and
a rounded size is marked with `~` so nobody mistakes it for the exact figure
(which stays in the structured content).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "EMPTY",
    "JOB_STATES",
    "cell",
    "format_bytes",
    "format_date",
    "format_scalar",
    "is_empty",
    "unit_for",
]

EMPTY = "-"
JOB_STATES = {0: "pending", 1: "succeeded", 2: "failed", 3: "cancelled"}

# CloudStack writes dates as yyyy-MM-dd'T'HH:mm:ssZ (e.g. 2021-10-04T09:24:38+0000).
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})$")
_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")

# Fields whose numbers are bytes / KiB / MiB / GiB when the API's description gives no unit.
_BYTE_FIELDS = frozenset(
    {
        "size",
        "virtualsize",
        "physicalsize",
        "disksizetotal",
        "disksizeallocated",
        "disksizeused",
        "memoryallocatedbytes",
        "memoryallocated",
        "memoryused",
        "receivedbytes",
        "sentbytes",
        "capacitybytes",
        "storagetotal",
        "storageused",
        "heapmemorytotal",
        "heapmemoryused",
        "bytesreceived",
        "bytessent",
    }
)
_VERBATIM = frozenset({"id", "name", "displayname", "uuid", "key", "value", "state"})
_MIB_FIELDS = frozenset({"memory", "minmemory", "maxmemory"})
_GIB_FIELDS = frozenset({"disksize", "rootdisksize", "customdiskofferingmaxsize", "customdiskofferingminsize"})
_COUNT_WORDS = re.compile(r"\bcount\b|\bnumber of\b|\biops\b|\brate\b", re.I)
_DESC_UNITS = (
    (re.compile(r"\bin bytes\b|\bbytes\b", re.I), "bytes"),
    (re.compile(r"\bKiB\b|\bin KB\b", re.I), "KiB"),
    (re.compile(r"\bMiB\b|\bin MB\b|\(in MB\)|\bMB\b", re.I), "MiB"),
    (re.compile(r"\bGiB\b|\bin GB\b|\(in GB\)|\bGB\b", re.I), "GiB"),
)


def unit_for(field: str, description: str = "") -> str | None:
    """What a numeric field measures ("bytes", "KiB", "MiB", "GiB") or None to show it as is."""
    if description:
        if _COUNT_WORDS.search(description):
            return None
        for pattern, unit in _DESC_UNITS:
            if pattern.search(description):
                return unit
    low = field.lower()
    if low in _BYTE_FIELDS:
        return "bytes"
    if low in _MIB_FIELDS:
        return "MiB"
    if low in _GIB_FIELDS:
        return "GiB"
    if "kbs" in low:
        return "KiB"
    return None


def format_bytes(value: float) -> str:
    """Bytes in binary units: `20 GiB`, `~1.15 GiB` (rounded), `512 B`."""
    if not math.isfinite(value) or value < 1024:
        return _number(value) + " B"
    scaled, i = float(value), 0
    while scaled >= 1024 and i < len(_UNITS) - 1:
        scaled /= 1024
        i += 1
    text = f"{scaled:.2f}".rstrip("0").rstrip(".")
    exact = float(text) * (1024**i) == value
    return f"{'' if exact else '~'}{text} {_UNITS[i]}"


def format_date(text: str) -> str | None:
    """`2021-10-04T09:24:38+0000` -> `2021-10-04 09:24:38 UTC`; None when not a CloudStack date."""
    m = _DATE.match(text)
    if not m:
        return None
    day, clock, zone = m.groups()
    zone = zone.replace(":", "")
    if zone in ("Z", "+0000", "-0000"):
        return f"{day} {clock} UTC"
    return f"{day} {clock} {zone[:3]}:{zone[3:]}"


_PLAIN = frozenset({int, float, bool})


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    kind = type(value)
    if kind is str:
        return not value
    if kind in _PLAIN:
        return False
    return value == "" or (isinstance(value, (list, tuple, Mapping)) and not value)


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def format_scalar(field: str, value: Any, description: str = "") -> str:
    """A scalar as readable text; units and dates only where they are certain."""
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return "true" if value else "false"
    low = field.lower()
    if low == "jobstatus" and isinstance(value, int) and value in JOB_STATES:
        return f"{JOB_STATES[value]} ({value})"
    if isinstance(value, (int, float)):
        unit = unit_for(field, description)
        if unit is None:
            return _number(value)
        if unit == "bytes":
            return format_bytes(value) if value >= 1024 else _number(value)
        if unit == "KiB":
            return format_bytes(value * 1024) if value >= 1024 else f"{_number(value)} KiB"
        return f"{_number(value)} {unit}"
    if isinstance(value, str):
        if low in _VERBATIM:
            return value
        return format_date(value) or value
    return str(value)


def cell(text: str | None) -> str:
    """A table cell: `-` for no value; a JSON string literal when the text is empty, `-` or holds a separator."""
    if text is None:
        return EMPTY
    if text in ("", EMPTY):
        return json.dumps(text)
    if "|" in text or "\n" in text or "\r" in text or text != text.strip():
        # A JSON string literal; `|` escaped so a row still splits on its separators.
        return json.dumps(text, ensure_ascii=False).replace("|", "\\u007c")
    return text
