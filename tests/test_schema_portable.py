"""Listed schemas every client accepts: one JSON Schema form per map kind (no type unions), enums where
CloudStack has fixed values, descriptions that end at a sentence (not at "e.g")."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.config import Settings
from cloudstack_mcp.pipeline.guard import Guard
from cloudstack_mcp.tools.budget import compact_text
from cloudstack_mcp.tools.enums import enum_for
from cloudstack_mcp.tools.inventory import build_inventory
from cloudstack_mcp.tools.schema import Validator, controls_for, encode, input_schema, map_form, normalise
from tests.apidata import SPEC_418, SPEC_420, with_descriptions


def _nodes(schema: Any) -> list[dict[str, Any]]:
    """Every subschema (properties, items, additionalProperties, anyOf ...)."""
    out, todo = [], [schema]
    while todo:
        node = todo.pop()
        if not isinstance(node, dict):
            continue
        out.append(node)
        todo += list(node.get("properties", {}).values()) + list(node.get("anyOf", []))
        todo += [node[k] for k in ("items", "additionalProperties") if isinstance(node.get(k), dict)]
    return out


@pytest.mark.parametrize("spec", [SPEC_420, SPEC_418], ids=["4.20", "4.18"])
def test_no_listed_schema_has_a_type_union_or_an_untyped_node(spec: Any) -> None:
    catalog = Catalog.load(spec)
    settings = Settings(toolsets=("all",))
    for tool in build_inventory(catalog, settings, guard=Guard(settings)).listing().tools:
        for node in _nodes(tool.input_schema)[1:]:
            assert isinstance(node.get("type"), str), (tool.name, node)  # what Inspector's portability check wants


@with_descriptions()
def test_map_forms(cat420: Catalog) -> None:
    assert map_form(cat420["createTags"].param("tags")) == "pairs"
    assert map_form(cat420["createLBStickinessPolicy"].param("param")) == "pairs"
    assert map_form(cat420["scaleVirtualMachine"].param("details")) == "object"
    assert map_form(cat420["registerVnfTemplate"].param("vnfdetails")) == "object"
    for api, name in [("deployVirtualMachine", "iptonetworklist"), ("assignToLoadBalancerRule", "vmidipmap"),
                      ("migrateVirtualMachineWithVolume", "migrateto"), ("importRole", "rules")]:  # fmt: skip
        assert map_form(cat420[api].param(name)) == "records", name
    ip = input_schema(cat420["deployVirtualMachine"])["properties"]["iptonetworklist"]
    assert ip["type"] == "array" and ip["items"]["type"] == "object"
    assert {"ip", "networkid"} <= set(ip["items"]["properties"])
    tags = input_schema(cat420["createTags"])["properties"]["tags"]
    assert tags["type"] == "object" and tags["additionalProperties"] == {"type": "string"}


@with_descriptions()
def test_validation_still_takes_either_map_form(cat420: Catalog) -> None:
    api = cat420["deployVirtualMachine"]
    validator = Validator(api, controls_for(api))
    base = {"zoneid": "z", "serviceofferingid": "s", "templateid": "t"}
    record = {"ip": "10.0.0.5", "networkid": "n1"}
    for value in ([record], record):
        norm = normalise(api, {**base, "iptonetworklist": value}, controls_for(api))
        assert validator.problems(norm.arguments) == []
        assert encode(api, norm.arguments)["iptonetworklist[0].networkid"] == "n1"


def test_enums_where_cloudstack_has_fixed_values(cat420: Catalog) -> None:
    api = cat420["listTemplates"]
    prop = input_schema(api, controls=controls_for(api))["properties"]["templatefilter"]
    assert "executable" in prop["enum"] and "featured" in prop["enum"] and "community" in prop["enum"]
    validator = Validator(api, controls_for(api))
    norm = normalise(api, {"templatefilter": "Executable"}, controls_for(api))  # any case: the listed spelling
    assert norm.arguments["templatefilter"] == "executable" and validator.problems(norm.arguments) == []
    bad = normalise(api, {"templatefilter": "mine"}, controls_for(api))
    assert any("templatefilter" in p for p in validator.problems(bad.arguments))
    assert enum_for("listHosts", "resourcestate") and enum_for("listIsos", "isofilter")
    assert enum_for("listHosts", "hypervisor") is None  # open-ended: no enum


def test_descriptions_end_at_a_sentence_not_at_an_abbreviation() -> None:
    assert compact_text('tags as a map, e.g. {"env": "prod"}. More.') == 'tags as a map, e.g. {"env": "prod"}'
    assert compact_text("by fields (e.g. state, zone) or i.e. any. Next one.") == "by fields or i.e. any"
    sentence = "a first sentence that is longer than ninety characters but not very long, so it is kept whole here"
    assert compact_text(sentence + ". Then more.") == sentence


@with_descriptions()
def test_no_listed_description_ends_in_an_abbreviation(cat420: Catalog) -> None:
    settings = Settings(toolsets=("all",))
    listed = build_inventory(cat420, settings, guard=Guard(settings)).listing().tools
    ends = [(t.name, k, p["description"][-12:]) for t in listed for k, p in t.input_schema["properties"].items()
            if p.get("description", "").endswith(("e.g", "i.e", "e.g.", "i.e."))]  # fmt: skip
    assert ends == [], json.dumps(ends[:5])
