"""The simulator's cloud in a file, as SQLite keeps a database: loaded at start, saved after each request.

So a newcomer's VMs survive a restart, and clients that start one server process per call (the
Inspector's CLI) see in the second call what the first deployed. One file per API catalog (the
built-in API and a 4.20 spec are different clouds), beside the audit log in the state directory.

- Versioned: the file starts with a header line naming the format, the catalog it was seeded for
  and the release that wrote it; any other header, or bytes that do not load, and the cloud is seeded afresh (and the old file
  replaced), with a warning: the simulator's data is made up, so losing it costs nothing.
- Safe for concurrent processes: every request runs under an exclusive lock on `<file>.lock`
  (flock); a process reloads the cloud when another one wrote it since, and writes it back, whole
  and atomically (temporary file + rename), when the request changed it.
- What is kept: the store's entities and whatever else the cloud holds as data (accounts, keys,
  sessions, offerings), pickled together so shared entities stay shared. Not kept: code (handlers,
  job callbacks) and the catalog. A job still running when its process stops is finished on the way
  out (`close`); one another process left running (its callbacks gone) is finished with its answer
  when loaded. The file is the user's own (mode 0600): it is trusted as the user's own data.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import math
import os
import pickle
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cloudstack_mcp import __version__
from cloudstack_mcp.catalog.model import Catalog

try:  # POSIX; elsewhere there is no cross-process lock (one process at a time)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["FORMAT", "StateFile", "catalog_digest", "state_file_for"]

log = logging.getLogger(__name__)

FORMAT = 1
_MAGIC = b"cloudstack-mcp-simulator-state"
# Cloud attributes that are code or derived from the catalog: rebuilt by every process, never saved.
_TRANSIENT = frozenset({"catalog", "index", "handlers", "_api_entries", "job_overrides", "jobs", "job_seconds"})


def catalog_digest(catalog: Catalog) -> str:
    """Which API a cloud was seeded for: its API and parameter names (not descriptions)."""
    h = hashlib.sha256()
    for name in sorted(catalog):
        h.update(name.encode() + b"(" + ",".join(sorted(p.name for p in catalog[name].params)).encode() + b")")
    return h.hexdigest()[:16]


def state_file_for(directory: Path, catalog: Catalog) -> Path:
    return directory / f"simulator-{catalog_digest(catalog)}.state"


class _DataOnly(pickle.Pickler):
    """Pickles data; functions and methods (job callbacks, timers) become None."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, (types.FunctionType, types.MethodType, types.BuiltinFunctionType, functools.partial)):
            return type(None), ()
        return NotImplemented


class StateFile:
    """The file one simulator's cloud lives in; `sync` wraps each request."""

    def __init__(self, path: Path, catalog: Catalog) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        # Another format, catalog or release of this code (its seed and entity shapes may differ): rebuilt.
        self.header = b"%s %d %s %s\n" % (_MAGIC, FORMAT, catalog_digest(catalog).encode(), __version__.encode())
        self._seen: tuple[int, int, int] | None = None  # (inode, size, mtime_ns) of the file we last read or wrote
        self._saved: bytes | None = None  # what we last read or wrote
        self.rebuilt: str | None = None  # why the file was replaced by a fresh cloud, if it was

    # ---- locking -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    # ---- the cloud in and out ------------------------------------------------------------------
    def open(self, cloud: Any, *, reset: bool = False) -> None:
        """Load the file into `cloud` (freshly seeded), or write `cloud` as the file's first content."""
        with self.locked():
            if reset:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
            if not self._load(cloud):
                self._write(self._dump(cloud))

    @contextlib.contextmanager
    def sync(self, cloud: Any) -> Iterator[None]:
        """Around one request: the other processes' changes in before it, this one's out after it."""
        with self.locked():
            if self._stat() != self._seen:
                self._load(cloud)
            yield
            self._save(cloud)

    def close(self, cloud: Any) -> None:
        """Finish this process's pending jobs and timers (their code dies with the process), then save."""
        with self.locked():
            if self._stat() != self._seen:
                self._load(cloud)
            jobs = cloud.jobs
            clock = jobs.clock
            jobs.clock = lambda: math.inf
            try:
                jobs.settle()
            finally:
                jobs.clock = clock
            self._save(cloud)

    # ---- internals -----------------------------------------------------------------------------
    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_size, st.st_mtime_ns

    def _dump(self, cloud: Any) -> bytes:
        buffer = io.BytesIO()
        state = {k: v for k, v in vars(cloud).items() if k not in _TRANSIENT}
        _DataOnly(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
        return buffer.getvalue()

    def _save(self, cloud: Any) -> None:
        body = self._dump(cloud)
        if body != self._saved or self._stat() is None:
            self._write(body)

    def _write(self, body: bytes) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(self.header)
            out.write(body)
        os.replace(tmp, self.path)
        self._saved, self._seen = body, self._stat()

    def _load(self, cloud: Any) -> bool:
        """True when the file's cloud is now `cloud`'s; False (and `rebuilt` says why) when there is none."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return False
        except OSError as exc:
            return self._rebuild(f"cannot read it ({exc.strerror or exc})")
        header, _, body = data.partition(b"\n")
        if header + b"\n" != self.header:
            return self._rebuild("it was written by another version or for another API catalog")
        try:
            state = pickle.loads(body)
            if not isinstance(state, dict) or "store" not in state:
                raise ValueError("no store")
        except Exception as exc:  # any damage at all: a fresh cloud is always a valid answer
            return self._rebuild(f"it is damaged ({type(exc).__name__})")
        for key, value in state.items():
            setattr(cloud, key, value)
        cloud.jobs.store = cloud.store
        _finish_orphans(cloud)
        self._saved, self._seen = body, self._stat()
        return True

    def _rebuild(self, why: str) -> bool:
        self.rebuilt = why
        log.warning("simulator state %s: %s; starting from a freshly seeded cloud", self.path, why)
        return False


def _finish_orphans(cloud: Any) -> None:
    """Jobs another process left pending have no callbacks here: finish them with their answer now."""
    for job in list(cloud.store.all("AsyncJobResponse")):
        callbacks = job.get("_callbacks")
        if isinstance(callbacks, list):
            job["_callbacks"] = [c for c in callbacks if c is not None]
        if job.get("jobstatus") == 0 and not cloud.jobs.is_scheduled(job["jobid"]):
            cloud.jobs.finish_now(job)
