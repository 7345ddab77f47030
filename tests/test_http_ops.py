"""Operations of an HTTP instance run as a process: SIGTERM lets a running call finish (or records it as
unknown after the grace), JSON logs on stderr, the audit stream on stdout."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from cloudstack_mcp.simulator import Simulator
from tests.http_helpers import mcp_client, token_file
from tests.lb_helpers import free_port, server_env, wait_http
from tests.simulator_helpers import Signed

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # processes, signals and real job waits: ~30 s
TOKEN = "tok-ops-0123456789abcdef"


SIM_JOB_SECONDS = 1.5  # the conftest `sim` fixture's async jobs


def _stopped_vm(sim: Simulator, name: str) -> str:
    admin = Signed(sim)
    try:
        zone = admin.ok("listZones")["zone"][0]["id"]
        offering = admin.ok("listServiceOfferings")["serviceoffering"][0]["id"]
        template = admin.ok("listTemplates", templatefilter="featured")["template"][0]["id"]
        net = next(n for n in admin.ok("listNetworks")["network"] if n["name"] == "admin-net")["id"]
        vm = admin.ok("deployVirtualMachine", zoneid=zone, serviceofferingid=offering, templateid=template,
                      networkids=net, name=name, startvm="false")  # fmt: skip
        return str(vm["id"])
    finally:
        admin.close()


def _start(sim: Simulator, tmp: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    admin = sim.credentials["admin"]
    tokens = token_file(tmp, ops=(TOKEN, ["read", "change"]))
    port = free_port()
    env = server_env(tmp, sim.endpoint, admin.api_key, admin.secret_key, CLOUDSTACK_MCP_CONFIRM_MODE="allow")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloudstack_mcp", "serve", "--transport", "http", "--port", str(port),
         "--auth-tokens", str(tokens), "--shared-cloudstack-user", "--log-format", "json", "--log-level", "info",
         "--audit-stream", "stdout", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/healthz", proc)
    return proc, url


async def _start_vm_then_sigterm(sim: Simulator, proc: subprocess.Popen[bytes], url: str, vm: str) -> object:
    outcome: dict[str, object] = {}

    async def call() -> None:
        try:
            async with mcp_client(url, TOKEN) as client:
                await client.list_tools()  # the SDK checks results against the tools' schemas: listed before
                outcome["result"] = await client.call_tool("start_virtual_machine", {"id": vm})
        except Exception as exc:  # the server went away under the call
            outcome["result"] = exc

    async with anyio.create_task_group() as tg:
        tg.start_soon(call)
        with anyio.fail_after(30):  # until the job is running in CloudStack
            while not any(r.command == "startVirtualMachine" and r.params.get("id") == vm for r in sim.requests):
                await anyio.sleep(0.05)
        await anyio.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
    return outcome["result"]


async def test_sigterm_lets_a_running_call_finish(sim: Simulator, tmp_path: Path) -> None:
    vm = _stopped_vm(sim, "ops-graceful")
    proc, url = _start(sim, tmp_path, "--shutdown-grace", "20")
    try:
        result = await _start_vm_then_sigterm(sim, proc, url, vm)
        assert not isinstance(result, Exception) and not result.is_error  # type: ignore[attr-defined]
        assert proc.wait(timeout=30) in (0, -signal.SIGTERM)  # stopped by the signal, as systemd expects
        out, err = proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
    records = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    starts = [r for r in records if r.get("api") == "startVirtualMachine"]
    assert {r.get("record") for r in starts} >= {"intent", "outcome"} and starts[-1]["status"] == "succeeded"
    assert all(r["principal"] == "ops" for r in starts)
    logs = [json.loads(line) for line in err.decode().splitlines() if line.startswith("{")]
    assert logs and all({"time", "level", "logger", "message"} <= set(entry) for entry in logs)
    assert TOKEN not in err.decode() and TOKEN not in out.decode()


async def test_sigterm_after_the_grace_records_unknown(sim: Simulator, tmp_path: Path) -> None:
    vm = _stopped_vm(sim, "ops-cut")
    sim.job_seconds = 6.0
    proc, url = _start(sim, tmp_path, "--shutdown-grace", "1")
    try:
        await _start_vm_then_sigterm(sim, proc, url, vm)
        proc.wait(timeout=30)
        out, _ = proc.communicate()
    finally:
        sim.job_seconds = 1.5
        if proc.poll() is None:
            proc.kill()
    records = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    starts = [r for r in records if r.get("api") == "startVirtualMachine" and r.get("record") == "outcome"]
    assert starts and starts[-1]["status"] == "unknown" and "SIGTERM" in starts[-1]["reason"]
