"""The context budget: compact listings keep what a model needs, and each profile's size is known."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mcp_types as types
import pytest

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.config import Settings
from cloudstack_mcp.pipeline.guard import Guard
from cloudstack_mcp.tools.budget import compact_text, compact_tool, listing_bytes
from cloudstack_mcp.tools.profiles import profile_sizes
from cloudstack_mcp.tools.toolsets import DEFAULT_PROFILE_APIS, PROFILES, TOOLSETS
from tests.apidata import ROOT, SPEC_420


def test_compact_text_keeps_the_first_sentence_and_allowed_values():
    text = (
        "list hosts by resource state. Resource state represents current state determined by admin of host, "
        "value can be one of [Enabled, Disabled, Maintenance]"
    )
    assert compact_text(text) == "list hosts by resource state; value can be one of [Enabled, Disabled, Maintenance]"
    assert compact_text("the ID of the zone (a long aside that says nothing more at all)") == "the ID of the zone"
    assert compact_text("true if the VM is HA (default false).") == "true if the VM is HA (default false)"
    long = "word " * 60
    assert len(compact_text(long)) <= 91 and compact_text(long).endswith("\u2026")
    assert compact_text("") == "" and compact_text("   ") == ""


def test_compact_tool_drops_only_what_describe_api_can_give_back():
    tool = types.Tool(
        name="list_hosts",
        title="List Hosts",
        description="Lists hosts. More prose that a model can fetch with describe_api.",
        input_schema={
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": "the name of the host"},
                "hypervisor": {"type": "string", "description": "hypervisor type of host: KVM, VMware"},
                "page": {"type": "integer"},
            },
            "required": ["name"],
            "additionalProperties": False,
        },
        annotations=types.ToolAnnotations(title="List Hosts", read_only_hint=True, open_world_hint=True),
    )
    small = compact_tool(tool)
    props = small.input_schema["properties"]
    assert "description" not in props["name"]  # it only repeated the parameter's and tool's words
    assert props["hypervisor"]["description"] == "hypervisor type of host: KVM, VMware"
    assert props["page"] == {"type": "integer"}
    assert small.input_schema["required"] == ["name"] and small.input_schema["additionalProperties"] is False
    assert small.description == "Lists hosts"
    assert small.annotations.read_only_hint is True
    assert small.annotations.title is None and small.annotations.open_world_hint is None  # MCP defaults
    assert listing_bytes([small]) < listing_bytes([tool])


def test_compaction_never_changes_names_types_or_required(cat420: Catalog):
    from cloudstack_mcp.tools.inventory import build_inventory

    settings = Settings(toolsets=("all",))
    inv = build_inventory(cat420, settings, guard=Guard(settings))
    for full in (t.to_mcp() for t in inv.tools.values()):
        small = compact_tool(full)
        assert small.name == full.name
        assert small.input_schema.get("required") == full.input_schema.get("required")
        assert set(small.input_schema["properties"]) == set(full.input_schema["properties"])
        for name, prop in small.input_schema["properties"].items():
            assert {k: v for k, v in prop.items() if k != "description"} == {
                k: v for k, v in full.input_schema["properties"][name].items() if k != "description"
            }


def test_profile_sizes_cover_every_toolset_and_the_default_fits(cat420: Catalog):
    settings = Settings()
    rows = {r.profile: r for r in profile_sizes(cat420, settings, guard=Guard(settings))}
    assert set(rows) == {*PROFILES, *TOOLSETS}
    assert rows["all"].apis == 864
    assert rows["default"].tools + 3 <= 40 and rows["default"].tokens <= 15_000
    assert all(r.bytes < rows["all"].bytes for p, r in rows.items() if p != "all")


@pytest.mark.slow  # sizes the listing of every profile of 4.20, twice in subprocesses
def test_tools_command_shows_profiles_and_listing_size(tmp_path: Path):
    env = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-m", "cloudstack_mcp", "tools", "--api-spec", str(SPEC_420), "--profiles", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    rows = {r["profile"]: r for r in map(json.loads, run.stdout.splitlines())}
    assert rows["default"]["tools"] <= 40 and rows["default"]["tokens"] <= 15_000
    assert rows["all"]["tools"] == 868 and rows["host"]["apis"] == 27
    plain = subprocess.run(
        [sys.executable, "-m", "cloudstack_mcp", "tools", "--api-spec", str(SPEC_420)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert plain.returncode == 0, plain.stderr
    assert "search_apis" in plain.stdout and "list_virtual_machines" in plain.stdout
    assert f"{len(DEFAULT_PROFILE_APIS) + 4} tools listed from 864 APIs" in plain.stderr and "tokens" in plain.stderr
