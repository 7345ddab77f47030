"""The `cloudstack-mcp` command: help, tools, call, sync, serve (stdio default, HTTP), simulator, bad config."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from mcp import Client

from cloudstack_mcp.catalog.loader import cache_file
from cloudstack_mcp.cli import build_parser, main
from cloudstack_mcp.config import load_settings
from cloudstack_mcp.simulator import Simulator
from tests.apidata import SPEC_420
from tests.core_helpers import isolated_env

COMMANDS = ("serve", "simulator", "tools", "call", "sync", "token", "doctor", "config", "docs")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment: no ini files, no CloudStack variables, caches under tmp_path."""
    for name in list(os.environ):
        if name.startswith("CLOUDSTACK"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def configured(env: Path, sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    admin = sim.credentials["admin"]
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", sim.endpoint)
    monkeypatch.setenv("CLOUDSTACK_KEY", admin.api_key)
    monkeypatch.setenv("CLOUDSTACK_SECRET", admin.secret_key)
    monkeypatch.setenv("CLOUDSTACK_MCP_POLL_INTERVAL", "0.01")
    return sim


def test_help_names_every_command_and_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    for word in (*COMMANDS, "--toolsets", "--read-only", "--api-spec", "CLOUDSTACK_ENDPOINT", "cloudstack.ini"):
        assert word in out
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    for name, subparser in sub.choices.items():
        text = subparser.format_help()
        assert text.strip(), name
        for action in subparser._actions:  # every option is documented
            assert action.help, f"{name}: {action.option_strings or action.dest} has no help"
    assert "--transport" in sub.choices["serve"].format_help() and "--json" in sub.choices["tools"].format_help()


def test_tools_lists_every_api_with_a_spec(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tools", "--api-spec", str(SPEC_420), "--toolsets", "all"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["TOOL", "API", "CATEGORY", "ASYNC", "DANGER"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert {"list_zones", "deploy_virtual_machine", "delete_image_store"} <= set(rows)
    assert rows["list_zones"][1:] == ["listZones", rows["list_zones"][2], "no", "read"]
    assert rows["deploy_virtual_machine"][3] == "yes"
    assert "built-in simulator" in err and "tools listed from 864 APIs" in err


def test_tools_json(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tools", "--api-spec", str(SPEC_420), "--tools", "list_zones,deploy_*", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_tool = {r["tool"]: r for r in rows}
    assert by_tool["list_zones"]["api"] == "listZones" and by_tool["list_zones"]["danger"] == "read"
    assert by_tool["deploy_virtual_machine"]["async"] is True
    assert "zoneid" in by_tool["deploy_virtual_machine"]["inputSchema"]["required"]


def test_call_through_the_pipeline(configured: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    zone = next(iter(configured.cloud.store.all("ZoneResponse")))
    assert main(["call", "list_zones", f"id={zone['id']}"]) == 0
    assert zone["name"] in capsys.readouterr().out
    assert main(["call", "listZones", "--json", "available=true"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["zone"][0]["id"] == zone["id"]
    record = next(r for r in reversed(configured.requests) if r.command == "listZones")
    assert record.params["available"] == "true"


def test_call_errors_exit_1(configured: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    before = len(configured.requests)
    assert main(["call", "list_zones", "nosuch=1"]) == 1
    assert "unknown parameter 'nosuch'" in capsys.readouterr().err
    assert main(["call", "listZonez"]) == 1
    assert "unknown API 'listZonez'" in capsys.readouterr().err
    assert main(["call", "list_zones", "not-an-assignment"]) == 2
    assert "is not NAME=VALUE" in capsys.readouterr().err
    assert [r.command for r in configured.requests[before:] if r.command != "listApis"] == []


def test_call_json_values(configured: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    vm = next(iter(configured.cloud.store.all("UserVmResponse")))
    argv = ["call", "list_virtual_machines", f'ids=["{vm["id"]}"]', 'tags={"env": "prod"}', "listall=true"]
    main(argv)
    capsys.readouterr()
    record = next(r for r in reversed(configured.requests) if r.command == "listVirtualMachines")
    assert record.params["ids"] == vm["id"] and record.params["tags[0].key"] == "env"
    assert record.params["tags[0].value"] == "prod" and record.params["listall"] == "true"


def test_sync_writes_the_cache(configured: Simulator, env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    path = cache_file(load_settings())
    assert path.is_file() and str(path) in out and f"{len(configured.catalog)} APIs" in out
    assert path.stat().st_mode & 0o077 == 0  # readable by the user only
    assert configured.credentials["admin"].secret_key not in path.read_text()


def test_sync_needs_a_cloudstack(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync"]) == 0
    assert "nothing to sync" in capsys.readouterr().out
    assert main(["sync", "--api-spec", str(SPEC_420)]) == 0
    assert "--api-spec" in capsys.readouterr().out


def test_bad_configuration_exits_2(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (env / ".cloudstack.ini").write_text("[cloudstack\nendpoint = x\n")
    assert main(["tools"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cloudstack-mcp: error: cannot read") and ".cloudstack.ini" in err
    (env / ".cloudstack.ini").unlink()
    assert main(["tools", "--toolsets", "nonsense"]) == 2
    assert "unknown toolset" in capsys.readouterr().err


def test_serve_is_the_default_command_and_says_it_uses_the_simulator(tmp_path: Path) -> None:
    # stdin closed at once: the server starts, sees the end of input and exits cleanly.
    proc = subprocess.run(
        [sys.executable, "-m", "cloudstack_mcp"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=isolated_env(tmp_path, PATH=os.environ.get("PATH", "")),
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "no CloudStack configured" in proc.stderr and "built-in simulator" in proc.stderr
    assert proc.stdout == ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.anyio
async def test_streamable_http_transport(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloudstack_mcp", "serve", "--transport", "http", "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=isolated_env(tmp_path, PATH=os.environ.get("PATH", "")),
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
                await anyio.sleep(0.1)
        for mode in ("legacy", "auto"):  # both protocol eras over HTTP
            async with Client(f"http://127.0.0.1:{port}/mcp", mode=mode) as client:
                assert (client.session.protocol_version == "2026-07-28") == (mode == "auto")
                tools = {t.name for t in (await client.list_tools()).tools}
                assert "list_zones" in tools
                result = await client.call_tool("list_zones", {})
                assert not result.is_error and result.structured_content["zone"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def test_simulator_command_prints_keys_and_serves(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloudstack_mcp", "simulator", "--port", "0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=isolated_env(tmp_path, PATH=os.environ.get("PATH", "")),
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("secret key:"):
                break
        banner = "".join(lines)
        assert "endpoint:" in banner and "api key:" in banner
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def test_unreachable_cloudstack_or_bad_spec_at_start(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", f"http://127.0.0.1:{_free_port()}/client/api")
    monkeypatch.setenv("CLOUDSTACK_KEY", "k")
    monkeypatch.setenv("CLOUDSTACK_SECRET", "s")
    monkeypatch.setenv("CLOUDSTACK_MCP_RETRIES", "0")
    assert main(["tools"]) == 2  # no cached catalog and nobody to ask
    assert "cannot connect to CloudStack" in capsys.readouterr().err
    bad = env / "spec.json"
    bad.write_text('{"listapisresponse": ')
    assert main(["tools", "--api-spec", str(bad)]) == 2
    assert "is not valid JSON" in capsys.readouterr().err
