"""The server through a real MCP client (in-process and over stdio) against the simulator: both protocol eras,
async jobs with progress, paging, and every kind of bad input or bad server answer."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.catalog.naming import tool_names
from cloudstack_mcp.config import Settings
from cloudstack_mcp.server.app import App, create_server, open_app
from cloudstack_mcp.simulator import FaultRule, Simulator
from tests.apidata import SPEC_420
from tests.core_helpers import server_params, text, uuid_for

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("clean_sim")]
SIM_SPEC = SPEC_420


def settings_for(sim: Simulator, tmp_path: Path, **kw: Any) -> Settings:
    admin = sim.credentials["admin"]
    base: dict[str, Any] = {
        "endpoint": sim.endpoint,
        "api_key": admin.api_key,
        "secret_key": admin.secret_key,
        "cache_dir": tmp_path / "cache",
        "toolsets": ("all",),
        "poll_interval": 0.01,
        "poll_max": 0.05,
        "retry_backoff": 0.01,
    }
    base.update(kw)
    return Settings(**base)


@contextlib.asynccontextmanager
async def connected(
    settings: Settings, catalog: Catalog | None, mode: str = "auto"
) -> AsyncIterator[tuple[App, Client]]:
    async with open_app(settings, catalog=catalog) as app, Client(create_server(app), mode=mode) as client:
        yield app, client


def deploy_args(sim: Simulator, catalog: Catalog) -> dict[str, str]:
    api = catalog["deployVirtualMachine"]
    return {name: uuid_for(sim, api, name) for name in ("zoneid", "serviceofferingid", "templateid")}


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_both_protocol_eras(sim: Simulator, catalog: Catalog, tmp_path: Path, mode: str) -> None:
    async with connected(settings_for(sim, tmp_path), catalog, mode) as (_app, client):
        if mode == "legacy":
            assert client.session.protocol_version != "2026-07-28"
        else:
            assert client.session.protocol_version == "2026-07-28"
        tools = await client.list_tools()
        by_name = {t.name: t for t in tools.tools}
        assert set(tool_names(catalog)) <= set(by_name)  # every API, plus any discovery tools
        assert by_name["list_zones"].annotations.read_only_hint is True
        result = await client.call_tool("list_zones", {})
        assert not result.is_error
        zone = result.structured_content["zone"][0]
        assert zone["id"] in text(result) and result.structured_content["count"] >= 1


async def test_async_job_reports_progress_and_result(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    sim.job_seconds = 0.4
    progress: list[tuple[float, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        result = await client.call_tool(
            "deploy_virtual_machine",
            {**deploy_args(sim, catalog), "name": "progress-vm"},
            progress_callback=on_progress,
        )
    assert not result.is_error, text(result)
    assert result.structured_content["jobstatus"] == 1
    vm = result.structured_content["jobresult"]["virtualmachine"]
    assert vm["name"] == "progress-vm" and vm["id"] in text(result)
    assert len(progress) >= 2 and all(b[0] > a[0] for a, b in zip(progress, progress[1:], strict=False))
    assert "running" in (progress[0][1] or "") and "succeeded" in (progress[-1][1] or "")


async def test_wait_false_returns_the_job_id(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        before = len(sim.requests)
        result = await client.call_tool("deploy_virtual_machine", {**deploy_args(sim, catalog), "wait": False})
    jobid = result.structured_content["jobid"]
    assert not result.is_error and jobid in text(result) and "query_async_job_result" in text(result)
    assert [r.command for r in sim.requests[before:]] == ["deployVirtualMachine"]


async def test_failed_job_and_job_timeout(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path, job_timeout=0.3), catalog) as (_app, client):
        sim.faults.add(
            FaultRule(api="deployVirtualMachine", kind="job_fail", code=533, text="no capacity left", times=1)
        )
        failed = await client.call_tool("deploy_virtual_machine", deploy_args(sim, catalog))
        assert failed.is_error
        assert "533" in text(failed) and "insufficient capacity" in text(failed) and "no capacity left" in text(failed)
        sim.faults.add(FaultRule(api="deployVirtualMachine", kind="job_slow", seconds=None, times=1))
        slow = await client.call_tool("deploy_virtual_machine", deploy_args(sim, catalog))
        assert not slow.is_error and "still running" in text(slow)
        assert f"query_async_job_result(jobid='{slow.structured_content['jobid']}')" in text(slow)


async def test_fetch_all_pages_concurrently_with_a_cap(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    total = len(list(sim.cloud.store.all("HostResponse")))
    assert total >= 3
    settings = settings_for(sim, tmp_path, page_size=1, max_pages=2)
    async with connected(settings, catalog) as (_app, client):
        before = len(sim.requests)
        result = await client.call_tool("list_hosts", {"fetch_all": True})
        assert not result.is_error
        assert len(result.structured_content["host"]) == 2 and result.structured_content["count"] == total
        assert "cap of 2 pages" in text(result) and f"2 of {total}" in text(result)
        pages = sorted(r.params["page"] for r in sim.requests[before:])
        assert pages == ["1", "2"]
    async with connected(settings_for(sim, tmp_path, page_size=2, max_pages=50), catalog) as (_app, client):
        result = await client.call_tool("list_hosts", {"fetch_all": True, "fields": ["id", "name"]})
        assert len(result.structured_content["host"]) == total and "cut" not in text(result)
        bad = await client.call_tool("list_hosts", {"fetch_all": True, "page": 2})
        assert bad.is_error and "'page' cannot be combined with fetch_all" in text(bad)


async def test_fetch_all_with_a_failing_page_is_cloudstacks_error_saying_what_was_fetched(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    total = len(list(sim.cloud.store.all("HostResponse")))
    sim.faults.add(FaultRule(api="listHosts", kind="error", code=530, text="database went away", after=1))
    async with connected(settings_for(sim, tmp_path, page_size=1, max_pages=50), catalog) as (_app, client):
        result = await client.call_tool("list_hosts", {"fetch_all": True})
    assert result.is_error
    assert "error 530" in text(result) and "database went away" in text(result)  # CloudStack's own error
    assert "fetch_all: page " in text(result) and f"1 of {total} rows had been read" in text(result)
    assert "internal error in cloudstack-mcp" not in text(result) and "ExceptionGroup" not in text(result)
    assert result.structured_content["errorcode"] == 530


async def test_bad_arguments_send_nothing(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        before = len(sim.requests)
        cases = [
            ("list_zones", {"nosuch": 1}, "unknown parameter 'nosuch'"),
            ("list_zones", {"available": "sometimes"}, "expected true or false"),
            ("deploy_virtual_machine", {"zoneid": "z"}, "missing required parameter 'serviceofferingid'"),
            ("list_zones", {"page": [1]}, "expected an integer"),
        ]
        for tool, arguments, needle in cases:
            result = await client.call_tool(tool, arguments)
            assert result.is_error and needle in text(result) and "nothing was sent" in text(result)
        assert len(sim.requests) == before
        unknown = await client.call_tool("list_zone", {})
        assert unknown.is_error and "unknown tool 'list_zone'" in text(unknown) and "list_zones" in text(unknown)


async def test_unlisted_tool_says_how_to_enable_it(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path, toolsets=()), catalog) as (app, client):
        assert "list_pods" not in app.inventory
        result = await client.call_tool("list_pods", {})
        assert result.is_error and "not enabled" in text(result) and "--tools list_pods" in text(result)


@pytest.mark.parametrize(
    ("rule", "needles"),
    [
        # Reads are retried twice (retry.py), so these faults last for all 3 tries.
        (FaultRule(api="listZones", kind="html", code=502, times=3), ["HTTP 502", "HTML page", "/client/api"]),
        (FaultRule(api="listZones", kind="malformed", times=3), ["not valid JSON"]),
        (FaultRule(api="listZones", kind="status", code=503, times=3), ["HTTP 503", "empty body"]),
        (FaultRule(api="listZones", kind="status", code=429, times=3), ["HTTP 429", "rate limit"]),
        (FaultRule(api="listZones", kind="drop", times=3), ["closed the connection"]),
        (
            FaultRule(api="listZones", kind="error", code=530, text="database is down", times=3),
            ["530", "internal error", "database is down"],
        ),
    ],
    ids=["html", "malformed", "503", "429", "drop", "error"],
)
async def test_bad_server_answers_are_clear_and_the_server_keeps_serving(
    sim: Simulator, catalog: Catalog, tmp_path: Path, rule: FaultRule, needles: list[str]
) -> None:
    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        sim.faults.add(rule)
        bad = await client.call_tool("list_zones", {})
        assert bad.is_error
        for needle in needles:
            assert needle in text(bad), text(bad)
        good = await client.call_tool("list_zones", {})
        assert not good.is_error


async def test_dropped_connection_is_retried_once_for_reads(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        sim.faults.add(FaultRule(api="listZones", kind="drop", times=1))
        result = await client.call_tool("list_zones", {})
        assert not result.is_error


async def test_slow_and_down_servers(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path, timeout=0.3), catalog) as (_app, client):
        sim.faults.add(FaultRule(api="listZones", kind="latency", seconds=1.0, times=2))  # a timeout is retried once
        slow = await client.call_tool("list_zones", {})
        assert slow.is_error and "did not answer listZones within 0.3 s" in text(slow)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before use: nothing listens there
    down = settings_for(sim, tmp_path, endpoint=f"http://127.0.0.1:{port}/client/api")
    async with connected(down, catalog) as (_app, client):
        result = await client.call_tool("list_zones", {})
        assert result.is_error and "cannot connect to CloudStack" in text(result) and str(port) in text(result)
        assert not (await client.call_tool("list_zones", {"nosuch": 1})).structured_content


async def test_read_only_and_allow_deny(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path, read_only=True), catalog) as (app, client):
        names = {t.name for t in (await client.list_tools()).tools}
        assert "list_zones" in names and "deploy_virtual_machine" not in names
        before = len(sim.requests)
        for name in ("deployVirtualMachine", "DEPLOYVIRTUALMACHINE", "deploy_virtual_machine"):
            refused = await app.pipeline.call_api(name, deploy_args(sim, catalog))
            assert refused.is_error and "read-only" in text(refused) and "Nothing was sent" in text(refused)
        assert len(sim.requests) == before
    settings = settings_for(sim, tmp_path, deny_tools=("list_z*",), allow_tools=("list_*",))
    async with connected(settings, catalog) as (app, client):
        assert not (await client.call_tool("list_hosts", {})).is_error
        denied = await client.call_tool("list_zones", {})
        assert denied.is_error and "--deny-tools" in text(denied)
        tags = {"resourceids": ["x"], "resourcetype": "UserVm", "tags": {"a": "b"}}
        not_allowed = await client.call_tool("create_tags", tags)
        assert not_allowed.is_error and "--allow-tools" in text(not_allowed)


async def test_call_api_resolves_names_and_unknown_apis(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(settings_for(sim, tmp_path), catalog) as (app, _client):
        for name in ("listZones", "listzones", "list_zones"):
            assert not (await app.pipeline.call_api(name, {})).is_error
        unknown = await app.pipeline.call_api("listZonez", {})
        assert unknown.is_error and "unknown API 'listZonez'" in text(unknown) and "listZones" in text(unknown)


async def test_long_values_go_as_post(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    import base64

    userdata = base64.b64encode(b"#cloud-config\n" + b"x" * 4000).decode()
    async with connected(settings_for(sim, tmp_path), catalog) as (_app, client):
        result = await client.call_tool("deploy_virtual_machine", {**deploy_args(sim, catalog), "userdata": userdata})
    assert not result.is_error, text(result)
    record = next(r for r in reversed(sim.requests) if r.command == "deployVirtualMachine")
    assert record.method == "POST" and record.params["userdata"] == userdata


async def test_login_session_renewed_once(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    admin = sim.credentials["admin"]
    settings = settings_for(
        sim,
        tmp_path,
        api_key=None,
        secret_key=None,
        username=admin.username,
        password=admin.password,
        domain=admin.domain,
    )
    async with connected(settings, catalog) as (_app, client):
        before = len(sim.requests)
        assert not (await client.call_tool("list_zones", {})).is_error
        sim.cloud.accounts.sessions.clear()  # the server forgets every session (expiry, restart)
        assert not (await client.call_tool("list_zones", {})).is_error
        commands = [r.command for r in sim.requests[before:]]
        assert commands == ["login", "listZones", "listZones", "login", "listZones"]
        assert all("signature" not in r.params for r in sim.requests[before:])
    bad = settings_for(sim, tmp_path, api_key=None, secret_key=None, username=admin.username, password="wrong")
    async with connected(bad, catalog) as (_app, client):
        result = await client.call_tool("list_zones", {})
        assert result.is_error and "531" in text(result) and "CLOUDSTACK_PASSWORD" in text(result)


async def test_catalog_cache_per_endpoint_and_user(sim: Simulator, tmp_path: Path) -> None:
    settings = settings_for(sim, tmp_path)
    listapis = lambda: sum(1 for r in sim.requests if r.command == "listApis")  # noqa: E731
    before = listapis()
    async with open_app(settings) as app:
        assert len(app.catalog) == 864
    assert listapis() == before + 1
    async with open_app(settings) as app:
        assert len(app.catalog) == 864 and "cache" in app.catalog.source
    assert listapis() == before + 1
    async with open_app(Settings(**{**settings.__dict__, "refresh_catalog": True})):
        pass
    assert listapis() == before + 2
    for f in (tmp_path / "cache").glob("catalog-*.json"):
        f.write_text("{not json")
    async with open_app(settings) as app:
        assert len(app.catalog) == 864
    assert listapis() == before + 3


async def test_nothing_configured_runs_the_builtin_simulator(tmp_path: Path) -> None:
    import io

    err = io.StringIO()
    async with open_app(Settings(cache_dir=tmp_path), stderr=err) as app, Client(create_server(app)) as client:
        assert app.simulator is not None and "built-in simulator" in err.getvalue()
        assert not (await client.call_tool("list_zones", {})).is_error


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_over_stdio(sim: Simulator, tmp_path: Path, mode: str) -> None:
    params = server_params(tmp_path, "--api-spec", str(SPEC_420), sim=sim)
    async with Client(params, mode=mode) as client:
        tools = (await client.list_tools()).tools
        assert "list_zones" in {t.name for t in tools} and len(tools) < 864
        result = await client.call_tool("list_zones", {"available": "true"})
        assert not result.is_error and result.structured_content["zone"]
        record = next(r for r in reversed(sim.requests) if r.command == "listZones")
        assert record.params["available"] == "true"
