"""The audit log tells the truth: an intent before a change is sent, its outcome after, also when the client
cancels, on SIGTERM, with the file deleted or rotated mid-session and after a disk-full; every line parses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from cloudstack_mcp.safety.audit import AuditLog
from cloudstack_mcp.safety.secrets import SecretScrubber
from cloudstack_mcp.server.app import open_app
from cloudstack_mcp.simulator import Simulator
from tests.apidata import SPEC_420, catalog_of
from tests.core_helpers import isolated_env, safety_settings, uuid_for

CATALOG = catalog_of(SPEC_420)


def records(path: Path) -> list[dict[str, Any]]:
    """Every line of the audit log, parsed (a line that is not JSON fails the test)."""
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_line_parses_whatever_the_texts_hold(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(path, scrubber=SecretScrubber(['pa"ss\\word-42']))
    assert audit.write({"api": "x", "error": 'he said "no" \\ and pa"ss\\word-42 and \n a newline'})
    rid = audit.intent({"tool": "t", "api": "deleteZone", "arguments": {"name": 'q"uote'}})
    assert rid and audit.outcome(rid, status="failed", error='CloudStack said "nope"')
    text = path.read_text()
    assert 'pa"ss\\word-42' not in text and 'pa\\"ss\\\\word-42' not in text
    lines = records(path)
    assert [r.get("record") for r in lines] == [None, "intent", "outcome"]
    assert lines[2]["request_id"] == rid and lines[2]["api"] == "deleteZone" and lines[2]["status"] == "failed"


def test_a_deleted_or_rotated_log_is_reopened_at_its_path(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(path)
    assert audit.write({"n": 1})
    path.unlink()  # deleted mid-session: the next record goes to a new file, not into the void
    assert audit.write({"n": 2})
    assert [r["n"] for r in records(path)] == [2]
    path.rename(tmp_path / "audit.jsonl.1")  # logrotate: moved away, a new file at the path
    assert audit.write({"n": 3})
    assert [r["n"] for r in records(path)] == [3]
    assert [r["n"] for r in records(tmp_path / "audit.jsonl.1")] == [2]
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full to stand for a full disk")
@pytest.mark.anyio
async def test_disk_full_refuses_changes_then_they_resume(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with Simulator(SPEC_420, job_seconds=0).running() as sim:
        settings = safety_settings(sim, tmp_path, audit_log=path, confirm_mode="allow")
        async with open_app(settings, catalog=CATALOG) as app:
            vm = uuid_for(sim, CATALOG["stopVirtualMachine"], "id")
            path.unlink(missing_ok=True)
            path.symlink_to("/dev/full")  # every write fails with ENOSPC, as on a full disk
            start = len(sim.requests)
            refused = await app.pipeline.call_api("stopVirtualMachine", {"id": vm})
            assert refused.is_error and "audit log" in refused.content[0].text
            assert "stopVirtualMachine" not in [r.command for r in sim.requests[start:]]
            read = await app.pipeline.call_api("listZones", {})
            assert not read.is_error  # reads go on
            path.unlink()  # space freed: the next record is written and the change goes through
            done = await app.pipeline.call_api("stopVirtualMachine", {"id": vm})
            assert "stopVirtualMachine" in [r.command for r in sim.requests[start:]], done.content[0].text
    lines = records(path)
    kinds = [(r["record"], r["api"]) for r in lines]
    assert ("intent", "stopVirtualMachine") in kinds and ("outcome", "stopVirtualMachine") in kinds
    outcome = next(r for r in lines if r["record"] == "outcome")
    assert outcome["status"] in ("succeeded", "failed") and outcome["job_id"]


@pytest.mark.anyio
async def test_refused_calls_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with Simulator(SPEC_420, job_seconds=0).running() as sim:
        async with open_app(safety_settings(sim, tmp_path, audit_log=path), catalog=CATALOG) as app:
            bad = await app.pipeline.call_api("createUser", {"username": "u", "password": "bad-value-hunter2"})
            unknown = await app.pipeline.call_api("deleteEverything", {"id": "x"})
    assert bad.is_error and unknown.is_error
    lines = records(path)
    assert [(r["api"], r["outcome"]) for r in lines] == [("createUser", "denied"), ("deleteEverything", "denied")]
    assert "bad-value-hunter2" not in path.read_text()


@pytest.mark.anyio
async def test_a_cancelled_call_leaves_intent_and_outcome_and_the_follower_records_the_end(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with Simulator(SPEC_420, job_seconds=1.0).running() as sim:
        settings = safety_settings(sim, tmp_path, audit_log=path, confirm_mode="allow")
        async with open_app(settings, catalog=CATALOG) as app:
            vm = uuid_for(sim, CATALOG["stopVirtualMachine"], "id")
            with anyio.move_on_after(0.3):  # the client gives up long before the job ends
                await app.pipeline.call_api("stopVirtualMachine", {"id": vm})
            mid = records(path)
            assert [r["record"] for r in mid] == ["intent", "outcome"]
            assert mid[1]["status"] == "running" and mid[1]["final"] is False and mid[1]["job_id"]
            # The server keeps following the job (pipeline/jobs.py) and records its end through the audit API.
            with anyio.fail_after(10):
                while len(records(path)) < 3:
                    await anyio.sleep(0.05)
    lines = records(path)
    assert [r["record"] for r in lines] == ["intent", "outcome", "outcome"]
    assert lines[2]["status"] == "succeeded" and lines[2]["final"] is True and lines[2]["job_id"] == mid[1]["job_id"]
    assert len({r["request_id"] for r in lines}) == 1 and not app.guard.audit.pending


def _rpc(proc: subprocess.Popen[bytes], message: dict[str, Any]) -> None:
    assert proc.stdin is not None
    proc.stdin.write((json.dumps(message) + "\n").encode())
    proc.stdin.flush()


def test_sigterm_during_a_job_records_the_outcome_as_unknown(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with Simulator(SPEC_420, job_seconds=20).running() as sim:
        admin = sim.credentials["admin"]
        env = isolated_env(
            tmp_path,
            CLOUDSTACK_ENDPOINT=sim.endpoint,
            CLOUDSTACK_KEY=admin.api_key,
            CLOUDSTACK_SECRET=admin.secret_key,
            CLOUDSTACK_MCP_AUDIT_LOG=str(path),
        )
        args = ["-m", "cloudstack_mcp", "--api-spec", str(SPEC_420), "--toolsets", "all"]
        vm = uuid_for(sim, CATALOG["stopVirtualMachine"], "id")
        proc = subprocess.Popen(
            [sys.executable, *args], env=env, cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _rpc(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})  # fmt: skip
            assert proc.stdout is not None and b'"id":1' in proc.stdout.readline().replace(b" ", b"")
            _rpc(proc, {"jsonrpc": "2.0", "method": "notifications/initialized"})
            _rpc(proc, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                        "params": {"name": "stop_virtual_machine", "arguments": {"id": vm}}})  # fmt: skip
            deadline = time.monotonic() + 20
            while not any(r.command == "queryAsyncJobResult" for r in sim.requests):  # the job is being followed
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) != 0
        finally:
            if proc.poll() is None:
                proc.kill()
    lines = records(path)
    assert [r["record"] for r in lines] == ["intent", "outcome"]
    intent, outcome = lines
    assert intent["api"] == "stopVirtualMachine" and intent["confirmation"]
    assert outcome["request_id"] == intent["request_id"] and outcome["status"] == "unknown"
    assert outcome["job_id"] and "SIGTERM" in outcome["reason"]
