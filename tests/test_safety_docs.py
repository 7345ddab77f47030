"""docs/safety.md: its table of dangerous APIs is the one generated from the 4.20 spec, and it documents every flag."""

from __future__ import annotations

import re

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.cli import build_parser
from cloudstack_mcp.policy.classify import markdown_table
from tests.apidata import ROOT, SPEC_420

DOC = ROOT / "docs" / "safety.md"


def test_generated_table_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"<!-- BEGIN GENERATED[^>]*-->\n(.*)<!-- END GENERATED -->", text, re.S)
    assert m, "docs/safety.md lost its generated-table markers"
    expected = markdown_table(Catalog.load(SPEC_420).values())
    assert m.group(1) == expected, "regenerate: python -m cloudstack_mcp.policy.classify --markdown SPEC"


def test_every_safety_flag_is_documented_and_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    help_text = build_parser().format_help()
    for flag in ("--confirm-mode", "--confirm-level", "--read-only", "--allow-tools", "--deny-tools", "--audit-log",
                 "--no-audit-required"):  # fmt: skip
        assert flag in text and flag in help_text, flag
