"""The audit log: JSON lines, appended and flushed per record, scrubbed, loud about unwritable paths."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cloudstack_mcp.safety.audit import AuditLog, default_audit_path, is_disabled
from cloudstack_mcp.safety.secrets import SecretScrubber


def test_default_path_follows_xdg(tmp_path: Path) -> None:
    assert default_audit_path({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "cloudstack-mcp" / "audit.jsonl"
    assert default_audit_path({"HOME": str(tmp_path)}) == tmp_path / ".local/state/cloudstack-mcp/audit.jsonl"


def test_records_are_appended_flushed_and_scrubbed(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "audit.jsonl"
    scrubber = SecretScrubber(["known-secret-value"])
    first = AuditLog(path, scrubber=scrubber)
    assert first.open() is None and first.writable
    assert first.write({"api": "deleteZone", "outcome": "sent", "error": "echo known-secret-value"})
    # Flushed per record: a reader sees it before the log is closed.
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["api"] == "deleteZone" and "time" in record
    assert "known-secret-value" not in lines[0]
    first.close()
    second = AuditLog(path, scrubber=scrubber)
    second.write({"api": "stopRouter", "outcome": "denied", "arguments": {"password": "pw-12345"}})
    second.close()
    lines = path.read_text().splitlines()
    assert [json.loads(line)["api"] for line in lines] == ["deleteZone", "stopRouter"]
    assert "pw-12345" not in lines[1]
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600


def test_a_path_that_is_a_directory_is_reported(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path)  # a directory, not a file: unwritable for anyone, root included
    problem = audit.open()
    assert problem and str(tmp_path) in problem
    assert not audit.writable and audit.write({"api": "x"}) is False


def test_disabled_values() -> None:
    assert is_disabled("off") and is_disabled("-") and is_disabled("None")
    assert not is_disabled("/var/log/audit.jsonl") and not is_disabled(None)
    audit = AuditLog(None)
    assert not audit.enabled and audit.write({"api": "x"}) is False


async def _unwritable_case(tmp_path: Path, required: bool) -> tuple[list[str], list[str], list[str]]:
    from cloudstack_mcp.catalog.model import Catalog
    from cloudstack_mcp.server.app import open_app
    from cloudstack_mcp.simulator import Simulator
    from tests.apidata import SPEC_420
    from tests.core_helpers import safety_settings, uuid_for

    catalog = Catalog.load(SPEC_420)
    with Simulator(SPEC_420, job_seconds=0).running() as sim:
        settings = safety_settings(
            sim, tmp_path, audit_log=tmp_path, audit_required=required, confirm_mode="allow"
        )  # a directory; stop is medium: confirmed by default (issue 11)
        async with open_app(settings, catalog=catalog) as app:
            warnings = list(app.guard.warnings)
            start = len(sim.requests)
            create = await app.pipeline.call_api("createNetwork", {"name": "n", "zoneid": "z", "dry_run": True})
            read = await app.pipeline.call_api("listZones", {})
            change = await app.pipeline.call_api(
                "stopVirtualMachine", {"id": uuid_for(sim, catalog["stopVirtualMachine"], "id")}
            )
            texts = [r.content[0].text for r in (create, read, change)]
        return warnings, texts, [r.command or "" for r in sim.requests[start:]]


@pytest.mark.anyio
async def test_unwritable_audit_log_refuses_changes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    warnings, texts, sent = await _unwritable_case(tmp_path, required=True)
    assert any("AUDIT LOG UNWRITABLE" in w and "REFUSED" in w for w in warnings)
    assert "AUDIT LOG UNWRITABLE" in caplog.text  # loud at start-up
    dry, read, change = texts
    assert "nothing was sent" in dry and "listZones" in sent  # dry runs and reads still work
    assert "refused" in change and "audit log" in change and "stopVirtualMachine" not in sent


@pytest.mark.anyio
async def test_unwritable_audit_log_optional(tmp_path: Path) -> None:
    warnings, _texts, sent = await _unwritable_case(tmp_path, required=False)
    assert any("proceed unrecorded" in w for w in warnings)
    assert "stopVirtualMachine" in sent
