"""The server through clients we did not write: the official MCP TypeScript SDK (tests/clients/ts_client.mjs)
over stdio and streamable HTTP, and MCP Inspector's CLI. Versions pinned in tests/clients/package-lock.json
(`npm ci` in tests/clients; .ci/run does it). The server runs as a subprocess against a simulator in this
process, so the tests can slow its jobs down and count what it really did."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.simulator import FaultRule, Simulator
from tests.apidata import SPEC_420
from tests.core_helpers import isolated_env, uuid_for

CLIENTS = Path(__file__).resolve().parent / "clients"
NODE = shutil.which("node")
pytestmark = [
    pytest.mark.clients,
    pytest.mark.skipif(
        NODE is None or not (CLIENTS / "node_modules" / "@modelcontextprotocol" / "sdk").is_dir(),
        reason="needs node and `npm ci` in tests/clients",
    ),
]
TRANSPORTS = ["stdio", "http"]
SIM_SPEC = SPEC_420


@pytest.fixture
def fresh(clean_sim: Simulator) -> Simulator:
    return clean_sim  # conftest: no faults, instant jobs, before and after


def server_args(audit: Path) -> list[str]:
    return ["-m", "cloudstack_mcp", "--api-spec", str(SPEC_420), "--toolsets", "all", "--audit-log", str(audit)]


def server_env(sim: Simulator, tmp: Path) -> dict[str, str]:
    admin = sim.credentials["admin"]
    env = isolated_env(
        tmp, CLOUDSTACK_ENDPOINT=sim.endpoint, CLOUDSTACK_KEY=admin.api_key, CLOUDSTACK_SECRET=admin.secret_key
    )
    env.pop("CLOUDSTACK_MCP_CONFIRM_MODE")  # the default: elicitation where the client has it
    env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def target(transport: str, sim: Simulator, tmp: Path) -> Iterator[dict[str, Any]]:
    """The plan's server part: a command for stdio, or a URL of a server started here for HTTP."""
    audit = tmp / "audit.jsonl"
    env = server_env(sim, tmp)
    if transport == "stdio":
        yield {"transport": "stdio", "command": sys.executable, "args": server_args(audit), "env": env, "cwd": str(tmp)}
        return
    port = free_port()
    args = [*server_args(audit), "serve", "--transport", "http", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen([sys.executable, *args], env=env, cwd=tmp, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else "server exited"
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            assert time.monotonic() < deadline, "the HTTP server did not start"
            time.sleep(0.1)
        yield {"transport": "http", "url": f"http://127.0.0.1:{port}/mcp"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_plan(plan: dict[str, Any], timeout: float = 120) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    run = subprocess.run(
        [str(NODE), str(CLIENTS / "ts_client.mjs"), json.dumps(plan)],
        capture_output=True,
        text=True,
        cwd=CLIENTS,
        timeout=timeout,
    )
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert run.returncode == 0 and lines and lines[-1].get("done"), run.stderr[-3000:]
    return lines[:-1], lines[-1]["versions"]


def text(result: dict[str, Any]) -> str:
    return "\n".join(block.get("text", "") for block in result.get("content", []))


def deploy_args(sim: Simulator, catalog: Catalog, name: str) -> dict[str, str]:
    api = catalog["deployVirtualMachine"]
    return {**{p: uuid_for(sim, api, p) for p in ("zoneid", "serviceofferingid", "templateid")}, "name": name}


def audit_records(tmp: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (tmp / "audit.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_list_call_and_progress_on_a_slow_job(
    transport: str, fresh: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    fresh.faults.add(FaultRule(api="deployVirtualMachine", kind="job_slow", seconds=2.0, times=1))
    name = f"ts-progress-{transport}"
    with target(transport, fresh, tmp_path) as server:
        steps, versions = run_plan(
            {
                **server,
                "steps": [
                    {"op": "list"},
                    {"op": "call", "name": "list_zones", "arguments": {}},
                    {"op": "call", "name": "deploy_virtual_machine", "arguments": deploy_args(fresh, catalog, name), "progress": True},
                ],
            }
        )  # fmt: skip
    listed, zones, deploy = steps
    assert all(s["ok"] for s in steps), steps
    assert {"list_zones", "deploy_virtual_machine", "wait_for_job", "call_api"} <= set(listed["result"]["names"])
    zone = next(iter(fresh.cloud.store.all("ZoneResponse")))
    assert not zones["result"].get("isError") and zone["id"] in text(zones["result"])
    assert not deploy["result"].get("isError"), text(deploy["result"])
    assert deploy["result"]["structuredContent"]["jobresult"]["virtualmachine"]["name"] == name
    progress = deploy["progress"]
    assert [p["progress"] for p in progress] == sorted(p["progress"] for p in progress)
    # The SDK hands notifications to their handler a microtask later than responses: the last one, sent just
    # before the result ("succeeded after ..."), can arrive after the call has ended and be dropped.
    running = [p for p in progress if "succeeded" not in p["message"]]
    assert len(running) >= 3 and all("running for" in p["message"] for p in running)
    assert all("succeeded after" in p["message"] for p in progress[len(running) :])
    assert 1.0 <= running[-1]["progress"] <= 4  # the value is the job's age in seconds
    assert versions["sdk"] == "1.32.2"


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_elicitation_accept_and_decline(
    transport: str, answer: str, fresh: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    router = uuid_for(fresh, catalog["stopRouter"], "id")
    before = len(fresh.requests)
    with target(transport, fresh, tmp_path) as server:
        steps, _ = run_plan(
            {**server, "elicit": answer, "steps": [{"op": "call", "name": "stop_router", "arguments": {"id": router}}]}
        )
    (stop,) = steps
    assert stop["ok"], stop
    (asked,) = stop["elicitations"]  # asked once, through the client
    assert router in asked["message"] and asked["schema"]["properties"]["confirm"]["type"] == "boolean"
    sent = [r.command for r in fresh.requests[before:] if r.command == "stopRouter"]
    if answer == "accept":
        assert sent == ["stopRouter"] and "nothing was sent" not in text(stop["result"])
    else:
        assert sent == [] and "declined" in text(stop["result"]) and "nothing was sent" in text(stop["result"])
    decided = [r for r in audit_records(tmp_path) if r.get("api") == "stopRouter"]
    assert decided and all(r["confirmation"].startswith("elicitation: ") for r in decided if "confirmation" in r)


@pytest.mark.slow
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_deploy_longer_than_the_client_timeout(
    transport: str, fresh: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    """A 70-s deploy with the SDK's default options (60-s request timeout): the call answers "still
    running" at the 40-s budget, the model's retry is held, wait_for_job gets the VM: one VM, and the
    audit log has the job's real outcome."""
    fresh.faults.add(FaultRule(api="deployVirtualMachine", kind="job_slow", seconds=70, times=1))
    name = f"ts-long-{transport}"
    args = deploy_args(fresh, catalog, name)
    with target(transport, fresh, tmp_path) as server:
        steps, _ = run_plan(
            {
                **server,
                "steps": [
                    {"op": "call", "name": "deploy_virtual_machine", "arguments": args},
                    {"op": "call", "name": "deploy_virtual_machine", "arguments": args},  # the retry
                    {"op": "call", "name": "wait_for_job", "arguments": {"jobid": "$0.structuredContent.jobid"},
                     "repeatWhile": "still_running"},
                ],
            },
            timeout=200,
        )  # fmt: skip
        assert all(s["ok"] for s in steps), steps  # no "Request timed out"
        first, retry, waited = steps
        jobid = first["result"]["structuredContent"]["jobid"]
        assert 35_000 <= first["ms"] < 60_000 and not first["result"].get("isError")
        assert first["result"]["structuredContent"]["still_running"] is True and "still running" in text(
            first["result"]
        )
        assert f"wait_for_job(jobid='{jobid}')" in text(first["result"])
        assert retry["result"]["structuredContent"]["duplicate_of"] == jobid and "NOT DONE" in text(retry["result"])
        assert not waited["result"].get("isError") and waited["repeats"] == 1 and waited["ms"] < 60_000
        assert waited["result"]["structuredContent"]["jobresult"]["virtualmachine"]["name"] == name
        assert len([vm for vm in fresh.cloud.store.all("UserVmResponse") if vm.get("name") == name]) == 1
        sent = [r for r in fresh.requests if r.command == "deployVirtualMachine" and r.params.get("name") == name]
        assert len(sent) == 1
    records = audit_records(tmp_path)
    mine = [r for r in records if r.get("api") == "deployVirtualMachine"]
    intent = next(r for r in mine if r["record"] == "intent")
    outcomes = [r for r in mine if r["record"] == "outcome" and r["request_id"] == intent["request_id"]]
    assert [(r["status"], r["final"]) for r in outcomes] == [("running", False), ("succeeded", True)]
    assert outcomes[-1]["job_id"] == jobid and outcomes[-1]["followed"] == "budget"
    assert [r["outcome"] for r in mine if r["record"] == "decision"] == ["duplicate-held"]


def test_inspector_cli_smoke(fresh: Simulator, tmp_path: Path) -> None:
    inspector = CLIENTS / "node_modules" / ".bin" / "mcp-inspector"
    if not inspector.exists():
        pytest.skip("MCP Inspector is not installed (npm ci in tests/clients)")
    env = server_env(fresh, tmp_path)
    server = [sys.executable, *server_args(tmp_path / "audit.jsonl")]
    pairs = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]

    def cli(*method: str) -> dict[str, Any]:
        run = subprocess.run(
            [str(inspector), "--cli", *pairs, *method, *server],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
            env={"PATH": env["PATH"], "HOME": str(tmp_path)},
        )
        assert run.returncode == 0, run.stderr[-2000:]
        return json.loads(run.stdout)

    listed = cli("--method", "tools/list")
    assert {"list_zones", "wait_for_job"} <= {t["name"] for t in listed["tools"]}
    called = cli("--method", "tools/call", "--tool-name", "list_zones")
    zone = next(iter(fresh.cloud.store.all("ZoneResponse")))
    assert not called.get("isError") and zone["id"] in text(called)
