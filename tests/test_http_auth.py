"""Authentication over streamable HTTP, through the SDK's client: every refusal (nothing reaches the
simulator), a valid token working, JWT checks against a loopback issuer's JWKS, start-up refusals."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

import cloudstack_mcp.server.auth as auth
from cloudstack_mcp.errors import ConfigError
from cloudstack_mcp.server.http import check_startup
from cloudstack_mcp.simulator import Simulator
from tests.core_helpers import isolated_env
from tests.http_helpers import Issuer, free_port, new_user, serving, settings_for, token_file

pytestmark = pytest.mark.anyio

READ, CHANGE = "cloudstack:read", "cloudstack:change"


SIM_JOB_SECONDS = 0.2  # the conftest `sim` fixture's async jobs


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    i = Issuer()
    yield i
    i.close()


@contextlib.asynccontextmanager
async def attempt(
    url: str, token: str | None = None, **headers: str
) -> AsyncIterator[tuple[list[httpx2.Response], Any]]:
    """An SDK client through an httpx client that records every response; yields (responses, client or error)."""
    seen: list[httpx2.Response] = []

    async def record(response: httpx2.Response) -> None:
        seen.append(response)

    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx2.AsyncClient(headers=headers, event_hooks={"response": [record]}, timeout=30) as http:
        try:
            async with Client(streamable_http_client(url + "/mcp", http_client=http)) as client:  # type: ignore[arg-type]
                yield seen, client
        except Exception as exc:  # the SDK client gives up on a refused request: what we want to see
            yield seen, exc


def _statuses(seen: list[httpx2.Response]) -> list[int]:
    return [r.status_code for r in seen if r.request.url.path == "/mcp"]


async def test_static_tokens_refusals_and_success(sim: Simulator, tmp_path: Path) -> None:
    port = free_port()
    tokens = token_file(
        tmp_path, alice=("tok-alice-0123456789", ["read", "change"]), reader=("tok-reader-0123", ["read"])
    )
    settings = settings_for(sim, tmp_path, port, auth_tokens=str(tokens), shared_cloudstack_user=True)
    async with serving(settings) as srv:
        url = srv["url"]
        before = len(sim.requests)
        for token in (None, "tok-wrong", "tok-alice-0123456789x"):  # none, wrong, almost right
            async with attempt(url, token) as (seen, outcome):
                assert isinstance(outcome, Exception)
                assert _statuses(seen)[0] == 401
                challenge = seen[0].headers["www-authenticate"]
                assert challenge.startswith("Bearer ") and f'scope="{READ} {CHANGE}"' in challenge
        async with attempt(url, "tok-alice-0123456789", Origin="http://evil.example") as (seen, outcome):
            assert isinstance(outcome, Exception) and _statuses(seen)[0] == 403
            assert "Origin" in seen[0].json()["error"]["message"]
        async with attempt(url.replace("127.0.0.1", "localhost"), "tok-alice-0123456789") as (seen, outcome):
            assert not isinstance(outcome, Exception)  # loopback names are allowed hosts
        async with attempt(url, "tok-alice-0123456789", Host="evil.example") as (seen, outcome):  # DNS rebinding
            assert isinstance(outcome, Exception) and _statuses(seen)[0] == 421
            assert seen[0].json()["error"]["message"].startswith("Host")
        async with attempt(url, "tok-reader-0123") as (seen, client):
            assert not isinstance(client, Exception)
            tools = {t.name for t in (await client.list_tools()).tools}
            assert "list_zones" in tools and "destroy_virtual_machine" not in tools  # a read-only listing
            for name, args in (
                ("destroy_virtual_machine", {"id": "x"}),
                ("call_api", {"name": "deleteZone", "arguments": {"id": "x"}}),
            ):
                with pytest.raises(Exception):  # noqa: B017 - the SDK raises on the HTTP refusal
                    await client.call_tool(name, args)
                refused = seen[-1]
                assert refused.status_code == 403
                assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
                assert f'scope="{CHANGE}"' in refused.headers["www-authenticate"]
        assert len(sim.requests) == before  # no refused request reached CloudStack
        async with attempt(url, "tok-alice-0123456789") as (seen, client):
            result = await client.call_tool("list_zones", {})
            assert not result.is_error and result.structured_content["zone"]
        assert len(sim.requests) > before
        sent = " ".join(str(r.params) for r in sim.requests)
        assert "tok-alice" not in sent and "Bearer" not in sent  # the bearer token is never passed on


async def test_jwt_tokens(sim: Simulator, issuer: Issuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    resource = f"http://127.0.0.1:{port}/mcp"
    settings = settings_for(
        sim, tmp_path, port, oauth_issuer=issuer.url, resource_url=resource, shared_cloudstack_user=True
    )
    async with serving(settings) as srv:
        url = srv["url"]
        async with httpx2.AsyncClient() as raw:  # Protected Resource Metadata (RFC 9728) where the challenge says
            r = await raw.post(url + "/mcp", json={})
            assert r.status_code == 401
            challenge = r.headers["www-authenticate"]
            meta_url = f"http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp"
            assert f'resource_metadata="{meta_url}"' in challenge and "scope=" in challenge
            meta = (await raw.get(meta_url)).json()
            assert meta["resource"] == resource and meta["authorization_servers"] == [issuer.url]
            assert set(meta["scopes_supported"]) == {READ, CHANGE}
        before = len(sim.requests)
        bad = {
            "expired": issuer.token("ann", aud=resource, ttl=-120),
            "other audience": issuer.token("ann", aud="http://127.0.0.1:1/mcp"),
            "no read scope": issuer.token("ann", aud=resource, scope="openid"),
            "unsigned": issuer.token("ann", aud=resource)[:-6] + "AAAAAA",
        }
        for why, token in bad.items():
            async with attempt(url, token) as (seen, outcome):
                assert isinstance(outcome, Exception), why
                assert _statuses(seen)[0] == (403 if why == "no read scope" else 401), why
        async with attempt(url, issuer.token("ann", aud=resource, scope=READ)) as (seen, client):
            with pytest.raises(Exception):  # noqa: B017
                await client.call_tool("call_api", {"name": "stopVirtualMachine", "arguments": {"id": "x"}})
            assert seen[-1].status_code == 403
        assert len(sim.requests) == before
        async with attempt(url, issuer.token("ann", aud=resource)) as (seen, client):
            result = await client.call_tool("list_zones", {})
            assert not result.is_error
        fetched = issuer.jwks_hits
        issuer.rotate()  # a new signing key: fetched again on its unknown kid, no restart
        monkeypatch.setattr(auth, "_JWKS_MIN_REFETCH", 0.0)  # the test does not wait 30 s
        async with attempt(url, issuer.token("ann", aud=resource)) as (seen, client):
            assert not isinstance(client, Exception)
            assert not (await client.call_tool("list_zones", {})).is_error
        assert issuer.jwks_hits == fetched + 1


def test_non_loopback_without_auth_refuses_to_start(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cloudstack_mcp", "serve", "--transport", "http", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=isolated_env(tmp_path, PATH=os.environ.get("PATH", "")),
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "without authentication" in proc.stderr and "--auth-tokens" in proc.stderr
    assert "built-in simulator" not in proc.stderr  # refused before anything started


def test_startup_checks(sim: Simulator, tmp_path: Path) -> None:
    tokens = token_file(tmp_path, a=("t" * 20, ["read"]))
    with pytest.raises(ConfigError, match="--allowed-hosts"):
        check_startup(
            settings_for(sim, tmp_path, 1, http_host="0.0.0.0", auth_tokens=str(tokens), shared_cloudstack_user=True)
        )
    with pytest.raises(ConfigError, match="--credentials"):
        check_startup(settings_for(sim, tmp_path, 1, auth_tokens=str(tokens)))
    check_startup(settings_for(sim, tmp_path, 1, http_host="0.0.0.0", auth_tokens=str(tokens),
                               shared_cloudstack_user=True, allowed_hosts="mcp.example.com"))  # fmt: skip
    loose = tmp_path / "loose.json"
    loose.write_text('{"a": {"api_key": "k", "secret_key": "s"}}')
    loose.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):  # refused at start-up, before anything runs
        check_startup(settings_for(sim, tmp_path, 1, auth_tokens=str(tokens), credentials=str(loose)))
    (tmp_path / "bad-tokens.json").write_text('{"tokens": [{"name": "x", "sha256": "short"}]}')
    with pytest.raises(ConfigError, match="sha256"):
        check_startup(settings_for(sim, tmp_path, 1, auth_tokens=str(tmp_path / "bad-tokens.json"),
                                   shared_cloudstack_user=True))  # fmt: skip
    with pytest.raises(ConfigError, match="--resource-url"):
        settings_for(sim, tmp_path, 1, oauth_issuer="https://id.example.com")


async def test_jwt_principal_claim_maps_to_its_cloudstack_user(sim: Simulator, issuer: Issuer, tmp_path: Path) -> None:
    own = new_user(sim, "ann-jwt")
    store = tmp_path / "credentials.json"
    store.write_text(json.dumps({"ann@example.org": {"api_key": own.api_key, "secret_key": own.secret_key}}))
    store.chmod(0o600)
    port = free_port()
    resource = f"http://127.0.0.1:{port}/mcp"
    settings = settings_for(sim, tmp_path, port, oauth_issuer=issuer.url, resource_url=resource,
                            oauth_principal_claim="email", credentials=str(store))  # fmt: skip
    async with serving(settings) as srv:
        token = issuer.token("f3a1-subject-id", aud=resource, email="ann@example.org")
        async with attempt(srv["url"], token) as (seen, client):
            networks = (await client.call_tool("list_networks", {})).structured_content["network"]
            assert [n["name"] for n in networks] == ["ann-jwt-net"]  # as her own CloudStack user
        stranger = issuer.token("0000-subject", aud=resource, email="eve@example.org")
        async with attempt(srv["url"], stranger) as (seen, outcome):
            assert isinstance(outcome, Exception) and 403 in _statuses(seen)  # no CloudStack user mapped
