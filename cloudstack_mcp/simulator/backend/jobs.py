"""Async jobs: submitted by async APIs, finished after a (configurable) time, polled with queryAsyncJobResult."""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from cloudstack_mcp.simulator.backend.accounts import Caller
from cloudstack_mcp.simulator.backend.answers import Answer, render
from cloudstack_mcp.simulator.backend.errors import ApiError
from cloudstack_mcp.simulator.backend.store import Entity, Store, new_uuid, now_text

__all__ = ["JOB_KIND", "Jobs", "job_view"]

JOB_KIND = "AsyncJobResponse"
MANAGEMENT_SERVER_ID = new_uuid("management-server:1")


def job_view(job: Entity) -> dict[str, Any]:
    """A job as queryAsyncJobResult/listAsyncJobs show it (no `id`: jobs are named by `jobid`)."""
    return {k: v for k, v in job.items() if v is not None and k != "id" and not k.startswith("_")}


class Jobs:
    """Jobs live in the store (kind AsyncJobResponse) so `jobid` parameters resolve like any uuid."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.clock = clock
        self._due: list[tuple[float, int, str]] = []
        self._timers: dict[int, Callable[[], None]] = {}
        self._seq = 0

    def after(self, seconds: float, callback: Callable[[], None]) -> None:
        """Run `callback` (a state change outside any job, e.g. a template download) after `seconds`."""
        if seconds <= 0:
            callback()
            return
        self._seq += 1
        self._timers[self._seq] = callback
        heapq.heappush(self._due, (self.clock() + seconds, self._seq, ""))

    def get(self, job_id: str) -> Entity | None:
        return self.store.get(JOB_KIND, job_id)

    def pending(self) -> int:
        return len(self._due)

    def submit(
        self,
        *,
        caller: Caller,
        command_class: str,
        seconds: float,
        run: Callable[[], Answer],
        callbacks: list[Callable[[], None]],
        instance_type: str | None = None,
        instance: Entity | None = None,
        fail: ApiError | None = None,
    ) -> Entity:
        """Queue a job; `run` executes at once (state changes are visible immediately, as
        BaseAsyncCreateCmd's are); its answer (or failure) is revealed when the job ends."""
        job_id = new_uuid()
        job: Entity = {
            "id": job_id,
            "accountid": caller.account["id"],
            "account": caller.account["name"],
            "domainid": caller.domain["id"],
            "domainpath": "/"
            if caller.domain["path"] == "ROOT"
            else "/" + str(caller.domain["path"]).removeprefix("ROOT/"),
            "userid": caller.user["id"],
            "cmd": command_class,
            "jobid": job_id,
            "jobstatus": 0,
            "jobprocstatus": 0,
            "jobresultcode": 0,
            "jobinstancetype": instance_type,
            "jobinstanceid": instance["id"] if instance else None,
            "managementserverid": MANAGEMENT_SERVER_ID,
            "created": now_text(),
            "_callbacks": callbacks,
        }
        try:
            job["_answer"] = run()
        except ApiError as exc:
            job["_error"] = exc
        if fail is not None:
            job["_error"] = fail
        target = job.get("_answer")
        entity = getattr(target, "obj", None) if target is not None else None
        if entity is not None:
            job["jobinstanceid"] = job["jobinstanceid"] or entity.get("id")
            entity["jobid"], entity["jobstatus"] = job_id, 0
            job["_entity"] = entity
        self.store.add(JOB_KIND, job)
        due = self.clock() + seconds if math.isfinite(seconds) else math.inf
        job["_due"] = due
        if seconds <= 0:
            self._finish(job)
        elif math.isfinite(due):
            self._seq += 1
            heapq.heappush(self._due, (due, self._seq, job_id))
        return job

    def is_scheduled(self, job_id: str) -> bool:
        """True when this process will finish the job (persist.py: a loaded job may come from another)."""
        return any(entry[2] == job_id for entry in self._due)

    def finish_now(self, job: Entity) -> None:
        """Finish a pending job at once (persist.py: one another process left running)."""
        if job.get("jobstatus") == 0:
            self._finish(job)

    def settle(self) -> None:
        """Finish every job whose time has come (called before each request is handled)."""
        if not self._due:
            return
        now = self.clock()
        while self._due and self._due[0][0] <= now:
            _, seq, job_id = heapq.heappop(self._due)
            if not job_id:
                self._timers.pop(seq)()
                continue
            job = self.store.get(JOB_KIND, job_id)
            if job is not None and job["jobstatus"] == 0:
                self._finish(job)

    def _finish(self, job: Entity) -> None:
        error: ApiError | None = job.get("_error")
        if error is None:
            for callback in job["_callbacks"]:
                try:
                    callback()
                except ApiError as exc:
                    error = exc
                    break
        entity = job.get("_entity")
        if error is not None:
            # The job's own result code is always INTERNAL_ERROR; the command's code is inside jobresult.
            job.update(jobstatus=2, jobresultcode=530, jobresulttype="object")
            job["jobresult"] = {"errorcode": error.code, "errortext": error.text}
        else:
            job.update(jobstatus=1, jobresultcode=0, jobresulttype="object")
            job["jobresult"] = render(job["_answer"])
        job["completed"] = now_text(datetime.now(timezone.utc))
        if entity is not None and entity.get("jobid") == job["jobid"]:
            entity.pop("jobid", None)
            entity.pop("jobstatus", None)
        job["_callbacks"] = []
