"""Rendering rules: units, dates, columns, `fields`, cuts, quoting, jobs, errors, output modes."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudstack_mcp.render import (
    OutputMode,
    answer_json,
    parse_output_mode,
    render_answer,
    render_error,
    render_job,
    render_output,
)
from cloudstack_mcp.render.values import format_bytes, format_date, format_scalar, unit_for
from tests.apidata import SPEC_420, catalog_of

CATALOG = catalog_of(SPEC_420)
GIB = 1024**3


def rows(text: str) -> list[list[str]]:
    return [line.split(" | ") for line in text.splitlines() if " | " in line]


def column(text: str, name: str) -> list[str]:
    table = rows(text)
    i = table[0].index(name)
    return [r[i] for r in table[1:]]


def vm(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{i:012d}",
        "name": f"vm-{i}",
        "state": "Running" if i % 3 else "Stopped",
        "zonename": "zone-a",
        "zoneid": "11111111-1111-4111-8111-111111111111",
        "hypervisor": "KVM",
        "memory": 2048,
        "nic": [
            {"id": f"nic-{i}-0", "ipaddress": f"10.0.{i // 250}.{i % 250 + 1}", "isdefault": True},
            {"id": f"nic-{i}-1", "ipaddress": f"192.168.0.{i % 250 + 1}", "isdefault": False},
        ],
        "tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": f"t{i}"}],
        "created": "2024-05-01T10:00:00+0000",
        **extra,
    }


# Values ------------------------------------------------------------------------------------------------


def test_sizes_in_binary_units_and_rounding_is_marked() -> None:
    assert format_bytes(20 * GIB) == "20 GiB"
    assert format_bytes(1234567890) == "~1.15 GiB"
    assert format_bytes(512) == "512 B"
    assert format_bytes(1536 * 1024**2) == "1.5 GiB"
    assert format_scalar("size", 20 * GIB) == "20 GiB"
    assert format_scalar("size", 3) == "3"  # a worker-node count called `size` stays a count


def test_units_follow_the_api_description_when_there_is_one() -> None:
    assert unit_for("size", "the size (worker nodes count) of the Kubernetes cluster") is None
    assert unit_for("disksize", "the size of the disk offering in GB") == "GiB"
    assert unit_for("memorytotal", "the total memory (in MB) owned by account") == "MiB"
    assert unit_for("memorytotal") is None  # host bytes or account MB: unknown without the API
    assert format_scalar("diskkbsread", 1015808) == "992 MiB"
    assert format_scalar("cpunumber", 4) == "4"


def test_dates_readable_with_their_zone() -> None:
    assert format_date("2021-10-04T09:24:38+0000") == "2021-10-04 09:24:38 UTC"
    assert format_date("2021-09-29T17:50:11+0530") == "2021-09-29 17:50:11 +05:30"
    assert format_date("vm-2021-10-04") is None
    assert format_scalar("name", "2021-10-04T09:24:38+0000") == "2021-10-04T09:24:38+0000"  # names verbatim


# Lists -------------------------------------------------------------------------------------------------


def test_fifty_vms_every_id_name_state_and_ip_in_rows() -> None:
    api = CATALOG["listVirtualMachines"]
    items = [vm(i) for i in range(50)]
    text = render_answer(api, {"count": 50, "virtualmachine": items})
    assert text.splitlines()[0] == "count: 50 virtualmachine"
    assert column(text, "id") == [v["id"] for v in items]
    assert column(text, "name") == [v["name"] for v in items]
    assert column(text, "state") == [v["state"] for v in items]
    assert column(text, "nic.ipaddress") == [", ".join(n["ipaddress"] for n in v["nic"]) for v in items]
    # Values shared by every row are said once.
    assert "same in every row: zonename=zone-a, hypervisor=KVM, memory=2048 MiB" in text
    assert "zonename" not in rows(text)[0]
    assert len(text) < 0.35 * len(json.dumps(items))


def test_long_list_is_cut_with_a_note_never_silently() -> None:
    api = CATALOG["listVirtualMachines"]
    items = [vm(i) for i in range(250)]
    text = render_answer(api, {"count": 250, "virtualmachine": items}, max_rows=100)
    assert len(rows(text)) == 101
    note = next(line for line in text.splitlines() if line.startswith("rows cut"))
    assert "showing 100 of 250" in note and "the other 150 are left out" in note  # issue 12: structured content holds the shown rows
    assert "page=2, pagesize=100" in note and "keyword" in note
    assert items[99]["id"] in text and items[100]["id"] not in text


def test_server_side_page_is_reported() -> None:
    text = render_answer(CATALOG["listVirtualMachines"], {"count": 700, "virtualmachine": [vm(1), vm(2)]})
    assert text.splitlines()[0].startswith("count: 700 virtualmachine (this page holds 2")


def test_fields_choose_columns_and_id_always_stays() -> None:
    items = [vm(i) for i in range(3)]
    text = render_answer(None, {"count": 3, "virtualmachine": items}, fields=["name", "nic.ipaddress", "zoneid"])
    assert rows(text)[0] == ["id", "name", "nic.ipaddress", "zoneid"]
    assert column(text, "zoneid") == [items[0]["zoneid"]] * 3
    text = render_answer(None, {"count": 3, "virtualmachine": items}, fields=["*"])
    assert rows(text)[0][:3] == ["id", "name", "state"] and "created" in rows(text)[0]


def test_unknown_fields_are_named_with_suggestions() -> None:
    text = render_answer(None, {"count": 1, "virtualmachine": [vm(1)]}, fields=["stat", "zonename"])
    assert "unknown fields ignored: stat (did you mean state?)" in text
    assert rows(text)[0] == ["id", "zonename"]


def test_cells_that_could_mislead_are_quoted() -> None:
    items = [
        {"id": "a", "name": "left | right", "state": "Up"},
        {"id": "b", "name": "", "state": "-"},
        {"id": "c", "name": " padded ", "state": None},
    ]
    text = render_answer(None, {"count": 3, "thing": items})
    assert column(text, "state") == ["Up", '"-"', "-"]
    assert column(text, "name") == ['"left \\u007c right"', "-", '" padded "']
    assert json.loads(column(text, "name")[0]) == "left | right"


def test_empty_list_answer() -> None:
    text = render_answer(CATALOG["listVirtualMachines"], {})
    assert text.startswith("count: 0")
    assert render_answer(CATALOG["listVirtualMachines"], {"count": 0}).startswith("count: 0")


def test_volume_and_host_sizes_readable_in_rows() -> None:
    volumes = [{"id": "v1", "name": "root", "state": "Ready", "type": "ROOT", "size": 20 * GIB}]
    text = render_answer(CATALOG["listVolumes"], {"count": 1, "volume": volumes})
    assert column(text, "size") == ["20 GiB"]
    hosts = [{"id": "h1", "name": "kvm1", "state": "Up", "ipaddress": "10.0.0.5", "disksizetotal": 2 * 1024**4}]
    text = render_answer(CATALOG["listHosts"], {"count": 1, "host": hosts})
    assert column(text, "disksizetotal") == ["2 TiB"] and column(text, "ipaddress") == ["10.0.0.5"]


# Objects, jobs, success ----------------------------------------------------------------------------------


def test_single_object_important_fields_first_nested_summarised() -> None:
    item = vm(7, details={"cpuOvercommitRatio": "2.0"}, affinitygroup=[])
    text = render_answer(CATALOG["deployVirtualMachine"], {"virtualmachine": item})
    lines = text.splitlines()
    assert lines[0] == "virtualmachine:"
    assert [line.split(":")[0].strip() for line in lines[1:4]] == ["id", "name", "state"]
    assert "  nic[0]: id=nic-7-0, ipaddress=10.0.0.8" in text and "nic[1]: id=nic-7-1" in text
    assert "  tags (2): env=prod, team=t7" in text
    assert "  details: cpuOvercommitRatio=2.0" in text
    assert "  empty: affinitygroup" in text


def test_object_fields_filter() -> None:
    text = render_answer(None, {"virtualmachine": vm(3)}, fields=["state", "nope"])
    assert text.splitlines()[1:3] == [f"  id: {vm(3)['id']}", "  state: Stopped"]
    assert "unknown fields ignored: nope" in text


def test_success_false_and_displaytext() -> None:
    assert render_answer(None, {"success": "true", "displaytext": "done"}) == "Success: done"
    assert render_answer(None, {"success": False}) == "Not successful (success=false)."


def test_pending_job_says_how_to_poll() -> None:
    text = render_job(None, {"jobid": "j-1", "jobstatus": 0, "jobprocstatus": 2})
    assert (
        text == "Job j-1 pending, progress step 2: still running; follow it with query_async_job_result(jobid='j-1')."
    )


def test_job_text_result() -> None:
    text = render_job(None, {"jobid": "j-2", "jobstatus": 1, "jobresulttype": "text", "jobresult": "ok"})
    assert text == "Job j-2 succeeded.\nok"


# Errors ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (401, "secret key"),
        (429, "retry"),
        (432, "search the catalog"),
        (531, "permission"),
        (532, "list_resource_limits"),
        (533, "another zone"),
        (536, "detach"),
        (537, "rules"),
    ],
)
def test_error_meaning_and_hint_per_code(code: int, words: str) -> None:
    text = render_error(code, "server said so", "someApi")
    first = text.splitlines()[0]
    assert first.startswith(f"someApi failed: error {code} (") and first.endswith("): server said so")
    assert words in text


def test_431_length_and_missing_parameter() -> None:
    api = CATALOG["createNetwork"]
    text = render_error(431, "Value greater than max allowed length 255 for param: name", api, {"name": "x" * 300})
    assert "parameter `name`" in text and "at most 255 characters" in text
    text = render_error(431, "Unable to execute API command createnetwork due to missing parameter zoneid", api)
    assert "parameter `zoneid` (uuid, the id of a Zone, required): is missing: pass it" in text
    assert "list_zones" in text


def test_error_never_echoes_secrets() -> None:
    text = render_error(431, "bad value s3cr3t-value", CATALOG["registerUserKeys"], {"password": "s3cr3t-value"})
    assert "s3cr3t-value" not in text and "bad value ********" in text


def test_uuid_list_is_named() -> None:
    text = render_error(536, "in use", None, uuids=[{"uuid": "u-1", "description": "volumeId"}])
    assert "Entities named: u-1 (volumeId)" in text


# Output modes ------------------------------------------------------------------------------------------


def test_output_modes() -> None:
    answer = {"count": 2, "virtualmachine": [vm(1), vm(2)]}
    api = CATALOG["listVirtualMachines"]
    assert render_output(api, answer) == render_answer(api, answer)
    assert json.loads(render_output(api, answer, mode="json")) == answer
    both = render_output(api, answer, mode=OutputMode.BOTH)
    text, _, raw = both.partition("\n\nJSON:\n")
    assert text == render_answer(api, answer) and json.loads(raw) == answer
    projected = json.loads(answer_json(api, answer, fields=["name", "nic.ipaddress"]))
    assert projected["virtualmachine"][0] == {
        "id": vm(1)["id"],
        "name": "vm-1",
        "nic.ipaddress": ["10.0.0.2", "192.168.0.2"],
    }


def test_json_mode_cuts_long_lists_with_a_note() -> None:
    answer = {"count": 5, "virtualmachine": [vm(i) for i in range(5)]}
    out = answer_json(None, answer, max_rows=2)
    note, _, raw = out.partition("\n")
    assert note.startswith("rows cut: the JSON below holds 2 of 5")
    assert len(json.loads(raw)["virtualmachine"]) == 2


def test_output_mode_parse_errors_are_actionable() -> None:
    assert parse_output_mode("JSON") is OutputMode.JSON
    with pytest.raises(ValueError, match="use one of text, json, both"):
        parse_output_mode("yaml")


def test_secrets_masked_in_text_and_json() -> None:
    answer = {"user": {"id": "u1", "username": "bob", "secretkey": "TOPSECRET", "apikey": "KEY123"}}
    for mode in OutputMode:
        out = render_output(None, answer, mode=mode)
        assert "TOPSECRET" not in out and "KEY123" not in out and "u1" in out
    users = {"count": 1, "user": [answer["user"]], "note": {"apikey": "KEY123"}}
    out = render_answer(None, users, fields=["username", "secretkey", "apikey"])
    assert "TOPSECRET" not in out and "KEY123" not in out and "bob" in out


# Any shape ---------------------------------------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=12))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=5)),
    max_leaves=25,
)
items = st.lists(
    st.fixed_dictionaries(
        {"id": st.uuids().map(str), "name": st.text(min_size=1, max_size=10)},
        optional={"state": st.sampled_from(["Running", "Up", "Ready"]), "nic": json_values, "x": json_values},
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(answer=json_values)
def test_any_answer_renders_to_text(answer: Any) -> None:
    for api in (None, CATALOG["listVirtualMachines"], CATALOG["queryAsyncJobResult"]):
        out = render_answer(api, answer)
        assert isinstance(out, str) and out


@settings(max_examples=100, deadline=None)
@given(rows_=items, max_rows=st.integers(min_value=1, max_value=10))
def test_any_list_keeps_every_shown_id(rows_: list[dict[str, Any]], max_rows: int) -> None:
    text = render_answer(None, {"count": len(rows_), "thing": rows_}, max_rows=max_rows)
    for item in rows_[:max_rows]:
        assert re.search(re.escape(item["id"]), text)
    if len(rows_) > max_rows:
        assert f"showing {max_rows} of {len(rows_)}" in text


def test_error_first_line_matches_api_error() -> None:
    from cloudstack_mcp.errors import ApiError

    err = ApiError(431, "Unable to find zone: 9", api="listZones", jobid="j-9")
    text = render_error(err.code, err.text, CATALOG["listZones"], jobid=err.jobid)
    assert text.splitlines()[0] == str(err)


def test_output_setting_is_checked() -> None:
    from cloudstack_mcp.config import load_settings
    from cloudstack_mcp.errors import ConfigError

    assert load_settings({}, {}).output == "text"
    assert load_settings({"output": "BOTH"}, {}).output == "both"
    assert load_settings({}, {"CLOUDSTACK_MCP_OUTPUT": "json"}).output == "json"
    with pytest.raises(ConfigError, match="use text \\(default\\), json or both"):
        load_settings({"output": "yaml"}, {})


def test_secret_value_of_a_key_value_row_is_masked() -> None:
    configs = [
        {"name": "security.secret.key", "value": "SHOULD-NOT-SHOW", "category": "Hidden"},
        {"name": "max.account.vms", "value": "20", "category": "Advanced"},
    ]
    text = render_answer(
        CATALOG["listConfigurations"], {"count": 2, "configuration": configs}, fields=["name", "value"]
    )
    assert "SHOULD-NOT-SHOW" not in text and column(text, "value") == ["********", "20"]


def test_multiline_object_values_stay_on_one_line() -> None:
    text = render_answer(None, {"template": {"id": "t1", "name": "t", "displaytext": "line one\nline two"}})
    assert '  displaytext: "line one\\nline two"' in text.splitlines()


def test_empty_list_hint_fits_the_api() -> None:
    assert "listall=true" in render_answer(CATALOG["listVirtualMachines"], {})
    assert "listall" not in render_answer(CATALOG["listHosts"], {})
