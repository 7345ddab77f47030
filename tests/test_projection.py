"""The structured content of list answers: the projection the text shows, left out for long lists, the whole
answer when asked (fields=["*"], --output json)."""

from __future__ import annotations

import json
from typing import Any

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.render import render_answer, structured_output
from cloudstack_mcp.render.modes import STRUCTURED_LIMIT
from cloudstack_mcp.render.projection import project_answer
from tests.apidata import SPEC_420

CATALOG = Catalog.load(SPEC_420)
API = CATALOG["listVirtualMachines"]


def vm(i: int) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{i:012d}",
        "name": f"vm-{i}",
        "displayname": f"vm-{i}",
        "state": "Running" if i % 2 else "Stopped",
        "zonename": "zone-a",
        "hypervisor": "KVM",
        "templateid": f"t-{i}",
        "password": "s3cret-pw",
        "nic": [
            {"id": f"n{i}", "ipaddress": f"10.0.0.{i + 1}", "macaddress": f"02:00:00:00:00:{i:02x}", "isdefault": True},
            {"id": f"m{i}", "ipaddress": f"192.168.0.{i + 1}", "macaddress": f"02:00:00:00:01:{i:02x}"},
        ],
        "tags": [{"key": "env", "value": f"team{i}", "resourceid": f"00000000-0000-4000-8000-{i:012d}", "account": "a"}],
    }


def answer(n: int) -> dict[str, Any]:
    return {"count": n, "virtualmachine": [vm(i) for i in range(n)]}


def test_rows_carry_the_texts_columns_in_cloudstacks_shape() -> None:
    data = project_answer(API, answer(5))
    text = render_answer(API, answer(5))
    assert data["count"] == 5 and len(data["virtualmachine"]) == 5
    row = data["virtualmachine"][0]
    assert row["id"] == vm(0)["id"] and row["name"] == "vm-0" and row["state"] == "Stopped"
    assert row["nic"] == [{"ipaddress": "10.0.0.1"}, {"ipaddress": "192.168.0.1"}]  # nesting kept, pruned
    assert row["tags"] == [{"key": "env", "value": "team0"}]
    assert "templateid" not in row and "templateid" in data["not_shown"]["fields"] and "templateid" in text
    assert data["same_in_every_row"] == {"zonename": "zone-a", "hypervisor": "KVM"}  # said once, as in the text
    assert "same in every row: zonename=zone-a, hypervisor=KVM" in text
    assert "s3cret-pw" not in json.dumps(data)


def test_chosen_fields_merge_into_one_nested_part() -> None:
    data = project_answer(API, answer(3), fields=["name", "nic.ipaddress", "nic.macaddress", "nosuch"])
    row = data["virtualmachine"][1]
    assert set(row) == {"id", "name", "nic"}
    assert row["nic"][0] == {"ipaddress": "10.0.0.2", "macaddress": "02:00:00:00:00:01"}
    assert data["unknown_fields"] == ["nosuch"]


def test_rows_cut_as_in_the_text_and_the_whole_answer_when_asked() -> None:
    data = project_answer(API, answer(12), max_rows=10)
    assert len(data["virtualmachine"]) == 10 and data["rows_cut"]["of"] == 12 and data["count"] == 12
    assert project_answer(API, answer(12), fields=["*"]) == answer(12)
    assert structured_output(API, answer(12), mode="json") == answer(12)
    assert structured_output(API, answer(12), mode="both") == answer(12)
    one = {"virtualmachine": vm(1)}  # a single object: as it is
    assert structured_output(API, one) == one


def test_a_long_lists_projection_is_left_out_and_the_text_keeps_every_id_name_state_and_ip() -> None:
    short, long = answer(2), answer(50)
    assert len(json.dumps(project_answer(API, short))) <= STRUCTURED_LIMIT
    assert structured_output(API, short) == project_answer(API, short)
    assert len(json.dumps(project_answer(API, long))) > STRUCTURED_LIMIT
    assert structured_output(API, long) is None
    text = render_answer(API, long)
    for item in long["virtualmachine"]:
        assert all(
            str(v) in text for v in (item["id"], item["name"], item["state"], *(n["ipaddress"] for n in item["nic"]))
        )
    assert len(text) <= 0.25 * len(json.dumps(long, separators=(",", ":")))
