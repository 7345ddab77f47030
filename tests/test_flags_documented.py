"""Every flag `--help` shows, of every command, appears in docs/configuration.md."""

from __future__ import annotations

import argparse
import re

from cloudstack_mcp.cli import build_parser
from tests.venv_helpers import ROOT


def _flags(parser: argparse.ArgumentParser, path: str = "") -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= _flags(sub, f"{path} {name}".strip())
        found |= {(o, path or "(top level)") for o in action.option_strings if o.startswith("--") and o != "--help"}
    return found


def test_every_help_flag_is_in_configuration_md() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    flags = _flags(build_parser(simulator_options=True))
    assert len(flags) > 40  # the walk found the subcommands' flags too
    missing = sorted((f, c) for f, c in flags if not re.search(re.escape(f) + r"(?![\w-])", doc))
    assert not missing, f"flags in --help but not in docs/configuration.md: {missing}"
