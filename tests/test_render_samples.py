"""Golden-style checks of the rendering of real servers' answers (../shared/cloudstack-api/samples).

Each test reads a sample, unwraps its envelope, renders it and asserts what a
model must be able to read from the text: ids, names, states, addresses,
counts, job outcomes, error meanings and hints.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.render import answer_kind, render_answer
from tests.apidata import SAMPLES, SHARED_MISSING, SHARED_SPEC_420

# The samples are other projects' recorded answers: read from the shared data, never copied here.
pytestmark = pytest.mark.skipif(SAMPLES is None, reason=SHARED_MISSING)
CATALOG = Catalog.load(SHARED_SPEC_420) if SHARED_SPEC_420 else Catalog([])


def sample(name: str) -> tuple[Any, Any]:
    """(ApiSpec, unwrapped answer) of samples/<name>.json."""
    doc = json.loads((SAMPLES / f"{name}.json").read_text())
    ((_key, answer),) = doc.items()
    return CATALOG.find(name.split(".", 1)[0]), answer


def render(name: str, **kw: Any) -> str:
    api, answer = sample(name)
    return render_answer(api, answer, **kw)


def rows(text: str) -> list[list[str]]:
    """The table part of a list rendering: header and rows split on ' | '."""
    return [line.split(" | ") for line in text.splitlines() if " | " in line]


def column(text: str, name: str) -> list[str]:
    table = rows(text)
    i = table[0].index(name)
    return [r[i] for r in table[1:]]


ALL_SAMPLES = sorted(p.name.removesuffix(".json") for p in (SAMPLES.glob("*.json") if SAMPLES else ()) if not p.name.startswith("listApis"))


def identity_values(value: Any, depth: int = 0) -> Iterator[str]:
    """Every id / name / state / IP address in an answer, down to nested NICs."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            if k in ("id", "name", "state", "ipaddress", "jobid") and isinstance(v, (str, int)) and depth <= 3:
                yield str(v)
            elif isinstance(v, (Mapping, list)):
                yield from identity_values(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            yield from identity_values(v, depth + 1)


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_every_sample_keeps_ids_names_states_and_ips_verbatim(name: str) -> None:
    api, answer = sample(name)
    text = render_answer(api, answer)
    assert text.strip()
    for value in identity_values(answer):
        assert re.search(rf"(?<![\w.-]){re.escape(value)}(?![\w-])", text), f"{value!r} missing from {name}:\n{text}"


def test_vm_list_row_holds_what_identifies_and_describes_the_vm() -> None:
    text = render("listVirtualMachines.cloudstack-go")
    assert text.splitlines()[0] == "count: 1 virtualmachine"
    table = rows(text)
    assert table[0][:4] == ["id", "name", "state", "nic.ipaddress"]
    assert len(table) == 2  # header + one VM
    row = dict(zip(table[0], table[1], strict=True))
    assert row["id"] == "915653c4-298b-4d74-bdee-4ced282114f1"
    assert row["name"] == "testDummyVM"
    assert row["state"] == "Running"
    assert row["nic.ipaddress"] == "10.1.1.62"
    assert row["zonename"] == "shouldwork"
    assert row["memory"] == "256 MiB"  # VM memory is in MB
    # The rest is named, with the way to get it.
    note = next(line for line in text.splitlines() if line.startswith("not shown:"))
    n_more = int(re.search(r"not shown: (\d+) more fields", note).group(1))
    vm = sample("listVirtualMachines.cloudstack-go")[1]["virtualmachine"][0]
    shown_heads = {c.split(".")[0] for c in table[0]}
    filled = [k for k, v in vm.items() if k not in shown_heads and v not in ([], {}, "", None)]
    assert n_more == len(filled)
    assert "templatename" in note and "fields=" in note and "structured content" in note
    assert 'nested: "nic.' in note and 'all: "*"' in note  # the syntax for nested parts and every field


def test_vm_list_from_libcloud_two_vms_with_job_in_progress() -> None:
    text = render("listVirtualMachines.libcloud")
    assert text.splitlines()[0] == "count: 2 virtualmachine"
    assert column(text, "id") == ["2600", "2601"]
    assert column(text, "state") == ["Running", "Starting"]
    assert column(text, "nic.ipaddress") == ["1.1.1.116", "1.1.1.203"]
    assert column(text, "jobstatus") == ["-", "pending (0)"]  # readable job state, code kept


def test_vm_list_tags_on_request_as_key_value() -> None:
    text = render("listVirtualMachines.libcloud", fields=["name", "tags"])
    assert rows(text)[0] == ["id", "name", "tags"]
    assert column(text, "tags") == ["testkey=testvalue, foo=bar", "-"]


def test_zone_lists_from_two_sources() -> None:
    text = render("listZones.libcloud")
    assert text.splitlines()[0] == "count: 2 zone"
    assert column(text, "name") == ["zone1", "zone2"]
    assert column(text, "allocationstate") == ["Enabled", "Enabled"]
    assert column(text, "networktype") == ["Advanced", "Advanced"]
    text = render("listZones.egoscale")
    assert column(text, "id") == ["1747ef5e-5451-41fd-9f1a-58913bae9702"]
    assert column(text, "name") == ["ch-gva-2"]


def test_image_store_url_and_zone_verbatim() -> None:
    text = render("listImageStores.cloudstack-go")
    assert column(text, "url") == ["nfs://10.70.4.150/export/testing/secondary2"]
    assert column(text, "zonename") == ["testAdvZone2"]


def test_async_job_list_uses_jobid_as_identity_and_readable_dates() -> None:
    text = render("listAsyncJobs.cloudstack-go")
    assert text.splitlines()[0] == "count: 1 asyncjobs"
    assert rows(text)[0][0] == "jobid"
    assert column(text, "created") == ["2021-09-29 17:50:11 +05:30"]


def test_success_only_answer_is_one_line() -> None:
    text = render("deleteImageStore.cloudstack-go")
    assert text == "Success."
    assert render("logout.cloudstack-go") == "description: success"


def test_async_submission_names_the_job_and_how_to_poll() -> None:
    text = render("deployVirtualMachine.cloudstack-go")
    assert "74bbb422-fb74-47ac-a22a-ad86a7831d3f" in text
    assert "915653c4-298b-4d74-bdee-4ced282114f1" in text
    assert "query_async_job_result(jobid='74bbb422-fb74-47ac-a22a-ad86a7831d3f')" in text
    assert len(text.splitlines()) == 1


def test_job_success_gives_outcome_then_the_object() -> None:
    deploy = CATALOG["deployVirtualMachine"]
    _, job = sample("queryAsyncJobResult.success.cloudstack-go")
    text = render_answer(deploy, job)
    first, *rest = text.splitlines()
    assert first.startswith("Job 74bbb422-fb74-47ac-a22a-ad86a7831d3f succeeded")
    assert "DeployVMCmdByAdmin" in first and "completed 2021-10-04 09:24:42 UTC" in first
    assert rest[0] == "virtualmachine:"
    body = "\n".join(rest)
    # Important fields first: id, name, state before the bulk.
    order = [line.strip().split(":")[0] for line in rest[1:]]
    assert order[:2] == ["id", "name"]
    assert order.index("state") < order.index("templateid")
    # Nested NIC summarised on one line, IP kept.
    nic_lines = [line for line in rest if line.strip().startswith("nic")]
    assert len(nic_lines) == 1 and "ipaddress=10.1.1.62" in nic_lines[0]
    assert "empty: " in body and "affinitygroup" in body


def test_job_failure_gives_code_meaning_and_server_text() -> None:
    text = render("queryAsyncJobResult.failure.marvin")
    lines = text.splitlines()
    assert lines[0] == "Job 34 failed."
    assert lines[1].startswith("queryAsyncJobResult failed (job 34): error 431 (parameter error")
    assert "Please provide either a volume id, or a tuple(device id, instance id)" in lines[1]
    assert any(line.startswith("Hint:") for line in lines)


def test_job_failure_without_details_says_so() -> None:
    text = render("queryAsyncJobResult.failure-minimal.libcloud")
    assert text == "Job 17177 failed (no error details in the answer)."


def test_missing_parameter_error_names_the_parameter() -> None:
    api, answer = sample("queryAsyncJobResult.error-missing-param.marvin")
    assert answer_kind(api, answer) == "error"
    text = render_answer(api, answer)
    assert text.startswith("queryAsyncJobResult failed: error 431 (parameter error")
    assert "Cause: parameter `jobid`" in text and "required" in text and "is missing" in text


def test_invalid_id_error_points_to_the_list_tool() -> None:
    text = render("listZones.error.egoscale")
    assert "Invalid parameter id value=1747ef5e-5451-41fd-9f1a-58913bae9701" in text  # server text verbatim
    assert "Cause: parameter `id` (uuid, the id of a Zone)" in text
    assert "list_zones" in text


def test_unknown_offering_error_finds_the_parameter_from_the_text() -> None:
    text = render("deployVirtualMachine.error.libcloud")
    assert "Unable to find service offering: 104" in text
    assert "`serviceofferingid`" in text and "list_service_offerings" in text


def test_error_with_params_quotes_what_was_sent() -> None:
    api, answer = sample("deployVirtualMachine.error.libcloud")
    text = render_answer(api, answer, params={"serviceofferingid": "104", "zoneid": "1"})
    assert "got '104'" in text and "not a uuid" in text


def test_internal_error_meaning_and_hint() -> None:
    text = render("listVirtualMachines.error.ngine-cs")
    assert text.startswith("listVirtualMachines failed: error 530 (internal error")
    assert ": Fail" in text.splitlines()[0]
    assert "management server log" in text


def test_login_answer_masks_the_session_key() -> None:
    _, answer = sample("login.cloudstack-go")
    text = render("login.cloudstack-go")
    assert answer["sessionkey"] not in text
    assert "username: admin" in text and "timeout: 3600" in text
