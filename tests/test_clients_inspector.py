"""MCP Inspector's CLI (tests/clients, pinned) against the real server over stdio.

Its tool-schema portability check (`--method tools/list --strict`: type unions, remote refs, untyped
and boolean schemas) finds nothing for the default profile and for `--toolsets all` (4.20 and 4.18),
and a confirmation request is a normal result (Inspector exits 0; an isError result makes it exit 5).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.apidata import SPEC_418, SPEC_420

ROOT = Path(__file__).resolve().parents[1]
INSPECTOR = ROOT / "tests" / "clients" / "node_modules" / "@modelcontextprotocol" / "inspector" / "clients" / "cli" / "build" / "index.js"  # fmt: skip

pytestmark = [
    pytest.mark.clients,
    pytest.mark.skipif(shutil.which("node") is None or not INSPECTOR.exists(), reason="needs node and npm ci in tests/clients"),
]  # fmt: skip


def inspector(tmp: Path, *server_args: str, method: list[str]) -> subprocess.CompletedProcess[str]:
    # Inspector starts the server with a minimal environment: pass what it needs with -e.
    env = {"PYTHONPATH": str(ROOT), "HOME": str(tmp), "XDG_STATE_HOME": str(tmp / "state"),
           "XDG_CACHE_HOME": str(tmp / "cache"), "XDG_CONFIG_HOME": str(tmp / "config")}  # fmt: skip
    flags = [x for k, v in env.items() for x in ("-e", f"{k}={v}")]
    command = ["node", str(INSPECTOR), "--cli", *flags, sys.executable, "-m", "cloudstack_mcp", *server_args, *method]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=240, cwd=tmp, env={**os.environ, "HOME": str(tmp)}
    )


@pytest.mark.parametrize(
    "server_args",
    [[], ["--toolsets", "all"], ["--api-spec", str(SPEC_420), "--toolsets", "all"],
     ["--api-spec", str(SPEC_418), "--toolsets", "all"]],
    ids=["default", "all-builtin", "all-4.20", "all-4.18"],
)  # fmt: skip
def test_portability_check_finds_nothing(tmp_path: Path, server_args: list[str]) -> None:
    done = inspector(tmp_path, *server_args, method=["--method", "tools/list", "--strict"])
    assert done.returncode == 0, done.stderr[-2000:]
    tools = json.loads(done.stdout)["tools"]
    assert len(tools) >= 30
    assert "Warning:" not in done.stderr and "Schema portability" not in done.stderr, done.stderr[-3000:]


def test_a_confirmation_request_is_not_an_error_for_inspector(tmp_path: Path) -> None:
    vm = "7b1e6c2a-0000-4000-8000-000000000001"  # never sent: confirmation comes first
    done = inspector(
        tmp_path, method=["--method", "tools/call", "--tool-name", "destroy_virtual_machine", "--tool-arg", f"id={vm}"]
    )
    assert done.returncode == 0, done.stderr[-2000:]  # 5 would mean isError: true
    result = json.loads(done.stdout)
    assert result["isError"] is False and result["content"][0]["text"].startswith("NOT DONE.")
    assert (
        result["structuredContent"]["status"] == "confirmation_required"
        and result["structuredContent"]["sent"] is False
    )
