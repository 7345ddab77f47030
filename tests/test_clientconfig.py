"""`cloudstack-mcp config --client NAME`: the snippet per client, absolute command, current settings,
secrets referenced and never printed; the printed snippet starts a working server."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from cloudstack_mcp.cli import main
from tests.core_helpers import isolated_env

SECRET = "s3cr3t-never-printed"
KEY = "key-never-printed-either"


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


def snippet(capsys: pytest.CaptureFixture[str], client: str, *argv: str) -> tuple[str, str]:
    assert main(["config", "--client", client, *argv]) == 0
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err and KEY not in captured.out + captured.err
    return captured.out, captured.err


@pytest.fixture
def by_env(env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", "https://cloud.example.com/client/api")
    monkeypatch.setenv("CLOUDSTACK_KEY", KEY)
    monkeypatch.setenv("CLOUDSTACK_SECRET", SECRET)
    return env


def test_vscode_uses_servers_and_password_inputs(by_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, err = snippet(capsys, "vscode", "--toolsets", "default,host", "--read-only")
    doc = json.loads(out)
    server = doc["servers"]["cloudstack"]
    assert "mcpServers" not in doc and server["type"] == "stdio"
    assert Path(server["command"]).is_absolute() and Path(server["command"]).exists()
    assert server["env"]["CLOUDSTACK_SECRET"] == "${input:cloudstack-secret}"
    assert server["env"]["CLOUDSTACK_ENDPOINT"] == "https://cloud.example.com/client/api"
    assert server["env"]["CLOUDSTACK_MCP_TOOLSETS"] == "default,host"
    assert server["env"]["CLOUDSTACK_MCP_READ_ONLY"] == "true"
    assert all(i["password"] for i in doc["inputs"])
    assert ".vscode/mcp.json" in err


def test_cursor_and_claude_desktop(by_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, err = snippet(capsys, "cursor")
    env = json.loads(out)["mcpServers"]["cloudstack"]["env"]
    assert env["CLOUDSTACK_KEY"] == "${env:CLOUDSTACK_KEY}" and "~/.cursor/mcp.json" in err
    out, err = snippet(capsys, "claude-desktop")
    entry = json.loads(out)["mcpServers"]["cloudstack"]
    assert entry["env"]["CLOUDSTACK_SECRET"].startswith("<replace")
    assert "claude_desktop_config.json" in err and "Application Support" in err and "APPDATA" in err


def test_claude_code_line(by_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = snippet(capsys, "claude-code", "--confirm-level", "critical")
    words = shlex.split(out)
    assert words[:4] == ["claude", "mcp", "add", "cloudstack"]
    assert 'CLOUDSTACK_SECRET="$CLOUDSTACK_SECRET"' in out  # the shell expands it; we never see it
    assert "CLOUDSTACK_MCP_CONFIRM_LEVEL=critical" in words
    command = words[words.index("--") + 1 :]
    assert Path(command[0]).is_absolute()


def test_an_ini_connection_stays_in_the_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ini = env / ".cloudstack.ini"
    ini.write_text(f"[cloudstack]\nendpoint = https://c.example.com/client/api\nkey = {KEY}\nsecret = {SECRET}\n")
    out, err = snippet(capsys, "claude-desktop")
    assert json.loads(out)["mcpServers"]["cloudstack"]["env"] == {"CLOUDSTACK_CONFIG": str(ini.resolve())}
    assert "nothing secret is copied" in err


@pytest.mark.anyio
async def test_the_snippet_starts_a_working_server(
    env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out, _ = snippet(capsys, "claude-desktop", "--toolsets", "default,host")
    entry = json.loads(out)["mcpServers"]["cloudstack"]
    params = StdioServerParameters(
        command=entry["command"],
        args=entry.get("args", []),
        env={**isolated_env(tmp_path), **entry.get("env", {})},
        cwd=str(tmp_path),
    )
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert "prepare_host_for_maintenance" in names  # the settings came along
