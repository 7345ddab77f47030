"""The embedded simulator's cloud in a state file (simulator/backend/persist.py): kept across restarts and
processes, versioned, rebuilt when damaged, reset on request, safe for concurrent writers (file lock)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cloudstack_mcp.cli import main
from cloudstack_mcp.simulator import Simulator
from cloudstack_mcp.simulator.backend.persist import state_file_for
from tests.core_helpers import isolated_env
from tests.simulator_helpers import Signed


def _deploy(sim: Simulator, name: str) -> str:
    api = Signed(sim)
    try:
        zone = api.ok("listZones")["zone"][0]["id"]
        offering = api.ok("listServiceOfferings")["serviceoffering"][0]["id"]
        template = api.ok("listTemplates", templatefilter="executable")["template"][0]["id"]
        r = api.post("deployVirtualMachine", zoneid=zone, serviceofferingid=offering, templateid=template, name=name)
        assert r.status_code == 200, r.text
        return r.json()["deployvirtualmachineresponse"]["id"]
    finally:
        api.close()


def _vm_names(sim: Simulator) -> set[str]:
    api = Signed(sim)
    try:
        return {vm["name"] for vm in api.ok("listVirtualMachines", listall="true").get("virtualmachine", [])}
    finally:
        api.close()


def test_a_restart_keeps_the_cloud(tmp_path: Path) -> None:
    with Simulator(state_dir=tmp_path, job_seconds=0).running() as first:
        _deploy(first, "kept-vm")
    with Simulator(state_dir=tmp_path, job_seconds=0).running() as second:
        assert "kept-vm" in _vm_names(second)
    with Simulator(state_dir=tmp_path, job_seconds=0, reset_state=True).running() as fresh:
        assert "kept-vm" not in _vm_names(fresh)
    with Simulator(job_seconds=0).running() as in_memory:  # no state_dir: nothing read or written
        assert "kept-vm" not in _vm_names(in_memory)


def test_a_job_left_running_is_finished_on_the_way_out(tmp_path: Path) -> None:
    with Simulator(state_dir=tmp_path, job_seconds=3600).running() as first:
        _deploy(first, "slow-vm")
    with Simulator(state_dir=tmp_path, job_seconds=0).running() as second:
        api = Signed(second)
        jobs = api.ok("listAsyncJobs", listall="true")["asyncjobs"]
        api.close()
        assert jobs and all(job["jobstatus"] != 0 for job in jobs)
        assert "slow-vm" in _vm_names(second)


@pytest.mark.parametrize(
    "damage",
    [b"garbage", b"cloudstack-mcp-simulator-state 999 0000\n...", b"cloudstack-mcp-simulator-state 1 "],
    ids=["not-ours", "other-version", "truncated"],
)
def test_a_damaged_or_foreign_file_is_rebuilt(tmp_path: Path, damage: bytes, caplog: pytest.LogCaptureFixture) -> None:
    with Simulator(state_dir=tmp_path, job_seconds=0).running() as first:
        _deploy(first, "lost-vm")
        path = first.state.path  # type: ignore[union-attr]
    if damage.endswith(b" "):  # the right header, then a cut-off body
        damage = path.read_bytes()[:200]
    path.write_bytes(damage)
    with Simulator(state_dir=tmp_path, job_seconds=0).running() as rebuilt:
        assert rebuilt.state is not None and rebuilt.state.rebuilt
        assert "lost-vm" not in _vm_names(rebuilt) and _vm_names(rebuilt)  # a freshly seeded cloud
    assert "starting from a freshly seeded cloud" in caplog.text
    assert path.read_bytes().startswith(b"cloudstack-mcp-simulator-state 1 ")


def test_one_file_per_catalog(tmp_path: Path) -> None:
    from tests.apidata import SPEC_420

    builtin, spec = Simulator(state_dir=tmp_path), Simulator(SPEC_420, state_dir=tmp_path)
    assert builtin.state and spec.state and builtin.state.path != spec.state.path
    assert builtin.state.path == state_file_for(tmp_path, builtin.catalog)


def test_two_live_simulators_share_one_cloud_without_losing_writes(tmp_path: Path) -> None:
    """Two servers on one state file (two processes, here two threads' worth): each sees the other's
    changes at its next request, and concurrent writers lose nothing (the lock)."""
    with (
        Simulator(state_dir=tmp_path, job_seconds=0).running() as a,
        Simulator(state_dir=tmp_path, job_seconds=0).running() as b,
    ):
        _deploy(a, "from-a")
        assert "from-a" in _vm_names(b)

        def create(sim: Simulator, prefix: str) -> None:
            api = Signed(sim)
            for i in range(8):
                assert api.post("createDomain", name=f"{prefix}-{i}").status_code == 200
            api.close()

        threads = [threading.Thread(target=create, args=(sim, p)) for sim, p in ((a, "da"), (b, "db"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        api = Signed(a)
        names = {d["name"] for d in api.ok("listDomains", listall="true")["domain"]}
        api.close()
        assert {f"{p}-{i}" for p in ("da", "db") for i in range(8)} <= names


def test_a_second_process_sees_the_vm_the_first_deployed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through the command line, as a newcomer would: `call deploy_virtual_machine`, then another process."""
    env = isolated_env(tmp_path)
    for name in [n for n in list(__import__("os").environ) if n.startswith("CLOUDSTACK")]:
        monkeypatch.delenv(name)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)

    def answer(*argv: str) -> dict:
        assert main(["call", *argv, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    zone = answer("list_zones")["zone"][0]["id"]
    offering = answer("list_service_offerings")["serviceoffering"][0]["id"]
    template = answer("list_templates", "templatefilter=executable")["template"][0]["id"]
    deployed = answer(
        "deploy_virtual_machine",
        f"zoneid={zone}",
        f"serviceofferingid={offering}",
        f"templateid={template}",
        "name=first-process-vm",
    )
    assert "first-process-vm" in json.dumps(deployed)
    second = subprocess.run(
        [sys.executable, "-m", "cloudstack_mcp", "call", "list_virtual_machines", "name=first-process-vm", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 0, second.stderr
    (vm,) = json.loads(second.stdout)["virtualmachine"]
    assert vm["name"] == "first-process-vm" and vm["state"] == "Running"
    assert "kept in" in second.stderr and ".state" in second.stderr
