"""The test lanes (the README command is the fast lane, .ci/run runs it verbatim) and the layout of the tests."""

from __future__ import annotations

import ast
import re

from tests.apidata import ROOT

FAST = '-m "not slow and not clients and not lb"'


def readme_test_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"Run the tests.*?```sh\n(?P<cmd>[^\n]+)\n```", text, re.S)
    assert m, "README.md lost its 'Run the tests' command"
    return m.group("cmd")


def test_the_readme_command_is_the_fast_lane_and_ci_runs_it_verbatim() -> None:
    command = readme_test_command()
    assert command.endswith(FAST) and "python -m pytest" in command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in ci, ".ci/run must run the README's test command as it is written"
    assert any('-m "slow or clients or lb"' in line and "pytest" in line for line in ci)  # and the other lanes


def test_the_lane_markers_are_registered() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # (tomllib is 3.11+; we support 3.10)
    markers = re.search(r"^markers = \[(?P<body>.*?)^\]", text, re.S | re.M)
    assert markers and {"slow", "clients", "lb"} <= set(re.findall(r'^\s*"(\w+):', markers.group("body"), re.M))
    assert re.search(r'^\s*"pytest-xdist[>=<~]', text, re.M)  # the command's -n needs it, in the test extra


def test_no_test_module_imports_another_or_conftest() -> None:
    """Shared helpers live in tests/*_helpers.py and tests/apidata.py, fixtures in conftest.py only."""
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                last = name.rsplit(".", 1)[-1]
                assert not (last.startswith("test_") or last == "conftest"), f"{path.name} imports {name}"
