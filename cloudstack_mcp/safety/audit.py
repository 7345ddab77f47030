"""The audit log: one JSON line per mutating call, appended and flushed as it happens.

A record says when, which tool and API, with which (masked) arguments, what the
confirmation step decided, what came of it (job id, status, error), how long it
took, and against which endpoint as which user. Every line passes through the
secret scrubber before it is written, so no secret value reaches the file.

Where: `--audit-log PATH` (or `CLOUDSTACK_MCP_AUDIT_LOG`), else
`$XDG_STATE_HOME/cloudstack-mcp/audit.jsonl` (`~/.local/state/...`); `off` disables it.
When the file cannot be written, `AuditLog.problem` says why; the guard then refuses
every call that changes something unless auditing was made optional
(`--no-audit-required`), because an unrecorded change is what the log exists to prevent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from cloudstack_mcp.config import default_audit_path, is_disabled  # where the log goes is configuration
from cloudstack_mcp.safety.secrets import SecretScrubber, default_scrubber

__all__ = ["OUTCOMES", "AuditLog", "default_audit_path", "is_disabled"]

log = logging.getLogger(__name__)

# What happened to a call, as the `outcome` field of a record.
OUTCOMES = frozenset({"sent", "failed", "denied", "declined", "confirmation-required", "dry-run"})


class AuditLog:
    """Appends JSON records to a file; never raises on write (a failure is remembered and logged loudly)."""

    def __init__(self, path: Path | None, *, scrubber: SecretScrubber | None = None):
        self.path = path
        self.scrubber = scrubber or default_scrubber()
        self.problem: str | None = None
        self.records = 0
        self._file: IO[str] | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.path is not None

    @property
    def writable(self) -> bool:
        return self.enabled and self.problem is None

    def open(self) -> str | None:
        """Create the folder and open the file for appending; returns the problem text, or None when writable."""
        if self.path is None or self._file is not None:
            return self.problem
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._file = os.fdopen(fd, "a", encoding="utf-8")
        except OSError as exc:
            self.problem = f"cannot write the audit log {self.path}: {exc.strerror or exc}"
        return self.problem

    def write(self, record: Mapping[str, Any]) -> bool:
        """Append one record (with a `time` added when missing); False when it could not be written."""
        if self.path is None:
            return False
        if self._file is None and self.open() is not None:
            return False
        entry = {"time": _now(), **record}
        line = self.scrubber.scrub(json.dumps(entry, sort_keys=True, default=str, ensure_ascii=False))
        with self._lock:
            try:
                assert self._file is not None
                self._file.write(line + "\n")
                self._file.flush()
                self.records += 1
                return True
            except (OSError, ValueError) as exc:
                self.problem = f"cannot write the audit log {self.path}: {getattr(exc, 'strerror', None) or exc}"
                log.error("AUDIT LOG FAILURE: %s; later changes are refused until it is fixed", self.problem)
                return False

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                try:
                    self._file.close()
                finally:
                    self._file = None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
