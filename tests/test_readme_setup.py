"""The README's set-up commands, run as written in a fresh virtual environment (offline: pip gets
--no-index --no-deps --no-build-isolation and the dependencies are lent, tests/venv_helpers.py), then a
first call against the embedded simulator; a second process sees the VM the first deployed."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.venv_helpers import OFFLINE, ROOT, clean_env, lend_dependencies, source_copy, venv_site


def setup_block() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- setup:[^>]*-->\n```sh\n(.*?)```", readme, re.S)
    assert match, "README.md has no <!-- setup: --> block"
    return [line.split("  #")[0].strip() for line in match.group(1).splitlines() if line.strip()]


def test_the_block_is_what_a_newcomer_needs() -> None:
    lines = setup_block()
    assert lines[0].startswith("python -m venv .venv")
    assert "pip install ." in lines and any(line.startswith("cloudstack-mcp doctor") for line in lines)


@pytest.mark.slow
def test_readme_setup_in_a_fresh_venv(tmp_path: Path) -> None:
    checkout = source_copy(tmp_path / "checkout")
    env = clean_env(tmp_path, CLOUDSTACK_MCP_CONFIRM_MODE="allow")
    lines = setup_block()
    # The first line makes the environment; before anything is installed into it, lend it our dependencies.
    subprocess.run(["bash", "-c", lines[0].split("&&")[0]], cwd=checkout, env=env, check=True, timeout=300)
    lend_dependencies(checkout / ".venv")
    assert venv_site(checkout / ".venv").is_dir()
    script = "\n".join(
        ["set -e", *(line.replace("pip install .", f"pip install {' '.join(OFFLINE)} .") for line in lines)]
    )
    run = subprocess.run(["bash", "-c", script], cwd=checkout, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "all checks passed" in run.stdout and "zone" in run.stdout  # doctor, then the first call
    tool = str(checkout / ".venv" / "bin" / "cloudstack-mcp")

    def call(*argv: str) -> dict:
        done = subprocess.run(
            [tool, "call", *argv, "--json"], cwd=checkout, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    zone = call("list_zones")["zone"][0]["id"]
    offering = call("list_service_offerings")["serviceoffering"][0]["id"]
    template = call("list_templates", "templatefilter=executable")["template"][0]["id"]
    call(
        "deploy_virtual_machine",
        f"zoneid={zone}",
        f"serviceofferingid={offering}",
        f"templateid={template}",
        "name=readme-vm",
    )
    (vm,) = call("list_virtual_machines", "name=readme-vm")["virtualmachine"]  # another process
    assert vm["state"] == "Running"
