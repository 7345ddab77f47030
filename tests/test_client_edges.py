"""Odd answers a real server or proxy may send, job polling trouble, and the catalog cache's lazy fields."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudstack_mcp.catalog.loader import LazyFields, load_catalog, read_cache, write_cache
from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.cloudstack.jobs import job_error, wait_for_job
from cloudstack_mcp.config import Settings
from cloudstack_mcp.errors import ApiError, CloudStackMcpError, TransportError
from cloudstack_mcp.server.app import create_server, open_app
from cloudstack_mcp.simulator import FaultRule, Simulator
from cloudstack_mcp.tools.inventory import ToolDef
from tests.apidata import SPEC_420
from tests.core_helpers import NoWait, in_process

pytestmark = pytest.mark.anyio


class _Canned(http.server.BaseHTTPRequestHandler):
    """Answers every request with the status, content type and body set on the server."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        status, ctype, body = self.server.answer  # type: ignore[attr-defined]
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def canned() -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def canned_settings(server: http.server.ThreadingHTTPServer) -> Settings:
    host, port = server.server_address[:2]
    return Settings(endpoint=f"http://{host}:{port}/client/api", api_key="k", secret_key="s", retries=0)


@pytest.mark.parametrize(
    ("status", "ctype", "body", "needles"),
    [
        (200, "text/xml", "<?xml version='1.0'?><listzonesresponse/>", ["HTTP 200", "XML or HTML"]),
        (
            404,
            "text/html",
            "<html><title>Not Found</title></html>",
            ["HTTP 404", "HTML page", "Not Found", "/client/api"],
        ),
        (200, "application/json", "[1, 2]", ["JSON of an unexpected shape"]),
        (200, "application/json", '{"a": 1, "b": 2}', ["JSON of an unexpected shape"]),
        (200, "application/json", '{"listzonesresponse": {"count": 1', ["not valid JSON", "bytes"]),
        (200, "text/plain", "", ["empty body"]),
    ],
    ids=["xml", "html404", "list", "two-keys", "truncated", "empty"],
)
async def test_answers_that_are_not_cloudstack_json(
    canned: http.server.ThreadingHTTPServer, status: int, ctype: str, body: str, needles: list[str]
) -> None:
    canned.answer = (status, ctype, body)  # type: ignore[attr-defined]
    async with CloudStackClient(canned_settings(canned)) as client:
        with pytest.raises(TransportError) as err:
            await client.call("listZones")
    for needle in needles:
        assert needle in str(err.value), str(err.value)
    assert err.value.endpoint.endswith("/client/api")


async def test_error_inside_a_200_and_status_without_errorcode(canned: http.server.ThreadingHTTPServer) -> None:
    canned.answer = (200, "application/json", '{"x": {"errorcode": 431, "cserrorcode": 9999, "errortext": "bad"}}')  # type: ignore[attr-defined]
    async with CloudStackClient(canned_settings(canned)) as client:
        with pytest.raises(ApiError) as err:
            await client.call("listZones")
        assert (err.value.code, err.value.cserrorcode, err.value.text) == (431, 9999, "bad")
        canned.answer = (503, "application/json", '{"x": {"note": "maintenance"}}')  # type: ignore[attr-defined]
        with pytest.raises(ApiError) as err:
            await client.call("listZones")
        assert err.value.code == 503 and "maintenance" in err.value.text


def test_job_error_shapes() -> None:
    assert job_error({"jobresultcode": 530, "jobresult": {"errorcode": 431, "errortext": "bad id"}}) == (431, "bad id")
    assert job_error({"jobresultcode": "533", "jobresult": "no capacity"}) == (533, "no capacity")
    assert job_error({"jobresultcode": "x"}) == (530, "the job failed without an error text")
    assert job_error({}) == (530, "the job failed without an error text")


def sim_settings(sim: Simulator, **kw: object) -> Settings:
    admin = sim.credentials["admin"]
    return Settings(endpoint=sim.endpoint, api_key=admin.api_key, secret_key=admin.secret_key, **kw)  # type: ignore[arg-type]


async def test_polling_survives_dropped_answers_then_gives_up(sim: Simulator) -> None:
    vm = next(iter(sim.cloud.store.all("UserVmResponse")))
    no_wait = NoWait()  # the retry back-offs (up to 0.5 s, 1 s per poll) are asked for, not waited
    async with CloudStackClient(sim_settings(sim), transport=in_process(sim), sleep=no_wait) as client:
        sim.job_seconds = 0
        started = await client.call("rebootVirtualMachine", {"id": vm["id"]})
        sim.faults.add(FaultRule(api="queryAsyncJobResult", kind="status", code=503, times=2))
        outcome = await wait_for_job(client, started["jobid"], timeout=10, first_delay=0.01, max_delay=0.02)
        assert outcome.status == "succeeded" and outcome.polls == 1
        started = await client.call("rebootVirtualMachine", {"id": vm["id"]})
        sim.faults.add(FaultRule(api="queryAsyncJobResult", kind="status", code=503, times=20))
        with pytest.raises(CloudStackMcpError):
            await wait_for_job(client, started["jobid"], timeout=10, first_delay=0.01, max_delay=0.02)
        sim.faults.clear()
        with pytest.raises(ApiError) as err:
            await wait_for_job(client, "no-such-job", timeout=10, first_delay=0.01)
        assert err.value.code == 431
    assert max(no_wait.delays) > 0.02  # back-offs went through the injected sleep


async def test_extra_tool_failure_is_an_error_result(sim: Simulator, tmp_path: Path) -> None:
    from mcp import Client

    async def broken(arguments, ctx, request):  # a tool with a bug
        raise RuntimeError("boom")

    tool = ToolDef("broken_tool", "Always fails", {"type": "object"}, {"title": "Broken"}, "test", handler=broken)
    async with open_app(sim_settings(sim, cache_dir=tmp_path, audit_log=None)) as app:
        app.inventory.tools[tool.name] = tool
        async with Client(create_server(app)) as client:
            result = await client.call_tool("broken_tool", {})
            assert (
                result.is_error
                and "internal error in cloudstack-mcp while running broken_tool" in result.content[0].text
            )
            assert "RuntimeError: boom" in result.content[0].text
            assert not (await client.call_tool("list_zones", {})).is_error  # still serving


def test_lazy_response_fields(tmp_path: Path) -> None:
    catalog = Catalog.load(SPEC_420)
    settings = Settings(endpoint="http://x/client/api", api_key="k", secret_key="s")
    path = tmp_path / "c.json"
    write_cache(path, catalog, settings)
    cached = read_cache(path)
    assert cached is not None
    lazy = cached["listZones"].response
    assert isinstance(lazy, LazyFields) and bool(lazy)
    eager = catalog["listZones"].response
    assert len(lazy) == len(eager) and lazy[0] == eager[0] and lazy == eager and tuple(lazy) == eager
    assert hash(lazy) == hash(eager) and repr(lazy) == repr(eager)
    assert not LazyFields(()) and LazyFields(()) == ()
    tiny = tmp_path / "tiny.json"  # an API without response fields
    write_cache(
        tiny, Catalog.from_listapis([{"name": "doNothing", "params": [{"name": "a", "type": "long"}]}]), settings
    )
    bare = read_cache(tiny)["doNothing"]
    assert not bare.response and tuple(bare.response) == () and bare.params[0].type == "long"
    assert all(cached[name] == api for name, api in Catalog.from_listapis(catalog.to_listapis()).items())
    # listApis facts survive the cache (apis-meta extras such as entity types are not part of listApis)
    same = [(p.name, p.type, p.required, p.description) for p in catalog["listZones"].params]
    assert [(p.name, p.type, p.required, p.description) for p in cached["listZones"].params] == same


async def test_cache_that_cannot_be_written_is_not_fatal(sim: Simulator, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    settings = sim_settings(sim, cache_dir=blocker / "cache")
    async with CloudStackClient(settings) as client:
        catalog = await load_catalog(settings, client)
    assert set(catalog) == set(sim.catalog)
