"""From an API's parameters to a tool's input JSON Schema, and from JSON arguments to CloudStack request params.

Three steps for every call, in this order:

- `normalise(api, arguments, controls)`: match names case-insensitively (CloudStack does),
  turn unambiguous strings into the declared type ("5" -> 5 for integers, "a,b" -> ["a", "b"]
  for lists), and separate the control arguments (`wait`, `fetch_all`, ...).
- `Validator.problems(arguments)`: jsonschema over a strict schema (the listed one plus
  lengths, ranges and date patterns): one line per bad field, naming what is expected.
- `encode(api, arguments)`: flat `name=value` strings as the server reads them: lists
  comma-separated, maps as `name[i].field=value`, booleans `true`/`false`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cloudstack_mcp.catalog.model import ApiSpec, ParamSpec
from cloudstack_mcp.safety.secrets import MASK, is_secret_name, mask_value
from cloudstack_mcp.tools.enums import canonical, enum_for

__all__ = [
    "CONTROL_ARGS",
    "MapStyle",
    "Validator",
    "controls_for",
    "encode",
    "input_schema",
    "map_form",
    "map_style",
    "normalise",
    "param_schema",
    "record_fields",
    "unique_params",
]

MapStyle = Literal["keyvalue", "namevalue", "fields"]

# Arguments the server itself reads; none is a CloudStack parameter name (checked over 4.18 and 4.20).
CONTROL_ARGS: dict[str, dict[str, Any]] = {
    "wait": {
        "type": "boolean",
        "description": "Wait for the async job to finish and return its result (default true); false returns the job id at once.",
    },
    "allow_duplicate": {
        "type": "boolean",
        "description": "Start it even if an identical call's job is still running (default false: held, with that job).",
    },
    "fetch_all": {
        "type": "boolean",
        "description": "Fetch every page (concurrently, capped; the answer says when the cap cut the list).",
    },
    "count_by": {
        "type": "array",
        "items": {"type": "string"},
        "minItems": 1,
        "maxItems": 2,
        "description": 'Count rows over every page by 1-2 fields (e.g. ["state"]) instead of listing them.',
    },
    "fields": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Columns to show in the text answer (the structured answer always has every field).",
    },
    "dry_run": {
        "type": "boolean",
        "description": "Show the request that would be sent, and send nothing.",
    },
    "confirm": {
        "type": "string",
        "description": "Confirmation phrase for a dangerous action, when the server asks for one.",
    },
}

_INT_RANGES = {
    "short": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
}
_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$"
_DATE_HINT = "yyyy-MM-dd, 'yyyy-MM-dd HH:mm:ss' or ISO 8601 with offset"
_SCALAR = ("string", "number", "integer", "boolean")


def map_style(param: ParamSpec) -> MapStyle:
    """How an object `{k: v}` given for a map parameter is sent (PROTOCOL.md section 4).

    `keyvalue`: `name[i].key=k&name[i].value=v`; `namevalue`: `name[i].name=k&name[i].value=v`;
    `fields`: `name[0].k=v` (field-as-key, merged by the server into one map).
    Read from the parameter's description; tags use key/value.
    """
    text = param.description.lower()
    if param.name.lower() == "tags" or re.search(r"\[\d+\]\.key=", text) or "(key/value pairs)" in text:
        return "keyvalue"
    if re.search(r"\[\d+\]\.name=", text) and ".value=" in text:
        return "namevalue"
    return "fields"


MapForm = Literal["pairs", "object", "records"]
_RECORD_FIELD = re.compile(r"\[\d+\]\.([A-Za-z][A-Za-z0-9_]*)=")


def record_fields(param: ParamSpec) -> list[str]:
    """The fields a map parameter's own example names (`iptonetworklist[0].ip=...` -> ip), in order."""
    found = dict.fromkeys(_RECORD_FIELD.findall(param.description))
    return [f for f in found if f.lower() not in ("key", "value", "name")]


def map_form(param: ParamSpec) -> MapForm:
    """The one JSON form a map parameter is listed with (validation also takes the other, see `param_schema`).

    `pairs`: an object {k: v} of key/value (or name/value) pairs (tags); `object`: one object whose
    fields the server merges into one map (details); `records`: a list of objects with the same fields
    (iptonetworklist, migrateto, rules): the parameter is named ...list/...map, or its example shows
    records of two or more fields.
    """
    if map_style(param) != "fields":
        return "pairs"
    name = param.name.lower()
    if name.endswith(("list", "map")) or (len(record_fields(param)) >= 2 and "detail" not in name):
        return "records"
    return "object"


def _map_schema(param: ParamSpec) -> tuple[dict[str, Any], str]:
    """The listed schema of a map parameter (one form, no type unions: every client takes it) and its note."""
    text = {"type": "string"}  # CloudStack reads every map value as text; numbers and booleans are accepted too
    form, name = map_form(param), param.name
    if form == "records":
        item: dict[str, Any] = {"type": "object"}
        if fields := record_fields(param):
            item["properties"] = {f: dict(text) for f in fields}
        item["additionalProperties"] = dict(text)
        return {"type": "array", "items": item}, f"list of objects, sent as {name}[i].field=value"
    schema = {"type": "object", "additionalProperties": dict(text)}
    if form == "object":
        return schema, f"object {{field: value}}, sent as {name}[0].field=value"
    first = "key" if map_style(param) == "keyvalue" else "name"
    return schema, f"object {{k: v}}, sent as {name}[i].{first}=k&{name}[i].value=v"


def param_schema(param: ParamSpec, *, strict: bool = False, api: str = "*") -> dict[str, Any]:
    """The JSON Schema of one parameter of `api`; `strict` adds the server's limits (length, range, date form)."""
    desc = param.description
    ptype = param.type
    schema: dict[str, Any]
    if ptype in _INT_RANGES:
        schema = {"type": "integer"}
        if strict:
            schema["minimum"], schema["maximum"] = _INT_RANGES[ptype]
    elif ptype in ("double", "float"):
        schema = {"type": "number"}
    elif ptype == "boolean":
        schema = {"type": "boolean"}
    elif ptype == "list":
        item: dict[str, Any] = {"type": "string"}
        if strict:
            item["pattern"] = "^[^,]*$"
        schema = {"type": "array", "items": item}
    elif ptype == "map" and strict:  # validation takes both forms, values of any scalar type
        schema = {
            "type": ["object", "array"],
            "items": {"type": "object", "additionalProperties": {"type": list(_SCALAR)}},
            "additionalProperties": {"type": list(_SCALAR)},
        }
    elif ptype == "map":
        schema, how = _map_schema(param)
        desc = f"{desc} ({how})" if desc else how
    elif ptype in ("date", "tzdate"):
        schema = {"type": "string"}
        if strict:
            schema["pattern"] = _DATE_PATTERN
        desc = f"{desc} ({_DATE_HINT})" if desc else _DATE_HINT
    else:  # string, uuid, object
        schema = {"type": "string"}
        if strict and ptype == "string":
            schema["maxLength"] = param.length
        if ptype == "string" and (choices := enum_for(api, param.name)):
            schema["enum"] = list(choices)
    if desc and not strict:
        schema["description"] = desc
    return schema


def unique_params(api: ApiSpec) -> list[ParamSpec]:
    """The parameters once each (some listApis answers repeat one); the one the server reads wins."""
    return [p for p in api.params if api.param(p.name) is p]


def controls_for(api: ApiSpec) -> tuple[str, ...]:
    """The control arguments a tool for `api` takes (the safety layer may add dry_run/confirm)."""
    names = []
    if api.isasync:
        names.append("wait")
    if api.param("page") is not None and api.param("pagesize") is not None:
        names += ["fetch_all", "count_by", "fields"]
    return tuple(names)


def input_schema(api: ApiSpec, *, controls: Iterable[str] = (), strict: bool = False) -> dict[str, Any]:
    """The tool input schema: one property per parameter, `required` as listApis says, plus `controls`."""
    params = unique_params(api)
    props: dict[str, Any] = {p.name: param_schema(p, strict=strict, api=api.name) for p in params}
    for name in controls:
        props[name] = {k: v for k, v in CONTROL_ARGS[name].items() if not (strict and k == "description")}
    schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    required = [p.name for p in params if p.required]
    if required:
        schema["required"] = required
    return schema


def _coerce(param: ParamSpec, value: Any) -> Any:
    """Unambiguous conversions from strings (CLI input, models that quote numbers); anything else unchanged."""
    ptype = param.type
    if isinstance(value, str):
        text = value.strip()
        if ptype in _INT_RANGES and re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        if ptype in ("double", "float"):
            try:
                return float(text)
            except ValueError:
                return value
        if ptype == "boolean" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if ptype == "list":
            if text.startswith("["):
                try:
                    return _coerce(param, json.loads(text))
                except ValueError:
                    pass
            return [t.strip() for t in text.split(",") if t.strip()]
        if ptype == "map" and text[:1] in "[{":
            try:
                return json.loads(text)
            except ValueError:
                return value
        return value
    if ptype == "list":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return [str(value)]
        if isinstance(value, list):
            return [str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in value]
    if ptype in ("string", "uuid", "object") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if ptype in _INT_RANGES and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True, slots=True)
class Normalised:
    arguments: dict[str, Any]  # API parameters, by their listApis names
    controls: dict[str, Any]  # control arguments
    problems: list[str]  # names that are unknown or given twice


def normalise(api: ApiSpec, arguments: Mapping[str, Any] | None, controls: Iterable[str]) -> Normalised:
    """Split and tidy raw tool arguments (see the module docstring); never raises."""
    allowed = {c.lower(): c for c in controls}
    args: dict[str, Any] = {}
    ctl: dict[str, Any] = {}
    problems: list[str] = []
    seen: dict[str, str] = {}
    for raw_name, value in (arguments or {}).items():
        name = str(raw_name)
        param = api.param(name)
        key = param.name if param else allowed.get(name.lower())
        if key is None:
            problems.append(_unknown(api, name, allowed.values()))
            continue
        if key in seen:
            problems.append(f"'{name}' and '{seen[key]}' name the same parameter: give it once")
            continue
        seen[key] = name
        if value is None:
            continue  # an explicit null means "not given"
        if param:
            args[key] = _coerce(param, value)
            if param.type == "string" and (choices := enum_for(api.name, key)):
                args[key] = canonical(choices, args[key])
        else:
            ctl[key] = value
    return Normalised(args, ctl, problems)


def _unknown(api: ApiSpec, name: str, controls: Iterable[str]) -> str:
    known = [p.name for p in unique_params(api)] + list(controls)
    close = difflib.get_close_matches(name.lower(), [k.lower() for k in known], n=1, cutoff=0.75)
    hint = f"; did you mean '{next(k for k in known if k.lower() == close[0])}'?" if close else ""
    listing = ", ".join(known[:40]) + (" ..." if len(known) > 40 else "") if known else "no parameters"
    return f"unknown parameter '{name}'{hint} ({api.name} takes: {listing})"


class Validator:
    """The strict schema of one API, compiled once; `problems()` lists every bad field."""

    def __init__(self, api: ApiSpec, controls: Iterable[str] = ()):
        self.api = api
        self.schema = input_schema(api, controls=controls, strict=True)
        from jsonschema import Draft202012Validator  # imported on first use: keeps start-up fast

        self._validator = Draft202012Validator(self.schema)

    def problems(self, arguments: Mapping[str, Any]) -> list[str]:
        out = []
        for error in sorted(self._validator.iter_errors(dict(arguments)), key=lambda e: list(e.absolute_path)):
            out.append(self._describe(error, arguments))
        for name, value in arguments.items():
            param = self.api.param(name)
            if param is not None and param.type == "map":
                out += _map_problems(param, value)
        return out

    def _secret_at(self, error: Any, arguments: Mapping[str, Any]) -> bool:
        """Whether the value at the error's path is (inside) a secret: a secret-named field on the way, or the
        value of a map entry whose key names one (never echoed back in a validation error)."""
        path = list(error.absolute_path)
        if any(isinstance(p, str) and is_secret_name(p, self.api) for p in path):
            return True
        node: Any = arguments
        for part in path[:-1]:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return False
        return isinstance(node, Mapping) and mask_value(node, self.api) != node

    def _describe(self, error: Any, arguments: Mapping[str, Any]) -> str:
        path = list(error.absolute_path)
        where = str(path[0]) if path else ""
        if error.validator == "required":
            missing = re.findall(r"'([^']+)' is a required property", error.message)
            name = missing[0] if missing else error.message
            param = self.api.param(name)
            what = _expected(param) if param else "a value"
            return f"missing required parameter '{name}' ({what})"
        if error.validator == "additionalProperties":
            return error.message
        param = self.api.param(where) if where else None
        sub = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[1:])
        got = (
            MASK
            if self._secret_at(error, arguments)
            else json.dumps(mask_value(error.instance, self.api), default=str)[:60]
        )
        if error.validator == "maxLength":
            return (
                f"'{where}' is {len(error.instance)} characters long; the server takes at most {error.validator_value}"
            )
        if error.validator == "pattern" and param is not None and param.type == "list":
            return f"'{where}{sub}' = {got}: list items cannot contain commas (the list is sent comma-separated)"
        expected = _expected(param) if param else str(error.schema.get("type", "a valid value"))
        if error.validator in ("minimum", "maximum"):
            return f"'{where}' = {got} is out of range for a {param.type if param else 'number'} parameter"
        return f"'{where}{sub}' = {got}: expected {expected}"


def _expected(param: ParamSpec) -> str:
    return {
        "short": "an integer",
        "integer": "an integer",
        "long": "an integer",
        "double": "a number",
        "float": "a number",
        "boolean": "true or false",
        "list": "a list of strings (JSON array, or one comma-separated string)",
        "map": "an object {key: value} or a list of objects",
        "date": f"a date: {_DATE_HINT}",
        "tzdate": f"a date: {_DATE_HINT}",
        "uuid": "an id (UUID string)",
    }.get(param.type, "a string")


def _map_problems(param: ParamSpec, value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue  # reported by the schema
        if not item and isinstance(value, list):
            out.append(f"'{param.name}[{i}]' is an empty object: give at least one field")
        for field in item:
            if not re.fullmatch(r"[^\[\]=&.]+", str(field)):
                out.append(f"'{param.name}' field name {str(field)!r} cannot contain '[', ']', '.', '=' or '&'")
    return out


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def encode(api: ApiSpec, arguments: Mapping[str, Any]) -> dict[str, str]:
    """Flat request parameters (name -> string) for validated, normalised arguments."""
    out: dict[str, str] = {}
    for name, value in arguments.items():
        param = api.param(name)
        if param is not None and param.type == "map":
            out.update(_encode_map(param, value))
        elif isinstance(value, list):
            out[name] = ",".join(_scalar(v) for v in value)
        else:
            out[name] = _scalar(value)
    return out


def _encode_map(param: ParamSpec, value: Any) -> dict[str, str]:
    name = param.name
    out: dict[str, str] = {}
    if isinstance(value, list):
        for i, item in enumerate(value):
            for field, v in item.items():
                out[f"{name}[{i}].{field}"] = _scalar(v)
        return out
    style = map_style(param)
    if style == "fields":
        for field, v in value.items():
            out[f"{name}[0].{field}"] = _scalar(v)
        return out
    first = "key" if style == "keyvalue" else "name"
    for i, (k, v) in enumerate(value.items()):
        out[f"{name}[{i}].{first}"] = str(k)
        out[f"{name}[{i}].value"] = _scalar(v)
    return out
