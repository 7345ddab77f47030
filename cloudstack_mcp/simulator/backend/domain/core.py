"""listApis and the async job APIs."""

from __future__ import annotations

from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec, ResponseField
from cloudstack_mcp.simulator.backend.answers import ListAnswer, RawAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.engine import page
from cloudstack_mcp.simulator.backend.errors import ACCOUNT_ERROR, ApiError
from cloudstack_mcp.simulator.backend.jobs import JOB_KIND, job_view


def _fields(items: tuple[ResponseField, ...]) -> list[dict[str, Any]]:
    out = []
    for f in items:
        entry: dict[str, Any] = {"name": f.name, "description": f.description, "type": f.type}
        if f.children:
            entry["response"] = _fields(f.children)
        out.append(entry)
    return out


def api_entry(api: ApiSpec, role: str) -> dict[str, Any]:
    """One listApis entry, with the parameters this role may pass."""
    params = []
    for p in api.params:
        if role != "Admin" and p.authorized and role not in p.authorized:
            continue
        entry: dict[str, Any] = {
            "name": p.name,
            "description": p.description,
            "type": p.type,
            "length": p.length,
            "required": p.required,
        }
        if p.since:
            entry["since"] = p.since
        if p.related:
            entry["related"] = ",".join(p.related)
        params.append(entry)
    out: dict[str, Any] = {"name": api.name, "description": api.description}
    if api.since:
        out["since"] = api.since
    out.update(isasync=api.isasync, related=",".join(api.related), params=params, response=_fields(api.response))
    return out


@handles("listApis")
def list_apis(ctx: Context) -> ListAnswer:
    role = ctx.caller.role
    name = ctx.args.get("name")
    index = ctx.cloud.index
    if name:
        info = index.find(str(name))
        if info is None or role not in info.roles:
            raise ApiError(431, f"Unable to find API with name {name}")  # ApiDiscoveryService's answer
        return ListAnswer("api", [api_entry(info.spec, role)], 1, view=lambda e: e)
    entries = ctx.cloud.api_entries(role)
    return ListAnswer("api", entries, len(entries), view=lambda e: e)


def _own_job(ctx: Context, job: dict[str, Any]) -> bool:
    caller = ctx.caller
    if caller.is_root_admin or job.get("accountid") == caller.account["id"]:
        return True
    if caller.role == "DomainAdmin":
        account = ctx.store.get("AccountResponse", job.get("accountid"))
        return account is not None and caller.can_see_domain(str(account.get("domainpath")))
    return False


@handles("queryAsyncJobResult")
def query_async_job_result(ctx: Context) -> RawAnswer:
    job = ctx.store.get(JOB_KIND, str(ctx.args.get("jobid")))
    if job is None:
        raise ApiError(431, f"Unable to find a job by id {ctx.args.get('jobid')}")
    if not _own_job(ctx, job):
        raise ApiError(ACCOUNT_ERROR, "Account does not have permission to access the job", cserrorcode=4365)
    return RawAnswer(job_view(job))


@handles("listAsyncJobs")
def list_async_jobs(ctx: Context) -> ListAnswer:
    list_all = bool(ctx.args.get("listall"))
    mine = ctx.caller.account["id"]
    jobs = [j for j in ctx.store.all(JOB_KIND) if (j.get("accountid") == mine or (list_all and _own_job(ctx, j)))]
    if ctx.args.get("id"):
        jobs = [j for j in jobs if j["jobid"] == ctx.args.get("id")]
    since = ctx.args.get("startdate")
    if since is not None:
        cutoff = since.strftime("%Y-%m-%dT%H:%M:%S+0000")
        jobs = [j for j in jobs if str(j["created"]) >= cutoff]
    items, total = page(ctx, jobs)
    return ListAnswer("asyncjobs", items, total, view=job_view)
