"""CloudStack version strings of any form ("4.20.0.0", "4.23", "24.0.0", "v4.22-SNAPSHOT") read and compared."""

from __future__ import annotations

import json

import pytest

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.catalog.versions import Version, parse


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("4.18.2.0", "4.20.0.0"),
        ("4.20", "4.21.0.0"),
        ("4.22.0.0-SNAPSHOT", "4.23"),
        ("4.23", "24.0.0"),
        ("4.9", "4.10"),
    ],
)
def test_order(lower, higher):
    assert Version(lower) < Version(higher) and Version(higher).at_least(lower)
    assert not Version(lower).at_least(higher)


def test_equal_forms_and_names():
    assert Version("4.20") == "4.20.0.0" == Version("v4.20.0")
    assert Version("24.0.0").major_minor == "24.0" and Version("4.20.0.0").major_minor == "4.20"
    assert parse("?") is None and parse(None) is None and parse("4.23-rc1") == "4.23"


@pytest.mark.parametrize("folder", ["4.23", "24.0.0", "v4.22"])
def test_catalog_version_from_a_folder_of_any_form(tmp_path, folder):
    path = tmp_path / folder / "listApis.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"listapisresponse": {"count": 0, "api": []}}))
    assert Catalog.load(path).version == folder
