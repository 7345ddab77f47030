"""Input schemas from listApis parameters, validation messages, and the wire encoding of arguments."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from cloudstack_mcp.catalog.model import ApiSpec, Catalog, ParamSpec
from cloudstack_mcp.tools.schema import (
    CONTROL_ARGS,
    Validator,
    controls_for,
    encode,
    input_schema,
    map_style,
    normalise,
    param_schema,
)
from tests.apidata import with_descriptions


def api_with(*params: ParamSpec, name: str = "doThing", isasync: bool = False) -> ApiSpec:
    return ApiSpec(name=name, params=params, isasync=isasync)


def check(api: ApiSpec, arguments: dict) -> tuple[dict[str, str], list[str]]:
    controls = controls_for(api)
    norm = normalise(api, arguments, controls)
    problems = norm.problems + Validator(api, controls).problems({**norm.arguments, **norm.controls})
    return (encode(api, norm.arguments) if not problems else {}), problems


@pytest.mark.parametrize(
    ("ptype", "expected"),
    [
        ("string", "string"),
        ("uuid", "string"),
        ("integer", "integer"),
        ("long", "integer"),
        ("short", "integer"),
        ("boolean", "boolean"),
        ("date", "string"),
        ("tzdate", "string"),
        ("double", "number"),
        ("float", "number"),
        ("list", "array"),
        ("map", "object"),  # one form per map kind, no type unions (issue 12; was ["object", "array"])
        ("object", "string"),
    ],
)
def test_every_param_type_has_a_schema(ptype: str, expected: object) -> None:
    schema = param_schema(ParamSpec("p", ptype, description="d"))
    assert schema["type"] == expected
    assert schema["description"].startswith("d")
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("spec", ["cat420", "cat418"])
def test_every_required_param_is_required_and_schemas_are_valid(spec: str, request: pytest.FixtureRequest) -> None:
    catalog: Catalog = request.getfixturevalue(spec)
    shapes: dict[str, dict] = {}
    for api in catalog.values():
        schema = input_schema(api, controls=controls_for(api))
        for prop in schema["properties"].values():  # check each distinct shape once (the metaschema is slow)
            shapes[json.dumps({k: v for k, v in prop.items() if k != "description"}, sort_keys=True)] = prop
        assert set(schema.get("required", [])) == {p.name for p in api.params if p.required}, api.name
        assert set(schema["properties"]) >= {p.name for p in api.params}
        assert schema["additionalProperties"] is False
    for shape in shapes.values():
        Draft202012Validator.check_schema(shape)


def test_control_arguments_never_clash_with_api_parameters(cat420: Catalog, cat418: Catalog) -> None:
    names = {p.name.lower() for c in (cat420, cat418) for a in c.values() for p in a.params}
    assert names.isdisjoint(CONTROL_ARGS)


def test_controls_by_api_kind(cat420: Catalog) -> None:
    assert controls_for(cat420["listVirtualMachines"]) == ("fetch_all", "count_by", "fields")
    assert controls_for(cat420["deployVirtualMachine"]) == ("wait",)
    assert controls_for(cat420["listCapabilities"]) == ()


@with_descriptions("cat420")
def test_map_conventions_from_descriptions(cat420: Catalog) -> None:
    assert map_style(cat420["createTags"].param("tags")) == "keyvalue"
    assert map_style(cat420["addImageStore"].param("details")) == "keyvalue"
    assert map_style(cat420["createLBStickinessPolicy"].param("param")) == "namevalue"
    assert map_style(cat420["scaleVirtualMachine"].param("details")) == "fields"
    assert map_style(cat420["registerTemplate"].param("details")) == "fields"


@with_descriptions("cat420")
def test_map_encoding_in_both_conventions(cat420: Catalog) -> None:
    params, problems = check(
        cat420["createTags"], {"resourceids": ["a", "b"], "resourcetype": "UserVm", "tags": {"env": "prod", "tier": 2}}
    )
    assert not problems
    assert params == {
        "resourceids": "a,b",
        "resourcetype": "UserVm",
        "tags[0].key": "env",
        "tags[0].value": "prod",
        "tags[1].key": "tier",
        "tags[1].value": "2",
    }
    params, _ = check(
        cat420["scaleVirtualMachine"],
        {"id": "v", "serviceofferingid": "o", "details": {"cpuNumber": 2, "memory": 1024}},
    )
    assert params["details[0].cpuNumber"] == "2" and params["details[0].memory"] == "1024"
    params, _ = check(
        cat420["createLBStickinessPolicy"],
        {"lbruleid": "r", "methodname": "LbCookie", "name": "s", "param": {"cookiename": "LB"}},
    )
    assert params["param[0].name"] == "cookiename" and params["param[0].value"] == "LB"
    rows = [{"ip": "10.0.0.5", "networkid": "n1"}, {"ip": "10.0.1.5", "networkid": "n2"}]
    params, _ = check(
        cat420["deployVirtualMachine"],
        {"zoneid": "z", "serviceofferingid": "s", "templateid": "t", "iptonetworklist": rows},
    )
    assert params["iptonetworklist[1].networkid"] == "n2" and params["iptonetworklist[0].ip"] == "10.0.0.5"


def test_scalars_lists_and_booleans(cat420: Catalog) -> None:
    params, problems = check(
        cat420["listVirtualMachines"],
        {"ids": ["a", "b"], "listall": True, "page": 2, "pagesize": 50.0, "fetch_all": False},
    )
    assert not problems
    assert params == {"ids": "a,b", "listall": "true", "page": "2", "pagesize": "50"}


def test_lenient_conversions_from_strings(cat420: Catalog) -> None:
    params, problems = check(
        cat420["listVirtualMachines"], {"IDS": "a, b", "ListAll": "TRUE", "PageSize": "10", "zoneid": None}
    )
    assert not problems
    assert params == {"ids": "a,b", "listall": "true", "pagesize": "10"}
    params, problems = check(
        cat420["createTags"], {"resourceids": '["x","y"]', "resourcetype": "UserVm", "tags": '{"a": "b"}'}
    )
    assert not problems and params["resourceids"] == "x,y" and params["tags[0].key"] == "a"


@pytest.mark.parametrize(
    ("api", "arguments", "needles"),
    [
        ("listVirtualMachines", {"zone": "x"}, ["unknown parameter 'zone'", "did you mean 'zoneid'?"]),
        ("listVirtualMachines", {"ids": "a", "IDs": "b"}, ["name the same parameter"]),
        ("listVirtualMachines", {"page": "two"}, ["'page' = \"two\": expected an integer"]),
        ("listVirtualMachines", {"listall": "maybe"}, ["'listall' = \"maybe\": expected true or false"]),
        ("listVirtualMachines", {"ids": ["a,b"]}, ["cannot contain commas"]),
        ("listVirtualMachines", {"pagesize": 2**40}, ["out of range for a integer"]),
        ("listVirtualMachines", {"fetch_all": "yes please"}, ["'fetch_all'"]),
        ("listVirtualMachines", {"tags": [1, 2]}, ["'tags[0]' = 1: expected an object"]),
        ("listVirtualMachines", {"tags": {"a": {"b": 1}}}, ["'tags.a'"]),
        ("listVirtualMachines", {"tags": [{}]}, ["empty object"]),
        ("listVirtualMachines", {"tags": {"a.b": "c"}}, ["cannot contain"]),
        (
            "deployVirtualMachine",
            {"zoneid": "z"},
            ["missing required parameter 'serviceofferingid'", "missing required parameter 'templateid'"],
        ),
        (
            "deployVirtualMachine",
            {"zoneid": "z", "serviceofferingid": "s", "templateid": "t", "name": "x" * 300},
            ["at most 255"],
        ),
        ("listEvents", {"startdate": "yesterday"}, ["a date: yyyy-MM-dd"]),
        (
            "deployVirtualMachine",
            {"zoneid": "z", "serviceofferingid": "s", "templateid": "t", "wait": "no"},
            ["'wait'"],
        ),
    ],
)
def test_bad_arguments_name_each_field(cat420: Catalog, api: str, arguments: dict, needles: list[str]) -> None:
    _, problems = check(cat420[api], arguments)
    text = "\n".join(problems)
    for needle in needles:
        assert needle in text, text


def test_dates_accepted(cat420: Catalog) -> None:
    for value in ("2024-01-31", "2024-01-31 10:00:00", "2024-01-31T10:00:00+0000", "2024-01-31T10:00:00.123456Z"):
        params, problems = check(cat420["listEvents"], {"startdate": value})
        assert not problems and params == {"startdate": value}


def test_duplicate_params_in_a_dump_listed_once(cat418: Catalog) -> None:
    api = cat418["getUploadParamsForIso"]
    schema = input_schema(api)
    assert sorted(schema["required"]) == sorted(set(schema["required"]))
    assert "zoneid" in schema["required"] and "name" in schema["required"]


_field = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_:]{0,8}", fullmatch=True)
_value = st.one_of(st.text(max_size=10), st.integers(-1000, 1000), st.booleans())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(_field, _value, min_size=1, max_size=4), min_size=1, max_size=4))
def test_list_of_objects_round_trips(rows: list[dict]) -> None:
    api = api_with(ParamSpec("details", "map"))
    params, problems = check(api, {"details": rows})
    assert not problems
    decoded: dict[int, dict[str, str]] = {}
    for name, value in params.items():
        m = re.fullmatch(r"details\[(\d+)\]\.(.+)", name)
        assert m, name
        decoded.setdefault(int(m.group(1)), {})[m.group(2)] = value
    expected = {
        i: {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in row.items()}
        for i, row in enumerate(rows)
    }
    assert decoded == expected


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(exclude_characters=",", exclude_categories=["Cs"]), min_size=1, max_size=8
        ).filter(str.strip),
        max_size=6,
    )
)
def test_list_encoding_round_trips(items: list[str]) -> None:
    api = api_with(ParamSpec("ids", "list"))
    params, problems = check(api, {"ids": items})
    assert not problems
    assert (params["ids"].split(",") if params["ids"] else []) == items
