"""The audit log: what the server was about to change, and what came of it, one JSON line each.

Two records per change that is sent:

- an **intent** record *before* the request leaves (`record: "intent"`: tool, API, masked arguments,
  how it was confirmed, a `request_id`), so a change the server dies during is never unrecorded;
- an **outcome** record after (`record: "outcome"`, the same `request_id`: job id, final `status`
  succeeded | failed | cancelled | unknown, error), also when the client gave up (the job follower
  records the job's end later) and on SIGTERM (`status: unknown`, with the job id when known).

Calls that send nothing (refused, declined, waiting for confirmation, dry runs) get one record
(`record: "decision"`). The API other parts use is `intent()` -> request id, `note_job()` and
`outcome()`; `abandon_pending()` closes every open intent (SIGTERM).

Every record is masked as a structure *before* it is serialised, so every line is valid JSON. The
file is opened for appending (mode 0600); before each write the path is checked against the open
file, so a log rotated or deleted (the logrotate convention) is reopened at its path, and a write
that failed (disk full) is retried on the next record: changes resume as soon as it succeeds.

Where: `--audit-log PATH` (or `CLOUDSTACK_MCP_AUDIT_LOG`), else
`$XDG_STATE_HOME/cloudstack-mcp/audit.jsonl` (`~/.local/state/...`); `off` disables it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import secrets
import signal
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cloudstack_mcp.config import default_audit_path, is_disabled  # where the log goes is configuration
from cloudstack_mcp.safety.secrets import SecretScrubber

__all__ = ["FINAL_STATUSES", "OUTCOMES", "AuditLog", "default_audit_path", "install_sigterm_record", "is_disabled"]

log = logging.getLogger(__name__)

# What happened to a call, as the `outcome` field of a record.
OUTCOMES = frozenset(
    {"sending", "allowed", "failed", "cancelled", "unknown", "denied", "declined", "confirmation-required", "dry-run"}
)
# The `status` of an outcome record: how the change ended (`running`: not yet, a later record follows).
FINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled", "unknown"})


class AuditLog:
    """Appends JSON records to a file; never raises on write (a failure is remembered and logged loudly)."""

    def __init__(self, path: Path | None, *, scrubber: SecretScrubber | None = None):
        self.path = path
        self.scrubber = scrubber or SecretScrubber()
        self.problem: str | None = None
        self.records = 0
        self._fd: int | None = None
        self._ident: tuple[int, int] | None = None  # (st_dev, st_ino) of the open file
        # Re-entrant: the SIGTERM handler may write while the interrupted code holds the lock.
        self._lock = threading.RLock()
        self._pending: dict[str, dict[str, Any]] = {}  # request id -> what the outcome record repeats

    @property
    def enabled(self) -> bool:
        return self.path is not None

    @property
    def writable(self) -> bool:
        return self.enabled and self.problem is None

    @property
    def pending(self) -> dict[str, dict[str, Any]]:
        """Intents without a final outcome yet (request id -> tool, api, job_id)."""
        return dict(self._pending)

    def open(self) -> str | None:
        """Create the folder and open the file for appending; returns the problem text, or None when writable."""
        if self.path is None:
            return None
        with self._lock:
            if self._fd is not None and self._same_file():
                return None
            self._close_fd()
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                st = os.fstat(fd)
                self._fd, self._ident = fd, (st.st_dev, st.st_ino)
            except OSError as exc:
                self.problem = f"cannot write the audit log {self.path}: {exc.strerror or exc}"
                return self.problem
            return None  # open; whether it takes a record is known after the next write

    def _same_file(self) -> bool:
        """Whether the path still names the open file (not rotated away, not deleted)."""
        assert self.path is not None
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == self._ident

    def write(self, record: Mapping[str, Any]) -> bool:
        """Append one record (with a `time` added when missing); False when it could not be written."""
        if self.path is None:
            return False
        # Masked as a structure, then serialised: a quote in a secret or an error text cannot break the line.
        entry = self.scrubber.scrub_value({"time": _now(), **record})
        line = (json.dumps(entry, sort_keys=True, default=str, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            if self.open() is not None:
                self._fail_loudly()
                return False
            try:
                assert self._fd is not None
                written = os.write(self._fd, line)  # O_APPEND + one write: whole lines, never interleaved
                if written != len(line):
                    raise OSError(28, "short write (disk full?)")
            except (OSError, ValueError) as exc:
                self.problem = f"cannot write the audit log {self.path}: {getattr(exc, 'strerror', None) or exc}"
                self._close_fd()  # reopened (and retried) on the next record
                self._fail_loudly()
                return False
            if self.problem is not None:
                log.warning("audit log %s is writable again; changes resume", self.path)
            self.problem = None
            self.records += 1
            return True

    def _fail_loudly(self) -> None:
        log.error("AUDIT LOG FAILURE: %s; changes are refused until a record can be written", self.problem)

    # -- the API of a change's life: intent, job, outcome ------------------------------------

    def intent(self, record: Mapping[str, Any]) -> str | None:
        """Record that a change is about to be sent; its request id, or None when the record could not be
        written (the caller must then not send it, unless auditing is optional). With the log off, an id
        is still returned so the rest of the flow is the same."""
        request_id = secrets.token_hex(8)
        entry = {"record": "intent", "request_id": request_id, "outcome": "sending", **record}
        if self.enabled and not self.write(entry):
            return None
        self._pending[request_id] = {
            k: record[k] for k in ("tool", "api", "via", "kind", "severity", "confirmation") if k in record
        }
        return request_id

    def note_job(self, request_id: str | None, job_id: str) -> None:
        """The change was accepted as async job `job_id` (kept for an outcome written later, e.g. on SIGTERM)."""
        if request_id in self._pending:
            self._pending[request_id]["job_id"] = job_id

    def outcome(
        self,
        request_id: str | None,
        *,
        status: str,
        job_id: str | None = None,
        error: str | None = None,
        result: Mapping[str, Any] | None = None,
        final: bool = True,
        **extra: Any,
    ) -> bool:
        """Record how the change `request_id` ended: status succeeded | failed | cancelled | unknown, or
        `running` with final=False (the client stopped waiting; a later outcome says how the job ended)."""
        if request_id is None:
            return False
        known = self._pending.get(request_id, {})
        job_id = job_id or known.get("job_id")
        entry: dict[str, Any] = {
            "record": "outcome",
            "request_id": request_id,
            **{k: v for k, v in known.items() if k != "job_id"},
            "outcome": _outcome_word(status),
            "status": status,
            "final": final,
            **extra,
        }
        if job_id:
            entry["job_id"] = job_id
        if error:
            entry["error"] = error
        if result:
            entry["result"] = dict(result)
        if final:
            self._pending.pop(request_id, None)
        elif job_id:
            known["job_id"] = job_id
        return self.write(entry) if self.enabled else False

    def decision(self, record: Mapping[str, Any]) -> bool:
        """One record for a call that sent nothing (refused, declined, asked for confirmation, dry run)."""
        return self.write({"record": "decision", **record}) if self.enabled else False

    def abandon_pending(self, reason: str) -> int:
        """Write `status: unknown` for every change still open (SIGTERM, shutdown); how many were open."""
        open_ids = list(self._pending)
        for request_id in open_ids:
            self.outcome(request_id, status="unknown", reason=reason)
        return len(open_ids)

    def close(self) -> None:
        with self._lock:
            self._close_fd()

    def _close_fd(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd, self._ident = None, None


def _outcome_word(status: str) -> str:
    return {"succeeded": "allowed", "running": "sending"}.get(status, status)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def install_sigterm_record(audit: AuditLog) -> Callable[[], None]:
    """On SIGTERM, record every open change as `unknown` (with its job id), then do what SIGTERM did before
    (the previous handler, else terminate). Returns a function that restores the previous handler."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum: int, frame: Any) -> None:
        count = audit.abandon_pending("SIGTERM: the server stopped before the change's outcome was known")
        if count:
            log.warning("SIGTERM: %d change(s) in flight recorded as outcome unknown in the audit log", count)
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_IGN:
            return
        else:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, handler)

    def restore() -> None:
        if signal.getsignal(signal.SIGTERM) is handler:
            signal.signal(signal.SIGTERM, previous)

    return restore
