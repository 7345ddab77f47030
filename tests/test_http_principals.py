"""Each principal as their own CloudStack user; limits per principal; /metrics in Prometheus' format."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from cloudstack_mcp.errors import ConfigError
from cloudstack_mcp.simulator import Simulator
from tests.http_helpers import free_port, mcp_client, new_user, serving, settings_for, token_file
from tests.simulator_helpers import Signed

pytestmark = pytest.mark.anyio

ALICE, BOB, CAROL = "tok-alice-0123456789", "tok-bob-0123456789", "tok-carol-0123456789"


SIM_JOB_SECONDS = 0.05  # the conftest `sim` fixture's async jobs


def _store(tmp: Path, mapping: dict[str, object], mode: int = 0o600) -> Path:
    path = tmp / "credentials.json"
    path.write_text(json.dumps(mapping))
    os.chmod(path, mode)
    return path


def _deploy_args(sim: Simulator) -> dict[str, str]:
    admin = Signed(sim)
    try:
        zone = admin.ok("listZones")["zone"][0]["id"]
        offering = admin.ok("listServiceOfferings")["serviceoffering"][0]["id"]
        template = admin.ok("listTemplates", templatefilter="featured")["template"][0]["id"]
    finally:
        admin.close()
    return {"zoneid": zone, "serviceofferingid": offering, "templateid": template}


async def test_two_principals_two_cloudstack_users(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann, ben = new_user(sim, "ann-http"), new_user(sim, "ben-http")
    store = _store(tmp_path, {"alice": {"api_key": ann.api_key, "secret_key": ann.secret_key},
                              "bob": {"api_key_env": "BOB_KEY", "secret_key_env": "BOB_SECRET"}})  # fmt: skip
    tokens = token_file(tmp_path, alice=(ALICE, ["read", "change"]), bob=(BOB, ["read", "change"]),
                        carol=(CAROL, ["read"]))  # fmt: skip
    port = free_port()
    monkeypatch.setenv("BOB_KEY", ben.api_key)  # bob's keys come from the server's environment
    monkeypatch.setenv("BOB_SECRET", ben.secret_key)
    settings = settings_for(sim, tmp_path, port, auth_tokens=str(tokens), credentials=str(store))
    args = _deploy_args(sim)
    async with serving(settings) as srv:
        url, made = srv["url"], {}
        for token, name in ((ALICE, "vm-of-alice"), (BOB, "vm-of-bob")):
            async with mcp_client(url, token) as client:
                networks = await client.call_tool("list_networks", {})
                (net,) = networks.structured_content["network"]  # its own network only
                result = await client.call_tool(
                    "deploy_virtual_machine", {**args, "name": name, "networkids": [net["id"]]}
                )
                assert not result.is_error, result.content
                made[name] = result.structured_content
        for token, mine, theirs in ((ALICE, "vm-of-alice", "vm-of-bob"), (BOB, "vm-of-bob", "vm-of-alice")):
            async with mcp_client(url, token, mode="legacy") as client:
                listed = await client.call_tool("list_virtual_machines", {})
                names = {vm["name"] for vm in (listed.structured_content or {}).get("virtualmachine", [])}
                assert mine in names and theirs not in names
        assert srv["principals"].role_catalogs == 1  # two users of one role: one catalog read and kept
        # carol has a token but no CloudStack user: refused before anything is sent
        before = len(sim.requests)
        async with httpx2.AsyncClient() as raw:
            r = await raw.post(url + "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                               headers={"Authorization": f"Bearer {CAROL}", "Accept": "application/json, text/event-stream",
                                        "MCP-Protocol-Version": "2026-07-28"})  # fmt: skip
            assert r.status_code == 403 and "no CloudStack user" in r.json()["error"]["message"]
        assert len(sim.requests) == before
    records = [json.loads(line) for line in settings.audit_log.read_text().splitlines()]  # type: ignore[union-attr]
    deploys = {r["principal"]: r for r in records if r["api"] == "deployVirtualMachine" and r.get("record") == "intent"}
    assert set(deploys) == {"alice", "bob"}
    outcomes = [r for r in records if r.get("record") == "outcome" and r.get("api") == "deployVirtualMachine"]
    assert {r["principal"] for r in outcomes} == {"alice", "bob"}  # the outcome records name them too
    assert deploys["alice"]["user"] != deploys["bob"]["user"]
    assert deploys["alice"]["user"].startswith("apikey " + ann.api_key[:6])
    assert deploys["bob"]["user"].startswith("apikey " + ben.api_key[:6])


def test_credentials_store_must_be_private(sim: Simulator, tmp_path: Path) -> None:
    from cloudstack_mcp.server.principals import CredentialStore

    store = _store(tmp_path, {"a": {"api_key": "k", "secret_key": "s"}}, mode=0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        CredentialStore.load(settings_for(sim, tmp_path, 1, credentials=str(store)).http)
    os.chmod(store, 0o600)
    loaded = CredentialStore.load(settings_for(sim, tmp_path, 1, credentials=str(store)).http)
    assert loaded is not None and loaded.entries == {"a": ("k", "s")}


async def test_limits_and_metrics(sim: Simulator, tmp_path: Path) -> None:
    tokens = token_file(tmp_path, alice=(ALICE, ["read", "change"]), bob=(BOB, ["read"]))
    port = free_port()
    settings = settings_for(sim, tmp_path, port, auth_tokens=str(tokens), shared_cloudstack_user=True,
                            sessions_per_principal=3, rate_limit=5, rate_burst=12, max_body_bytes=4096)  # fmt: skip
    hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}  # fmt: skip
    accept = {"Accept": "application/json, text/event-stream"}
    async with serving(settings) as srv, httpx2.AsyncClient(base_url=srv["url"]) as raw:
        alice = {**accept, "Authorization": f"Bearer {ALICE}"}
        codes = [(await raw.post("/mcp", json=hello, headers=alice)).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]  # session cap per principal
        async with mcp_client(srv["url"], BOB, mode="legacy") as client:  # another principal is not locked out
            assert not (await client.call_tool("list_zones", {})).is_error
        async with mcp_client(srv["url"], ALICE, mode="2026-07-28") as client:  # no elicitation: the phrase route
            missing = await client.call_tool("start_virtual_machine", {"id": "00000000-0000-0000-0000-000000000000"})
            assert missing.is_error and missing.structured_content["errorcode"] == 431
            asked = await client.call_tool("destroy_virtual_machine", {"id": "00000000-0000-0000-0000-000000000001"})
            assert asked.structured_content["confirmation_required"] and not asked.structured_content["sent"]
        big = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"pad": "x" * 5000}}
        r = await raw.post("/mcp", json=big, headers={**alice, "MCP-Protocol-Version": "2026-07-28"})
        assert r.status_code == 413
        statuses = [(await raw.post("/mcp", json=hello, headers=alice)).status_code for _ in range(12)]
        assert 429 in statuses
        limited = await raw.post("/mcp", json=hello, headers=alice)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert "rate limit" in limited.json()["error"]["message"]
        scrape = await raw.get("/metrics")
        assert scrape.status_code == 200
        families = {f.name: f for f in text_string_to_metric_families(scrape.text)}
        calls = {(s.labels["tool"], s.labels["outcome"]): s.value for s in families["cloudstack_mcp_tool_calls"].samples
                 if s.name.endswith("_total")}  # fmt: skip
        assert calls[("list_zones", "ok")] >= 1
        refusals = {s.labels["reason"]: s.value for s in families["cloudstack_mcp_http_refusals"].samples
                    if s.name.endswith("_total")}  # fmt: skip
        assert refusals["sessions"] >= 2 and refusals["body"] == 1 and refusals["rate"] >= 1
        assert "cloudstack_mcp_tool_call_seconds" in families and "cloudstack_mcp_jobs_in_flight" in families
        routes = {s.labels["route"]: s.value for s in families["cloudstack_mcp_confirmations"].samples
                  if s.name.endswith("_total")}  # fmt: skip
        assert routes == {"phrase": 1.0}
        errors = {s.labels["code"]: s.value for s in families["cloudstack_mcp_cloudstack_errors"].samples
                  if s.name.endswith("_total")}  # fmt: skip
        assert errors == {"431": 1.0}
        assert calls[("destroy_virtual_machine", "confirmation")] == 1
        health, ready = await raw.get("/healthz"), await raw.get("/readyz")
        assert health.json() == {"status": "ok"}
        assert ready.status_code == 200 and ready.json()["cloudstack"] == "reachable"
