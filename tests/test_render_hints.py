"""Empty-list hints (render/hints.py) that fit the question asked, through render_answer and the pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from cloudstack_mcp.config import Settings
from cloudstack_mcp.render.answer import render_answer
from cloudstack_mcp.server.app import create_server, open_app
from tests.apidata import SPEC_420, catalog_of

CATALOG = catalog_of(SPEC_420)
EMPTY: dict = {}


def hint(api: str, **params: str) -> str:
    text = render_answer(CATALOG[api], EMPTY, params=params)
    assert text.startswith("count: 0 (") and text.endswith(")")
    return text


def test_no_filters_and_listall_says_there_are_none_yet() -> None:
    text = hint("listVirtualMachines", listall="true")
    assert "there are none yet" in text and "deployVirtualMachine creates one" in text
    assert "check the filters" not in text and "listall=true searches" not in text


def test_listall_is_suggested_only_when_not_given() -> None:
    assert "listall=true searches every account" in hint("listVolumes")
    assert "listall" not in hint("listVolumes", listall="true", name="x").split("found nothing: ")[1]


def test_the_hint_names_what_was_asked() -> None:
    assert "no such id" in hint("listVirtualMachines", id="1234", listall="true")
    assert "keyword=... matches part of a name" in hint("listNetworks", name="web", listall="true")
    assert "state=Stopped matched nothing" in hint("listVirtualMachines", state="Stopped", listall="true")
    assert "the list ends before it" in hint("listZones", page="3")
    assert "templatefilter=executable shows every one" in hint("listTemplates", templatefilter="self")


def test_an_api_without_listall_never_suggests_it() -> None:
    text = hint("listZones")
    assert "listall" not in text and "createZone creates one" in text


@pytest.mark.anyio
async def test_through_the_pipeline(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path, audit_log=None)  # the embedded simulator
    async with open_app(settings) as app, Client(create_server(app)) as client:
        result = await client.call_tool("list_virtual_machines", {"name": "nope", "listall": True})
        text = result.content[0].text  # type: ignore[union-attr]
        assert "name must match exactly" in text and "listall=true searches" not in text
