"""The client against a simulator that enforces 4.21+ `enforce.post.requests.and.timestamps`: changes
by POST, v3 signatures within 15 minutes by default, and clear messages when the server refuses."""

from __future__ import annotations

import contextlib

import pytest

from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.cloudstack.signing import expires_at
from cloudstack_mcp.config import Settings
from cloudstack_mcp.errors import ApiError
from cloudstack_mcp.simulator import Simulator
from tests.simulator_helpers import Signed

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def sim(sim: Simulator) -> Simulator:
    """The module's simulator (conftest), hardened: changes only by POST, v3 signatures with expiry."""
    with contextlib.closing(Signed(sim)) as admin:
        r = admin.post(
            "updateConfiguration",
            name="enforce.post.requests.and.timestamps",
            value="true",
            signatureVersion="3",
            expires=expires_at(60),
        )
    assert r.status_code == 200, r.text
    return sim


def settings(sim: Simulator, **kw: object) -> Settings:
    admin = sim.credentials["admin"]
    return Settings(endpoint=sim.endpoint, api_key=admin.api_key, secret_key=admin.secret_key, **kw)  # type: ignore[arg-type]


async def test_defaults_pass_changes_by_post_reads_by_get(sim: Simulator) -> None:
    async with CloudStackClient(settings(sim)) as client:
        await client.call("listZones", idempotent=True)
        assert sim.requests[-1].method == "GET"
        await client.call("createDomain", {"name": "hardened-ok"}, post=True)
        assert (sim.requests[-1].method, sim.requests[-1].status) == ("POST", 200)
        assert sim.requests[-1].params["signatureVersion"] == "3"


async def test_change_by_get_refused_with_what_to_do(sim: Simulator) -> None:
    async with CloudStackClient(settings(sim, method="get")) as client:
        with pytest.raises(ApiError) as err:
            await client.call("createDomain", {"name": "by-get"}, post=True)
    text = err.value.text
    assert err.value.code == 400
    assert "needs to be sent using POST" in text
    assert "enforce.post.requests.and.timestamps=true" in text and "method setting is get" in text


async def test_expiry_too_far_ahead_explained(sim: Simulator) -> None:
    async with CloudStackClient(settings(sim, expiration=3600)) as client:
        with pytest.raises(ApiError) as err:
            await client.call("listZones", idempotent=True)
    text = err.value.text
    assert err.value.code == 401
    assert "The API key and secret are right" in text
    assert "enforces timestamps" in text and "CLOUDSTACK_EXPIRATION" in text and "600 or less" in text


async def test_wrong_secret_still_says_check_the_keys(sim: Simulator) -> None:
    admin = sim.credentials["admin"]
    bad = Settings(endpoint=sim.endpoint, api_key=admin.api_key, secret_key="not-the-secret")
    async with CloudStackClient(bad) as client:
        with pytest.raises(ApiError) as err:
            await client.call("listZones", idempotent=True)
    assert "Check the API key and secret" in err.value.text
    assert "enforces timestamps" not in err.value.text


async def test_through_mcp_changes_go_by_post_and_pass(sim: Simulator, tmp_path) -> None:
    from mcp import Client

    from cloudstack_mcp.server.app import create_server, open_app

    s = settings(sim, cache_dir=tmp_path / "cache", toolsets=("all",), poll_interval=0.01, poll_max=0.05)
    async with open_app(s) as app, Client(create_server(app)) as client:
        created = await client.call_tool("create_domain", {"name": "via-mcp"})
        listed = await client.call_tool("list_domains", {"name": "via-mcp"})
    assert not created.is_error and not listed.is_error, created.content
    methods = {r.command: r.method for r in sim.requests if r.command in ("createDomain", "listDomains")}
    assert methods == {"createDomain": "POST", "listDomains": "GET"}
