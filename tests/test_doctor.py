"""`cloudstack-mcp doctor` against the simulator: healthy, wrong key, wrong endpoint, unreachable, clock skew
(the simulator's Date header and expiry check run ahead), unwritable audit log; each with its diagnosis and
exit code, as text and as --json."""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cloudstack_mcp.cli import main
from cloudstack_mcp.simulator import Simulator


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("CLOUDSTACK"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def configured(env: Path, sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    admin = sim.credentials["admin"]
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", sim.endpoint)
    monkeypatch.setenv("CLOUDSTACK_KEY", admin.api_key)
    monkeypatch.setenv("CLOUDSTACK_SECRET", admin.secret_key)
    yield sim
    sim.clock_offset = 0


def doctor(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, dict[str, Any]], str]:
    code = main(["doctor", "--json", *argv])
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert doc["ok"] is (code == 0)
    return code, {c["name"]: c for c in doc["checks"]}, out


def _seconds(text: str) -> int:
    return int(re.search(r"is (\d+) s", text).group(1))  # type: ignore[union-attr]


def test_healthy(configured: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    code, checks, out = doctor(capsys)
    assert code == 0
    assert {c["status"] for c in checks.values()} <= {"ok", "skip", "warn"}
    assert "user admin of account admin" in checks["signed call"]["summary"]
    assert "Root Admin" in checks["signed call"]["summary"]
    assert checks["clock"]["status"] == "ok"  # the simulator sends a Date header now
    assert "APIs for this role" in checks["catalog"]["summary"]
    assert "tools" in checks["profile"]["summary"] and "tokens" in checks["profile"]["summary"]
    assert checks["audit log"]["status"] == "ok" and "writable" in checks["audit log"]["summary"]
    assert "elicitation" in checks["confirmation"]["summary"]
    admin = configured.credentials["admin"]
    assert admin.secret_key not in out and admin.api_key not in out  # masked
    assert "environment variable CLOUDSTACK_KEY" in checks["configuration"]["details"]["api key"]


def test_text_output(configured: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("OK    configuration") and "all checks passed" in out


def test_nothing_configured_checks_the_embedded_simulator(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, checks, _ = doctor(capsys)
    assert code == 0
    assert "built-in simulator" in checks["configuration"]["summary"]
    assert "of the simulator" in checks["catalog"]["summary"]
    assert not (env / "cache" / "cloudstack-mcp").exists()  # no catalog cache for a throw-away port


def test_wrong_key(configured: Simulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDSTACK_SECRET", "not-the-secret")
    code, checks, _ = doctor(capsys)
    assert code == 1
    assert checks["signed call"]["status"] == "fail"
    assert "Check the API key and secret" in checks["signed call"]["summary"]
    assert "Generate keys" in checks["signed call"]["fix"]
    assert "catalog" not in checks  # nothing after a failed call


def test_wrong_endpoint(
    configured: Simulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", configured.endpoint.replace("/client/api", "/wrong/api"))
    code, checks, _ = doctor(capsys)
    assert code == 1
    assert "HTTP 404" in checks["signed call"]["summary"]
    assert "does not look like a CloudStack API" in checks["signed call"]["fix"]


def test_unreachable(
    configured: Simulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", f"http://127.0.0.1:{port}/client/api")
    code, checks, _ = doctor(capsys)
    assert code == 1
    assert checks["dns"]["status"] == "ok" and checks["tcp"]["status"] == "fail"
    assert "management server running" in checks["tcp"]["fix"]
    assert "signed call" not in checks


def test_clock_far_behind_the_server(configured: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    configured.clock_offset = 3600  # the server an hour ahead: every v3 signature has expired on arrival
    code, checks, _ = doctor(capsys)
    assert code == 1
    assert "clocks disagree" in checks["signed call"]["summary"]
    assert checks["clock"]["status"] == "fail" and "s ahead of this machine's" in checks["clock"]["summary"]
    assert abs(_seconds(checks["clock"]["summary"]) - 3600) <= 2  # the Date header has whole seconds
    assert "NTP" in checks["clock"]["fix"]


def test_mild_clock_skew_is_a_warning(configured: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    configured.clock_offset = -120
    code, checks, _ = doctor(capsys)
    assert code == 0
    assert checks["clock"]["status"] == "warn" and "s behind this machine's" in checks["clock"]["summary"]
    assert abs(_seconds(checks["clock"]["summary"]) - 120) <= 2


def test_unwritable_audit_log(configured: Simulator, env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = env / "a-file"
    blocker.write_text("")
    code, checks, _ = doctor(capsys, "--audit-log", str(blocker / "audit.jsonl"))
    assert code == 1
    assert checks["audit log"]["status"] == "fail" and "--audit-log" in checks["audit log"]["fix"]


def test_credentials_missing(env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", "http://127.0.0.1:9/client/api")
    code, checks, _ = doctor(capsys)
    assert code == 1 and checks["configuration"]["status"] == "fail"
    assert "CLOUDSTACK_KEY" in checks["configuration"]["summary"] and checks["configuration"]["fix"]


def test_embedded_simulator_with_skew_and_faults(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The embedded simulator takes --simulator-clock-offset and --simulator-faults (CLOUDSTACK_MCP_SIMULATOR_*)."""
    code, checks, _ = doctor(capsys, "--simulator-clock-offset", "-300")
    assert code == 0 and checks["clock"]["status"] == "warn"
    assert abs(_seconds(checks["clock"]["summary"]) - 300) <= 2
    faults = env / "faults.json"
    faults.write_text(json.dumps([{"api": "listZones", "kind": "error", "code": 530, "text": "zone db down"}]))
    assert main(["call", "list_zones", "--simulator-faults", str(faults)]) == 1
    assert "zone db down" in capsys.readouterr().err


def test_username_and_password(
    env: Path, sim: Simulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = sim.credentials["user"]
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", sim.endpoint)
    monkeypatch.setenv("CLOUDSTACK_USERNAME", user.username)
    monkeypatch.setenv("CLOUDSTACK_PASSWORD", user.password)
    monkeypatch.setenv("CLOUDSTACK_DOMAIN", user.domain)
    code, checks, out = doctor(capsys)
    assert code == 0, out
    assert f"login session as user {user.username}" in checks["signed call"]["summary"]
    assert checks["configuration"]["details"]["password"].startswith("set, never shown")
    monkeypatch.setenv("CLOUDSTACK_PASSWORD", "wrong-password")
    code, checks, _ = doctor(capsys)
    assert code == 1 and checks["login"]["status"] == "fail" and "CLOUDSTACK_DOMAIN" in checks["login"]["fix"]
