"""Phrases nobody can forge or collide (issue 11): a keyed MAC under a server key kept in the state directory,
at least 64 bits, never over secret values; critical phrases a person types; --confirm-via and a client that
declines every elicitation at once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import Client

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.safety.confirm import Phrases, _canonical
from cloudstack_mcp.safety.phrase_key import load_key
from cloudstack_mcp.server.app import create_server, open_app
from cloudstack_mcp.simulator import Simulator
from tests.apidata import SPEC_420
from tests.core_helpers import safety_settings, text, uuid_for

pytestmark = pytest.mark.anyio
SIM_SPEC = SPEC_420
DESTROY_ARGS = {"id": "9b1d1c0e-0000-4000-8000-000000000001", "expunge": True}


def _unkeyed_phrase(api_name: str, arguments: dict[str, Any], action: str, target: str) -> str:
    """The phrase as anyone could compute it from public code before issue 11 (no server secret)."""
    canonical = json.dumps([api_name.lower(), sorted((k.lower(), v) for k, v in arguments.items())], sort_keys=True)
    return f"{action} {target} #{hashlib.sha256(canonical.encode()).hexdigest()[:6]}"


def test_the_key_file_is_made_once_with_mode_0600_and_shared(tmp_path: Path) -> None:
    path = tmp_path / "state" / "confirm.key"
    first = load_key(None, path)
    assert len(first) == 32 and load_key(None, path) == first  # made on first use, then read back
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
        path.chmod(0o644)  # loosened by hand: tightened again
        assert load_key(None, path) == first and path.stat().st_mode & 0o777 == 0o600
    assert load_key("x" * 40, path) == b"x" * 40  # the variable wins (instances that share no disk)
    assert load_key(None, tmp_path / "other.key") != first  # another install, another key


def test_codes_are_long_bound_to_non_secret_arguments_and_never_to_secrets(catalog: Catalog) -> None:
    phrases = Phrases(b"k" * 32)
    destroy = catalog["destroyVirtualMachine"]
    code = phrases.code(destroy, DESTROY_ARGS)
    assert re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", code)  # 16 base32 characters: 80 bits
    # the collision of the issue: an extra volumeids argument no longer keeps the phrase
    assert phrases.phrase(destroy, {**DESTROY_ARGS, "volumeids": ["d1eaf67"]}) != phrases.phrase(destroy, DESTROY_ARGS)
    update = catalog["updateUser"]
    user = {"id": "u-1", "password": "guess-one-1"}
    # a secret is left out of the MAC: a phrase confirms no guess of a password
    assert phrases.phrase(update, user) == phrases.phrase(update, {**user, "password": "guess-two-2"})
    assert phrases.phrase(update, user) != phrases.phrase(update, {**user, "firstname": "x"})
    assert "guess-one-1" not in phrases.phrase(update, user)
    assert Phrases(b"j" * 32).phrase(destroy, DESTROY_ARGS) != phrases.phrase(destroy, DESTROY_ARGS)


def _variation_codes(phrases: Phrases, catalog: Catalog, bits: int) -> tuple[str, int]:
    destroy = catalog["destroyVirtualMachine"]
    base = phrases.code(destroy, DESTROY_ARGS)
    same = sum(
        phrases.code(destroy, {**DESTROY_ARGS, "volumeids": [f"{i:07x}"]}) == base for i in range(2**bits)
    )  # fmt: skip
    return base, same


def test_a_bounded_search_of_argument_variations_finds_no_other_call_with_the_phrase(catalog: Catalog) -> None:
    assert _variation_codes(Phrases(b"k" * 32), catalog, 14)[1] == 0


@pytest.mark.slow
def test_a_search_over_2_to_the_24_argument_variations_finds_no_other_call_with_the_phrase(catalog: Catalog) -> None:
    """2^24 calls differing in one argument: none has the phrase code of the call without it.

    `Phrases.code` canonicalises each call as JSON before its MAC (~37 us), which makes 2^24 of them take
    ten minutes; the MAC itself is microseconds. So the search MACs the canonical bytes directly, with
    the variation spliced in, after checking on thousands of indexes (spread over the whole range) that
    this gives exactly the code `Phrases.code` gives.
    """
    key = b"k" * 32
    phrases = Phrases(key)
    destroy = catalog["destroyVirtualMachine"]
    marker = "zzzzzzz"  # 7 characters, as f"{i:07x}"; no canonical text contains it otherwise
    template = _canonical(destroy, {**DESTROY_ARGS, "volumeids": [marker]})
    head, tail = template.split(marker.encode())
    prefix = b"phrase\0" + head

    def fast_code(i: int) -> bytes:
        return hmac.digest(key, prefix + b"%07x" % i + tail, "sha256")[:10]

    def as_text(mac: bytes) -> str:
        text = base64.b32encode(mac).decode().lower()
        return "-".join(text[j : j + 4] for j in range(0, 16, 4))

    for i in range(0, 2**24, 2**24 // 4096):
        assert as_text(fast_code(i)) == phrases.code(destroy, {**DESTROY_ARGS, "volumeids": [f"{i:07x}"]})
    base = base64.b32decode(phrases.code(destroy, DESTROY_ARGS).replace("-", "").upper())
    same = sum(1 for i in range(2**24) if hmac.digest(key, prefix + b"%07x" % i + tail, "sha256")[:10] == base)
    assert same == 0


async def test_a_phrase_made_without_the_server_key_is_refused(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    network = uuid_for(sim, catalog["deleteNetwork"], "id")
    args = {"id": network}
    settings = safety_settings(sim, tmp_path, confirm_key_file=tmp_path / "server.key")
    async with open_app(settings, catalog=catalog) as app:
        start = len(sim.requests)
        asked = await app.pipeline.call_api("deleteNetwork", args)
        phrase = asked.structured_content["phrase"]
        forged = [
            _unkeyed_phrase("deleteNetwork", args, "delete network", network),
            Phrases(b"attacker-key-0123456789abcdef").phrase(catalog["deleteNetwork"], args),
            phrase.rsplit("#", 1)[0],  # the readable part alone
        ]
        for guess in forged:
            result = await app.pipeline.call_api("deleteNetwork", {**args, "confirm": guess})
            assert result.structured_content["confirmation_required"], guess
        assert "deleteNetwork" not in [r.command for r in sim.requests[start:]]
        await app.pipeline.call_api("deleteNetwork", {**args, "confirm": phrase})
        assert "deleteNetwork" in [r.command for r in sim.requests[start:]]


async def test_two_installs_give_different_phrases_one_key_file_the_same(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    args = {"id": uuid_for(sim, catalog["deleteNetwork"], "id")}
    phrases = []
    for key_file in ("a.key", "b.key", "a.key"):
        settings = safety_settings(sim, tmp_path, confirm_key_file=tmp_path / key_file)
        async with open_app(settings, catalog=catalog) as app:
            phrases.append((await app.pipeline.call_api("deleteNetwork", args)).structured_content["phrase"])
    assert phrases[0] != phrases[1] and phrases[0] == phrases[2]


class Answerer:
    def __init__(self, action: str = "decline", content: dict[str, Any] | None = None, typed: bool = False):
        self.action, self.content, self.typed = action, content, typed
        self.asked: list[str] = []

    async def __call__(self, context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        assert isinstance(params, types.ElicitRequestFormParams)
        self.asked.append(params.message)
        content = self.content
        if self.typed:
            content = {"phrase": re.search(r"Type exactly: (.+)", params.message).group(1)}  # type: ignore[union-attr]
        return types.ElicitResult(action=self.action, content=content if self.action == "accept" else None)


async def test_a_client_that_declines_at_once_is_told_how_to_switch(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    router = uuid_for(sim, catalog["stopRouter"], "id")
    declines = Answerer("decline")
    async with (
        open_app(safety_settings(sim, tmp_path), catalog=catalog) as app,
        Client(create_server(app), mode="legacy", elicitation_callback=declines) as client,
    ):
        result = await client.call_tool("stop_router", {"id": router})
    assert result.is_error and declines.asked
    assert "at once" in text(result) and "--confirm-via phrase" in text(result) and "nothing was sent" in text(result)
    assert result.structured_content["declined_at_once"] is True


async def test_confirm_via_phrase_never_elicits_and_via_elicitation_needs_a_client_that_asks(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    router = uuid_for(sim, catalog["stopRouter"], "id")
    declines = Answerer("decline")
    async with (
        open_app(safety_settings(sim, tmp_path, confirm_via="phrase"), catalog=catalog) as app,
        Client(create_server(app), mode="legacy", elicitation_callback=declines) as client,
    ):
        start = len(sim.requests)
        asked = await client.call_tool("stop_router", {"id": router})
        assert not declines.asked and asked.structured_content["confirmation_required"]
        phrase = asked.structured_content["phrase"]
        await client.call_tool("stop_router", {"id": router, "confirm": phrase})
        assert "stopRouter" in [r.command for r in sim.requests[start:]]
    async with (
        open_app(safety_settings(sim, tmp_path, confirm_via="elicitation"), catalog=catalog) as app,
        Client(create_server(app), mode="legacy") as client,  # declares no elicitation
    ):
        refused = await client.call_tool("stop_router", {"id": router})
    assert refused.is_error and "--confirm-via" in text(refused)


@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_critical_calls_ask_a_person_to_type_the_action_the_name_and_a_short_code(
    sim: Simulator, catalog: Catalog, tmp_path: Path, era: str
) -> None:
    zone = next(iter(sim.cloud.store.all("ZoneResponse")))
    right = Answerer("accept", typed=True)
    async with (
        open_app(safety_settings(sim, tmp_path), catalog=catalog) as app,
        Client(create_server(app), mode=era, elicitation_callback=right) as client,
    ):
        start = len(sim.requests)
        await client.call_tool("delete_zone", {"id": zone["id"]})
        asked = [r.command for r in sim.requests[start:]]
    typed = re.search(r"Type exactly: (.+)", right.asked[0]).group(1)  # type: ignore[union-attr]
    assert re.fullmatch(rf"delete zone {re.escape(zone['name'])} [a-z2-7]{{6}}", typed), typed
    assert "deleteZone" in asked  # the typed phrase confirmed it
