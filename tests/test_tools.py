"""The tool inventory over whole specs: counts, names, schemas, annotations, and the selection flags."""

from __future__ import annotations

import re

import mcp_types as types
import pytest

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.config import Settings
from cloudstack_mcp.errors import ConfigError
from cloudstack_mcp.pipeline.guard import Guard
from cloudstack_mcp.policy.classify import classify
from cloudstack_mcp.tools import toolsets
from cloudstack_mcp.tools.inventory import ToolDef, build_inventory, title_for
from tests.apidata import with_descriptions


def inventory(catalog: Catalog, **kw):
    settings = Settings(**kw)
    return build_inventory(catalog, settings, guard=Guard(settings))


@pytest.mark.parametrize(("spec", "count"), [("cat420", 864), ("cat418", 705)])
def test_every_api_is_a_tool(spec: str, count: int, request: pytest.FixtureRequest) -> None:
    catalog: Catalog = request.getfixturevalue(spec)
    inv = inventory(catalog, toolsets=("all",))
    assert len(inv) == count == len(catalog)
    assert {t.api.name for t in inv.tools.values()} == set(catalog)
    for tool in inv.tools.values():
        assert re.fullmatch(r"[a-z0-9_]{1,64}", tool.name), tool.name
        required = {p.name for p in tool.api.params if p.required}
        assert set(tool.input_schema.get("required", [])) == required
    listing = inv.listing()
    assert len({t.name for t in listing.tools}) == count


@with_descriptions("cat420")
def test_tool_shape(cat420: Catalog) -> None:
    inv = inventory(cat420, toolsets=("all",))
    vms = inv.get("list_virtual_machines")
    assert vms.api.name == "listVirtualMachines" and vms.description == cat420["listVirtualMachines"].description
    assert vms.annotations == {
        "title": "List Virtual Machines",
        "readOnlyHint": True,
        "destructiveHint": False,
        "idempotentHint": True,
        "openWorldHint": True,
    }
    assert vms.toolset == toolsets.category_for("listVirtualMachines")
    assert "fetch_all" in vms.input_schema["properties"]
    mcp_tool = vms.to_mcp()
    assert isinstance(mcp_tool, types.Tool) and mcp_tool.annotations.read_only_hint is True
    deploy = inv.get("deploy_virtual_machine")
    assert deploy.annotations["readOnlyHint"] is False and "wait" in deploy.input_schema["properties"]


def test_annotations_follow_policy(cat420: Catalog) -> None:
    inv = inventory(cat420, toolsets=("all",))
    for tool in inv.tools.values():
        policy = classify(tool.api)
        assert tool.annotations["readOnlyHint"] == policy.read_only
        assert tool.annotations["destructiveHint"] == (policy.kind == "destructive")
        assert tool.policy == policy


def test_titles() -> None:
    assert title_for("createVPCOffering") == "Create VPC Offering"
    assert title_for("listVirtualMachines") == "List Virtual Machines"
    assert title_for("addImageStoreS3") == "Add Image Store S3"


def test_default_profile(cat420: Catalog) -> None:
    inv = inventory(cat420)
    assert {t.api.name for t in inv.tools.values()} == set(toolsets.DEFAULT_PROFILE_APIS) & set(cat420)
    assert inv.tool_name_of("LISTZONES") == "list_zones"
    assert len(inv.api_names) == 864  # every API stays resolvable


def test_selection_flags(cat420: Catalog) -> None:
    only = inventory(cat420, tools=("list_zones", "listHosts", "*_ssh_key_pair*"))
    assert {t.name for t in only.tools.values()} >= {"list_zones", "list_hosts", "create_ssh_key_pair"}
    assert "list_virtual_machines" not in only
    both = inventory(cat420, toolsets=("default",), tools=("list_pods",))
    assert "list_pods" in both and "list_zones" in both
    excluded = inventory(cat420, toolsets=("all",), exclude_tools=("delete_*", "DestroyVirtualMachine"))
    assert not [t for t in excluded.tools if t.startswith("delete_")] and "destroy_virtual_machine" not in excluded
    ro = inventory(cat420, toolsets=("all",), read_only=True)
    assert ro.tools and all(t.annotations["readOnlyHint"] for t in ro.tools.values())
    assert "deploy_virtual_machine" not in ro and "list_zones" in ro
    some_set = next(iter(toolsets.TOOLSETS))
    by_set = inventory(cat420, toolsets=(some_set,))
    assert all(t.toolset == some_set for t in by_set.tools.values())


def test_unknown_toolset_is_an_error(cat420: Catalog) -> None:
    with pytest.raises(ConfigError, match="unknown toolset.*nosuchset.*use all, default"):
        inventory(cat420, toolsets=("nosuchset",))


def test_extra_tools_listed_and_excludable(cat420: Catalog) -> None:
    async def handler(arguments, ctx, request):  # pragma: no cover - not called here
        raise AssertionError

    extra = ToolDef(
        "search_apis",
        "Search",
        {"type": "object"},
        {"title": "Search", "readOnlyHint": True},
        "discovery",
        handler=handler,
    )
    settings = Settings(read_only=True)
    inv = build_inventory(cat420, settings, guard=Guard(settings), extras=[extra])
    assert inv.get("search_apis") is extra
    settings = Settings(exclude_tools=("search_*",))
    assert "search_apis" not in build_inventory(cat420, settings, extras=[extra])
    clash = ToolDef("list_zones", "x", {"type": "object"}, {}, "x", handler=handler)
    with pytest.raises(ValueError, match="clashes"):
        build_inventory(cat420, Settings(), extras=[clash])
