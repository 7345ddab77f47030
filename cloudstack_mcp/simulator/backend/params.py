"""Request parameters as the server reads them: decoded, type-checked, uuids resolved (ParamProcessWorker)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from cloudstack_mcp.catalog.model import ParamSpec
from cloudstack_mcp.simulator.backend.errors import MALFORMED_PARAMETER, ApiError, param_error
from cloudstack_mcp.simulator.backend.kinds import ApiInfo

__all__ = ["MAX_PAGE_SIZE", "Args", "parse_date", "read_args"]

MAX_PAGE_SIZE = 500
# Parameters of the transport, not of any command.
TRANSPORT = frozenset({"command", "response", "apikey", "signature", "signatureversion", "expires", "sessionkey", "_"})

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_MAP_KEY = re.compile(r"^([^\[\]]+)\[(\d+)\]\.([^\[\]]+)$")
_INT_RANGES = {"integer": 2**31, "short": 2**15, "long": 2**63}
_JAVA_INT = re.compile(r"^[+-]?\d+$")
_JAVA_FLOAT = re.compile(r"^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$")
_DATE_TZ = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:'?Z'?)?(Z|[+-]\d{2}:?\d{2}(?::?\d{2})?)?$"
)
_DATE_PLAIN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$")

Resolver = Callable[[str | None, str], bool]  # (kind, id) -> exists


def is_uuid(value: str) -> bool:
    return bool(_UUID.match(value))


def _offset(text: str | None) -> timezone | None:
    if text is None:
        return None
    if text == "Z":
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_date(value: str, *, need_zone: bool = False) -> datetime | None:
    """A date in one of the forms the server accepts (DateUtil.parseTZDateString, then plain forms)."""
    m = _DATE_TZ.match(value.strip())
    if m:
        y, mo, d, h, mi, s, frac, zone = m.groups()
        has_z = zone is not None or "Z" in value[19:]
        tz = _offset(zone) if zone else (timezone.utc if has_z else None)
        if tz is None and need_zone:
            return None
        try:
            micro = int((frac or "0")[:6].ljust(6, "0"))
            return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, tzinfo=tz or timezone.utc)
        except ValueError:
            return None
    if need_zone:
        return None
    m = _DATE_PLAIN.match(value.strip())
    if m:
        y, mo, d, h, mi, s = m.groups()
        try:
            return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=timezone.utc)
        except ValueError:
            return None
    return None


class Args:
    """A command's parameters after decoding: lower-cased names to typed values."""

    __slots__ = ("raw", "values")

    def __init__(self, values: dict[str, Any], raw: Mapping[str, str]) -> None:
        self.values = values
        self.raw = raw

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        return default if value is None else str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        return default if value is None else bool(value)

    def map_pairs(self, name: str) -> dict[str, str]:
        """A map parameter in the key/value convention (`tags[0].key=a&tags[0].value=b`)."""
        out: dict[str, str] = {}
        for _, fields in sorted((self.values.get(name) or {}).items()):
            lowered = {k.lower(): v for k, v in fields.items()}
            if "key" in lowered:
                out[lowered["key"]] = lowered.get("value", "")
            elif "name" in lowered:
                out[lowered["name"]] = lowered.get("value", "")
        return out

    def map_merged(self, name: str) -> dict[str, str]:
        """A map parameter in the field-as-key convention (`details[0].cpuNumber=2`); also reads key/value pairs."""
        merged: dict[str, str] = {}
        for _, fields in sorted((self.values.get(name) or {}).items()):
            lowered = {k.lower() for k in fields}
            if lowered <= {"key", "value"} and "key" in lowered:
                pairs = {k.lower(): v for k, v in fields.items()}
                merged[pairs["key"]] = pairs.get("value", "")
            else:
                merged.update(fields)
        return merged


def _invalid(info: ApiInfo, value: str, name: str) -> ApiError:
    return param_error(
        f"Unable to execute API command {info.command_label} due to invalid value {value} for parameter {name}"
    )


def _bad_uuid(info: ApiInfo, value: str, name: str) -> ApiError:
    return param_error(
        f"Unable to execute API command {info.command_label} due to invalid value. Invalid parameter {name} "
        f"value={value} due to incorrect long value format, or entity does not exist or due to incorrect "
        "parameter annotation for the field in api cmd class."
    )


def _check_uuid(info: ApiInfo, p: ParamSpec, value: str, resolve: Resolver, strict: bool) -> str:
    if value == "-1":
        return value
    kind = info.param_kinds.get(p.name.lower())
    if not is_uuid(value):
        raise _bad_uuid(info, value, p.name)
    if resolve(kind, value):
        return value
    if kind is not None and not strict and resolve(None, value):
        return value  # no metadata: the kind was guessed from names, any existing entity will do
    raise _bad_uuid(info, value, p.name)


def _scalar(info: ApiInfo, p: ParamSpec, ptype: str, value: str, resolve: Resolver, strict: bool) -> Any:
    if ptype == "boolean":
        return value.strip().lower() == "true"
    if ptype in _INT_RANGES:
        if not _JAVA_INT.match(value):
            raise _invalid(info, value, p.name)
        number = int(value)
        bound = _INT_RANGES[ptype]
        if not -bound <= number < bound:
            raise _invalid(info, value, p.name)
        return number
    if ptype in ("float", "double"):
        if not _JAVA_FLOAT.match(value.strip()):
            raise _invalid(info, value, p.name)
        return float(value.strip().rstrip("fFdD").replace("Infinity", "inf"))
    if ptype in ("date", "tzdate"):
        parsed = parse_date(value)
        if parsed is None:
            raise param_error(
                f"Unable to parse date {value} for command {info.command_label}, "
                "please pass dates in the format mentioned in the api documentation"
            )
        return parsed
    if ptype == "uuid":
        return _check_uuid(info, p, value, resolve, strict)
    if len(value) > p.length:
        raise param_error(f"Value greater than max allowed length {p.length} for param: {p.name}")
    return value


def _decode_maps(raw: Mapping[str, str]) -> tuple[dict[str, str], dict[str, dict[int, dict[str, str]]]]:
    plain: dict[str, str] = {}
    maps: dict[str, dict[int, dict[str, str]]] = {}
    for name, value in raw.items():
        if "[" not in name and "]" not in name:
            plain.setdefault(name.lower(), value)
            continue
        m = _MAP_KEY.match(name)
        if not m:
            raise ApiError(
                MALFORMED_PARAMETER,
                f"Unable to decode parameter {name}; if specifying an object array, please use "
                "parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup",
            )
        base, index, field = m.group(1).lower(), int(m.group(2)), m.group(3)
        maps.setdefault(base, {}).setdefault(index, {}).setdefault(field, value)
    return plain, maps


def read_args(info: ApiInfo, raw: Mapping[str, str], resolve: Resolver) -> Args:
    """Decode and check a command's parameters; raise the ApiError the server would answer with."""
    plain, maps = _decode_maps(raw)
    strict = info.spec.response_object is not None
    values: dict[str, Any] = {}
    for p in info.spec.params:
        name = p.name.lower()
        if p.type == "map":
            if name in maps:
                values[name] = maps[name]
            elif p.required:
                raise param_error(
                    f"Unable to execute API command {info.command_label} due to missing parameter {p.name}"
                )
            continue
        value = plain.get(name)
        if value is None:
            if p.required:
                raise param_error(
                    f"Unable to execute API command {info.command_label} due to missing parameter {p.name}"
                )
            continue
        if (
            value == ""
            and p.type in ("integer", "long", "short", "float", "double", "uuid", "date", "list")
            and not p.required
        ):
            continue  # blank optional numbers/ids are ignored
        if p.type == "list":
            element = p.collection_type or "string"
            items = [t.strip() for t in value.split(",")]
            items = [t for t in items if t or element != "uuid"]
            values[name] = [_scalar(info, p, element, t, resolve, strict) for t in items]
        else:
            values[name] = _scalar(info, p, p.type, value, resolve, strict)
    _check_paging(info, values)
    return Args(values, raw)


def _check_paging(info: ApiInfo, values: dict[str, Any]) -> None:
    size = values.get("pagesize")
    if size is None or info.verb != "list":
        return
    if size > MAX_PAGE_SIZE:
        raise param_error(f"Page size can't exceed max allowed page size value: {MAX_PAGE_SIZE}")
    if size == -1 and values.get("page") is not None:
        raise param_error("Can't specify page parameter when pagesize is -1 (Unlimited)")
