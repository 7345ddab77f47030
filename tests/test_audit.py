"""The audit log: JSON lines, appended and flushed per record, scrubbed, loud about unwritable paths."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cloudstack_mcp.audit import AuditLog, default_audit_path, is_disabled
from cloudstack_mcp.secrets import SecretScrubber


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
