"""Answers that are not CloudStack JSON (from a real HTTP server standing in for a broken proxy or a wrong
URL), the server's clock from its Date header, and one fault over real stdio with settings from the
environment."""

from __future__ import annotations

import contextlib
import email.utils
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.cloudstack.clock import server_clock_offset
from cloudstack_mcp.config import Settings
from cloudstack_mcp.server.app import App, create_server, open_app
from cloudstack_mcp.simulator import FaultRule, Simulator
from tests.apidata import SPEC_420
from tests.core_helpers import server_params, text, uuid_for

pytestmark = pytest.mark.anyio


class Stub:
    """A real HTTP server that answers every request with one canned answer; counts requests."""

    def __init__(self) -> None:
        self.answer: tuple[int, str, bytes] = (200, "application/json", b"{}")
        self.hits = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                stub.hits += 1
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                status, ctype, body = stub.answer
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _reply

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}/client/api"

    @contextlib.contextmanager
    def running(self) -> Iterator[Stub]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def stub() -> Iterator[Stub]:
    with Stub().running() as running:
        yield running


@contextlib.asynccontextmanager
async def connected(endpoint: str, catalog: Catalog, tmp_path: Path) -> AsyncIterator[tuple[App, Client]]:
    settings = Settings(
        endpoint=endpoint,
        api_key="key",
        secret_key="faults-answers-secret-key",  # a short common word would be scrubbed from every later log line
        cache_dir=tmp_path / "cache",
        audit_log=tmp_path / "audit.jsonl",
        confirm_mode="allow",
        tools=("list_zones", "create_tags"),
        retry_backoff=0.01,
    )
    async with open_app(settings, catalog=catalog) as app, Client(create_server(app)) as client:
        yield app, client


NOT_CLOUDSTACK = {
    "xml": (200, "text/xml", b'<?xml version="1.0"?><listzonesresponse><count>1</count></listzonesresponse>', "XML"),
    "html-200": (200, "text/html", b"<html><head><title>CloudStack</title></head><body>UI</body></html>", "HTML page"),
    "two-keys": (200, "application/json", b'{"listzonesresponse": {}, "other": {}}', "unexpected shape"),
    "list": (200, "application/json", b"[1, 2, 3]", "unexpected shape"),
    "truncated": (200, "application/json", b'{"listzonesresponse": {"count": 1, "zone": [{"id"', "not valid JSON"),
    "empty": (200, "application/json", b"", "empty body"),
    "html-404": (404, "text/html", b"<html><head><title>404 Not Found</title></head></html>", "404 Not Found"),
    "html-503": (503, "text/html", b"<html><head><title>Maintenance</title></head></html>", "Maintenance"),
    "text-500": (500, "text/plain", b"java.lang.NullPointerException at ...", "not valid JSON"),
}


@pytest.mark.parametrize("name", list(NOT_CLOUDSTACK))
async def test_answers_that_are_not_cloudstack_json(stub: Stub, catalog: Catalog, tmp_path: Path, name: str) -> None:
    status, ctype, body, needle = NOT_CLOUDSTACK[name]
    stub.answer = (status, ctype, body)
    async with connected(stub.endpoint, catalog, tmp_path) as (_app, client):
        result = await client.call_tool("list_zones", {})
        assert result.is_error
        message = text(result)
        assert stub.endpoint in message and f"HTTP {status}" in message and needle in message, message
        assert "listZones" in message
        # Retried only when it may pass: 5xx and cut-short answers, not a wrong URL or a foreign format.
        transient = status >= 500 or name == "truncated"
        assert stub.hits == (3 if transient else 1)
        # A change is sent once, and the result says whether it may have happened.
        stub.hits = 0
        change = await client.call_tool(
            "create_tags", {"resourceids": ["vm-1"], "resourcetype": "UserVm", "tags": {"env": "prod"}}
        )
        assert change.is_error and stub.hits == 1
        if status == 404:
            assert "Nothing changed" in text(change)
        else:
            assert "OUTCOME UNKNOWN" in text(change) and "list_tags(" in text(change)


async def test_the_next_call_works_after_garbage(stub: Stub, catalog: Catalog, tmp_path: Path) -> None:
    async with connected(stub.endpoint, catalog, tmp_path) as (_app, client):
        stub.answer = (502, "text/html", b"<html><title>502 Bad Gateway</title></html>")
        assert (await client.call_tool("list_zones", {})).is_error
        stub.answer = (200, "application/json", b'{"listzonesresponse": {"count": 1, "zone": [{"id": "z1"}]}}')
        good = await client.call_tool("list_zones", {})
        assert not good.is_error and good.structured_content["zone"] == [{"id": "z1"}]


def test_server_clock_offset_from_the_date_header() -> None:
    now = time.time()
    ahead = httpx2.Response(200, headers={"Date": email.utils.formatdate(now + 3600, usegmt=True)})
    offset = server_clock_offset(ahead, now=now)
    assert offset is not None and abs(offset - 3600) < 1.5
    assert server_clock_offset(httpx2.Response(200), now=now) is None
    assert server_clock_offset(httpx2.Response(200, headers={"Date": "yesterday-ish"}), now=now) is None


@pytest.mark.slow
async def test_unknown_outcome_over_stdio_with_settings_from_the_environment(catalog: Catalog, tmp_path: Path) -> None:
    with Simulator(catalog, job_seconds=0).running() as sim:
        api = catalog["deployVirtualMachine"]
        args = {name: uuid_for(sim, api, name) for name in ("zoneid", "serviceofferingid", "templateid")}
        args["name"] = "stdio-vm"
        env = {
            "CLOUDSTACK_TIMEOUT": "0.5",
            "CLOUDSTACK_MCP_RETRIES": "1",
            "CLOUDSTACK_MCP_RETRY_BACKOFF": "0.01",
            "CLOUDSTACK_MCP_TOOLS": "deploy_virtual_machine,list_zones",
        }
        params = server_params(tmp_path, "--api-spec", str(SPEC_420), sim=sim, **env)
        async with Client(params) as client:
            sim.faults.add(FaultRule(api="deployVirtualMachine", kind="latency", seconds=1.5, times=1))
            sim.faults.add(FaultRule(api="listZones", kind="html", code=502))
            before = len(sim.requests)
            result = await client.call_tool("deploy_virtual_machine", args)
            assert result.is_error and "OUTCOME UNKNOWN" in text(result)
            assert "within 0.5 s" in text(result) and "list_virtual_machines(name='stdio-vm')" in text(result)
            zones = await client.call_tool("list_zones", {})
            assert zones.is_error and "tried 2 times" in text(zones)  # CLOUDSTACK_MCP_RETRIES=1
            sim.faults.clear()
            assert not (await client.call_tool("list_zones", {})).is_error
            commands = [r.command for r in sim.requests[before:]]
            assert commands.count("deployVirtualMachine") == 1
            assert len([vm for vm in sim.cloud.store.all("UserVmResponse") if vm.get("name") == "stdio-vm"]) == 1
