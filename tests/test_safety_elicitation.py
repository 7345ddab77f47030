"""Confirmation through a real MCP client: elicitation (accept, decline, cancel; both protocol eras)
when the client declares it, the phrase flow when it does not."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import Client

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.server.app import create_server, open_app
from cloudstack_mcp.simulator import Simulator
from tests.apidata import SPEC_420
from tests.core_helpers import safety_settings, text, uuid_for

pytestmark = pytest.mark.anyio
ERAS = ["legacy", "auto"]  # handshake era (elicitation/create), 2026-07-28 (InputRequiredResult)


SIM_SPEC = SPEC_420


def commands(sim: Simulator, start: int) -> list[str]:
    return [r.command or "" for r in sim.requests[start:]]


class Answerer:
    """An elicitation callback that records what it was asked and answers as told."""

    def __init__(self, action: str, content: dict[str, Any] | None = None, type_phrase: bool = False):
        self.action, self.content, self.type_phrase = action, content, type_phrase
        self.asked: list[types.ElicitRequestFormParams] = []

    async def __call__(self, context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        assert isinstance(params, types.ElicitRequestFormParams)
        self.asked.append(params)
        content = self.content
        if self.type_phrase:
            content = {"phrase": re.search(r"Type exactly: (.+)", params.message).group(1)}  # type: ignore[union-attr]
        return types.ElicitResult(action=self.action, content=content if self.action == "accept" else None)


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize(
    ("action", "content", "goes"),
    [("accept", {"confirm": True}, True), ("accept", {"confirm": False}, False), ("decline", None, False),
     ("cancel", None, False)],
)  # fmt: skip
async def test_elicitation_answers(
    sim: Simulator, catalog: Catalog, tmp_path: Path, era: str, action: str, content: Any, goes: bool
) -> None:
    router = uuid_for(sim, catalog["stopRouter"], "id")
    answer = Answerer(action, content)
    async with (
        open_app(safety_settings(sim, tmp_path), catalog=catalog) as app,
        Client(create_server(app), mode=era, elicitation_callback=answer) as client,
    ):
        start = len(sim.requests)
        result = await client.call_tool("stop_router", {"id": router})
    assert len(answer.asked) == 1
    asked = answer.asked[0]
    assert router in asked.message and "HIGH" in asked.message and "DHCP" in asked.message
    assert asked.requested_schema["properties"]["confirm"]["type"] == "boolean"
    if goes:
        assert "stopRouter" in commands(sim, start), text(result)
        assert "nothing was sent" not in text(result)  # (the router may already be stopped: the answer can be an error)
    else:
        assert "stopRouter" not in commands(sim, start)
        assert result.is_error and "nothing was sent" in text(result)
        word = {"decline": "declined", "cancel": "cancelled"}.get(action, "declined")
        assert word in text(result)
    every = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    # A call that is sent has an intent record before it; the counts below are of the other records.
    records = [r for r in every if r["record"] != "intent"]
    assert len(every) - len(records) == (1 if goes else 0)
    if era == "auto":  # 2026-07-28: an InputRequiredResult first, then the retry carrying the answer
        assert [r["outcome"] for r in records][0] == "confirmation-required" and len(records) == 2
    else:  # handshake era: the server asked with elicitation/create during the one call
        assert len(records) == 1
    record = records[-1]
    assert record["api"] == "stopRouter"
    assert record["outcome"] in (("allowed", "failed") if goes else ("declined",))
    assert record["confirmation"].startswith("elicitation: ")


@pytest.mark.parametrize("era", ERAS)
async def test_critical_calls_ask_for_the_typed_phrase(
    sim: Simulator, catalog: Catalog, tmp_path: Path, era: str
) -> None:
    store = uuid_for(sim, catalog["deleteImageStore"], "id")
    wrong = Answerer("accept", {"phrase": "delete image store"})
    right = Answerer("accept", type_phrase=True)
    settings = safety_settings(sim, tmp_path)
    async with open_app(settings, catalog=catalog) as app:
        async with Client(create_server(app), mode=era, elicitation_callback=wrong) as client:
            start = len(sim.requests)
            result = await client.call_tool("delete_image_store", {"id": store})
            assert result.is_error and "did not match" in text(result)
            assert "deleteImageStore" not in commands(sim, start)
        async with Client(create_server(app), mode=era, elicitation_callback=right) as client:
            start = len(sim.requests)
            result = await client.call_tool("delete_image_store", {"id": store})
            assert "deleteImageStore" in commands(sim, start), text(result)
    assert right.asked[0].requested_schema["required"] == ["phrase"]
    assert "CRITICAL" in right.asked[0].message and store in right.asked[0].message


@pytest.mark.parametrize("era", ERAS)
async def test_phrase_flow_without_elicitation(sim: Simulator, catalog: Catalog, tmp_path: Path, era: str) -> None:
    network = uuid_for(sim, catalog["deleteNetwork"], "id")
    async with (
        open_app(safety_settings(sim, tmp_path), catalog=catalog) as app,
        Client(create_server(app), mode=era) as client,
    ):
        start = len(sim.requests)
        first = await client.call_tool("delete_network", {"id": network})
        assert not first.is_error and "NOT called" in text(first)
        phrase = first.structured_content["phrase"]
        assert phrase.startswith(f"delete network {network} #") and f'confirm: "{phrase}"' in text(first)
        assert "deleteNetwork" not in commands(sim, start)
        # the phrase does not carry over to another call
        other = await client.call_tool("delete_network", {"id": network, "forced": True, "confirm": phrase})
        assert not other.is_error and "does not match" in text(other)
        assert "deleteNetwork" not in commands(sim, start)
        # through call_api, any case of the name, the same phrase confirms the same call
        done = await client.call_tool(
            "call_api", {"name": "DELETENETWORK", "arguments": {"id": network, "confirm": phrase}}
        )
        assert "deleteNetwork" in commands(sim, start), text(done)
    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    lines = [r for r in lines if r["record"] != "intent"]
    assert [r["outcome"] for r in lines if r["api"] == "deleteNetwork"][-3:] == [
        "confirmation-required",
        "confirmation-required",
        "allowed" if not done.is_error else "failed",
    ]
    assert lines[-1]["confirmation"] == "phrase" and lines[-1]["via"] == "call_api"


async def test_deny_mode_with_a_client_that_cannot_ask(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    network = uuid_for(sim, catalog["deleteNetwork"], "id")
    async with (
        open_app(safety_settings(sim, tmp_path, confirm_mode="deny"), catalog=catalog) as app,
        Client(create_server(app)) as client,
    ):
        start = len(sim.requests)
        result = await client.call_tool("delete_network", {"id": network})
    assert result.is_error and "refused" in text(result) and "deleteNetwork" not in commands(sim, start)


async def test_tools_advertise_dry_run_and_confirm(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with (
        open_app(safety_settings(sim, tmp_path), catalog=catalog) as app,
        Client(create_server(app)) as client,
    ):
        tools = {t.name: t for t in (await client.list_tools()).tools}
    props = {name: set(t.input_schema.get("properties", {})) for name, t in tools.items()}
    assert {"dry_run", "confirm"} <= props["delete_image_store"]
    assert "dry_run" in props["create_network"] and "confirm" not in props["create_network"]
    assert "confirm" in props["stop_virtual_machine"]  # forced=true makes it high
    assert not ({"dry_run", "confirm"} & props["list_zones"])
