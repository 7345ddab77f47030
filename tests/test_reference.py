"""`cloudstack-mcp docs`: the generated 4.20 reference (built into a build folder, never committed) documents
864 of 864 APIs, each once, with every parameter, async, danger and confirmation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.cli import main
from cloudstack_mcp.policy.classify import classify
from cloudstack_mcp.tools.toolsets import category_for
from tests.apidata import SPEC_420

SECTION = re.compile(r"^### `(?P<tool>[a-z0-9_]+)`\n\nAPI `(?P<api>\w+)`", re.M)


def test_the_420_reference_is_complete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "build" / "reference"
    assert main(["docs", "--api-spec", str(SPEC_420), "--out", str(out)]) == 0
    assert "864 of 864 APIs documented" in capsys.readouterr().out
    catalog = Catalog.load(SPEC_420)
    seen: dict[str, str] = {}
    for page in sorted(out.glob("*.md")):
        if page.name == "index.md":
            continue
        text = page.read_text(encoding="utf-8")
        sections = text.split("\n### ")[1:]
        for match, body in zip(SECTION.finditer(text), sections, strict=True):
            api = catalog[match["api"]]
            assert match["api"] not in seen, f"{match['api']} documented twice"
            seen[match["api"]] = page.stem
            assert page.stem == category_for(api.name)  # on its toolset's page
            assert match["tool"] == catalog.names.tool_of(api.name)
            for param in api.params:
                assert f"| `{param.name}` | {param.type}" in body, (api.name, param.name)
            assert f"- async: {'yes' if api.isasync else 'no'}" in body
            policy = classify(api)
            assert ("read-only" in body) == policy.read_only
            assert "- confirmation: " in body
    assert len(seen) == len(catalog) == 864
    index = (out / "index.md").read_text(encoding="utf-8")
    assert sum(int(n) for n in re.findall(r"\| (\d+) \|$", index, re.M)) == 864


def test_confirmation_follows_the_level(tmp_path: Path) -> None:
    from cloudstack_mcp.reference import write_reference
    from cloudstack_mcp.severity import Severity

    catalog = Catalog.load(SPEC_420)
    write_reference(catalog, tmp_path / "high")
    write_reference(catalog, tmp_path / "low", confirm_level=Severity.LOW)
    high = (tmp_path / "high" / "host.md").read_text(encoding="utf-8")
    low = (tmp_path / "low" / "host.md").read_text(encoding="utf-8")
    assert high.count("- confirmation: yes") < low.count("- confirmation: yes")
