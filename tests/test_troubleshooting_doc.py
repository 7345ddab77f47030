"""docs/troubleshooting.md stays true: each entry's message fragment is produced by the code word for word,
and the entry's quoted message contains it."""

from __future__ import annotations

import re

from tests.venv_helpers import ROOT

MARKER = re.compile(r'<!-- source: "(?P<fragment>[^"]+)" -->\n(?P<entry>.*?)(?=\n### |\n## |\Z)', re.S)


def test_every_quoted_message_comes_from_the_code() -> None:
    doc = (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "cloudstack_mcp").rglob("*.py"))
    entries = list(MARKER.finditer(doc))
    assert len(entries) >= 15
    for match in entries:
        fragment = match["fragment"]
        assert fragment in source, f"no code produces {fragment!r} any more: update docs/troubleshooting.md"
        quoted = " ".join(line[1:].strip() for line in match["entry"].splitlines() if line.startswith(">"))
        assert fragment.strip() in quoted, f"the quoted message of {fragment!r} does not contain it"
