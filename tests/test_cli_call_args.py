"""`cloudstack-mcp call`: values that parse as JSON arrive as JSON (control arguments included); text
parameters keep what was typed; --raw passes text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cloudstack_mcp.cli import main
from cloudstack_mcp.simulator import Simulator


@pytest.fixture
def configured(tmp_path: Path, sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    for name in list(os.environ):
        if name.startswith("CLOUDSTACK"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    admin = sim.credentials["admin"]
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", sim.endpoint)
    monkeypatch.setenv("CLOUDSTACK_KEY", admin.api_key)
    monkeypatch.setenv("CLOUDSTACK_SECRET", admin.secret_key)
    monkeypatch.setenv("CLOUDSTACK_MCP_POLL_INTERVAL", "0.01")
    return sim


def _sent(sim: Simulator, command: str, since: int) -> list[dict[str, str]]:
    return [r.params for r in sim.requests[since:] if r.command == command]


def _deploy_args(sim: Simulator) -> list[str]:
    store = sim.cloud.store
    zone = next(iter(store.all("ZoneResponse")))["id"]
    offering = next(iter(store.all("ServiceOfferingResponse")))["id"]
    template = next(t for t in store.all("TemplateResponse") if t.get("isready", True))["id"]
    return [f"zoneid={zone}", f"serviceofferingid={offering}", f"templateid={template}"]


def test_dry_run_true_is_a_dry_run(configured: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    before = len(configured.requests)
    assert main(["call", "deploy_virtual_machine", *_deploy_args(configured), "dry_run=true"]) == 0
    out = capsys.readouterr().out
    assert "dry run" in out.lower() and "deployVirtualMachine" in out
    assert _sent(configured, "deployVirtualMachine", before) == []


def test_raw_keeps_text_so_a_control_gets_a_string(configured: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    before = len(configured.requests)
    assert main(["call", "deploy_virtual_machine", *_deploy_args(configured), "dry_run=true", "--raw"]) == 1
    assert "dry_run" in capsys.readouterr().err
    assert _sent(configured, "deployVirtualMachine", before) == []


def test_numbers_lists_and_booleans(configured: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    zone = next(iter(configured.cloud.store.all("ZoneResponse")))["id"]
    before = len(configured.requests)
    assert main(["call", "list_zones", f'ids=["{zone}"]', "pagesize=3", "page=1", "available=true"]) == 0
    capsys.readouterr()
    (params,) = _sent(configured, "listZones", before)
    assert params["ids"] == zone and params["pagesize"] == "3" and params["available"] == "true"
    before = len(configured.requests)
    assert main(["call", "list_virtual_machines", "fetch_all=true", "listall=true"]) == 0
    capsys.readouterr()
    assert _sent(configured, "listVirtualMachines", before)


def test_text_parameters_keep_what_was_typed(configured: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    before = len(configured.requests)
    assert main(["call", "listZones", "name=007", "keyword=true"]) == 0
    capsys.readouterr()
    (params,) = _sent(configured, "listZones", before)
    assert params["name"] == "007" and params["keyword"] == "true"
