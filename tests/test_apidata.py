"""The facts-only API copy in tests/data: facts only, and what the script makes from the shared data."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.apidata import ROOT, SHARED_API, SHARED_MISSING, SPEC_418, SPEC_420


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


@pytest.mark.parametrize("spec", [SPEC_420, SPEC_418, SPEC_420.with_name("apis-meta.json")], ids=["4.20", "4.18", "meta"])
def test_the_copy_holds_no_descriptions(spec) -> None:
    keys = _keys(json.loads(spec.read_text()))
    assert "description" not in keys and "name" in keys


@pytest.mark.skipif(SHARED_API is None, reason=SHARED_MISSING)
def test_the_copy_is_what_the_script_makes_from_the_shared_data() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_api_facts.py"), "--check"],
        env={"CLOUDSTACK_MCP_SHARED": str(SHARED_API.parent), "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
