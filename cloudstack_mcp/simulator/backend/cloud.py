"""The simulated management server's backend: state, accounts, jobs, and command dispatch (no HTTP)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.simulator.backend.accounts import Accounts, Caller
from cloudstack_mcp.simulator.backend.answers import Answer, ObjectAnswer, RawAnswer
from cloudstack_mcp.simulator.backend.builtin import builtin_catalog
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import Handler, load_all
from cloudstack_mcp.simulator.backend.domain.core import api_entry
from cloudstack_mcp.simulator.backend.domain.vms import build_vm
from cloudstack_mcp.simulator.backend.engine import CREATE_VERBS, generic
from cloudstack_mcp.simulator.backend.errors import ApiError
from cloudstack_mcp.simulator.backend.jobs import Jobs
from cloudstack_mcp.simulator.backend.kinds import ApiInfo, SpecIndex, is_async_create
from cloudstack_mcp.simulator.backend.params import read_args
from cloudstack_mcp.simulator.backend.seed import seed_cloud, seed_samples
from cloudstack_mcp.simulator.backend.store import Entity, Store, new_uuid, now_text

__all__ = ["Cloud"]


def _has_metadata(catalog: Catalog) -> bool:
    return any(api.response_object for api in catalog.values())


def _showing_parameters(handler: Handler) -> Handler:
    """A create's every parameter shows in its answer under the response field of the same name (a rule
    for every handler: what a domain handler does not set itself is filled in from the call)."""

    def run(ctx: Context) -> Answer:
        target = ctx.store.get(None, ctx.args.get("id")) if isinstance(ctx.args.get("id"), str) else None
        before = dict(target) if target is not None and ctx.info.verb == "update" else None
        answer = handler(ctx)
        if before is not None and isinstance(answer, ObjectAnswer) and answer.obj is target:
            # An update changes what it names: a field the handler left alone takes the given value.
            fields = ctx.cloud.fields_of(str(target.get("_kind")))
            for name, value in ctx.args.values.items():
                named = name in fields and name not in _OWNER_PARAMS and isinstance(value, (str, int, bool))
                if named and target.get(name) == before.get(name):
                    target[name] = value
        if ctx.info.verb in CREATE_VERBS and ctx.info.kind and isinstance(answer, ObjectAnswer):
            fields = ctx.cloud.fields_of(ctx.info.kind)
            for name, value in ctx.args.values.items():
                shown = name in fields and name not in _OWNER_PARAMS and not isinstance(value, dict)
                if shown and answer.obj.get(name) is None:
                    answer.obj[name] = ",".join(map(str, value)) if isinstance(value, list) else value
        return answer

    return run


_OWNER_PARAMS = frozenset({"account", "domainid", "projectid", "id"})


class Cloud:
    """Everything the simulator knows; `call` runs one command for one caller."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        api_key: str | None = None,
        secret_key: str | None = None,
        command_classes: Mapping[str, list[str]] | None = None,
        seed: str = "default",
    ) -> None:
        self.catalog = catalog
        self.index = SpecIndex(catalog, command_classes, None if _has_metadata(catalog) else builtin_catalog())
        self.command_classes = dict(command_classes or {})
        self.store = Store()
        self.accounts = Accounts(self.store)
        self.jobs = Jobs(self.store)
        self.job_seconds = 0.2
        self.job_overrides: list[Any] = []  # set by the fault layer: callables (api) -> (seconds, error) | None
        self.handlers: dict[str, Handler] = {n: h for n, h in load_all().items() if n in catalog}
        self.disk_offerings: dict[str, Entity] = {}
        self._api_entries: dict[str, list[dict[str, Any]]] = {}
        self.accounts.seed(api_key, secret_key)
        seed_cloud(self, seed)
        if seed == "default":  # the sandbox profile is a fresh cloud: no sample objects
            seed_samples(self)

    # ---- helpers for handlers -----------------------------------------------------------------------
    def setting(self, name: str) -> str | None:
        """A global setting's current value (listConfigurations / updateConfiguration), None when unknown."""
        config = self.store.get("ConfigurationResponse", new_uuid(f"ConfigurationResponse:config:{name}"))
        return None if config is None else str(config.get("value")).lower()

    def fields_of(self, kind: str) -> frozenset[str]:
        return self.index.fields.get(kind, frozenset())

    def resolve(self, kind: str | None, eid: str) -> bool:
        if self.store.get(kind, eid) is not None or self.store.was_removed(kind, eid):
            return True
        # Routers and system VMs are virtual machines too: a VM id parameter accepts them.
        return kind == "UserVmResponse" and self.store.kind_of(eid) in ("DomainRouterResponse", "SystemVmResponse")

    def api_entries(self, role: str) -> list[dict[str, Any]]:
        if role not in self._api_entries:
            self._api_entries[role] = [
                api_entry(info.spec, role) for info in self.index.info.values() if role in info.roles
            ]
        return self._api_entries[role]

    def deploy_seed_vm(
        self,
        key: str,
        owner: Entity,
        zone: Entity,
        network: Entity,
        template: Entity,
        offering: Entity,
        host: Entity,
        pool: Entity,
        state: str,
    ) -> Entity:
        return build_vm(
            self.store,
            name=key,
            owner=owner,
            zone=zone,
            network=network,
            template=template,
            offering=offering,
            host=host,
            pool=pool,
            state=state,
            key=key,
        )

    def event(self, caller: Caller, event_type: str, description: str) -> None:
        self.store.add(
            "EventResponse",
            {
                "username": caller.user["username"],
                "type": event_type,
                "level": "INFO",
                "description": description,
                "account": caller.account["name"],
                "domainid": caller.domain["id"],
                "domain": caller.domain["name"],
                "created": now_text(),
                "state": "Completed",
                "_owner": caller.account["id"],
                "_domainpath": caller.account["domainpath"],
            },
        )

    def command_class(self, info: ApiInfo) -> str:
        classes = self.command_classes.get(info.spec.name)
        if classes:
            return classes[0]
        pkg = "admin" if info.roles == {"Admin"} else "user"
        name = info.spec.name[:1].upper() + info.spec.name[1:]
        return f"org.apache.cloudstack.api.command.{pkg}.{info.noun}.{name}Cmd"

    # ---- dispatch -------------------------------------------------------------------------------
    def call(self, info: ApiInfo, raw: Mapping[str, str], caller: Caller) -> Answer:
        """Check the parameters and run the command; async APIs answer with their job."""
        self.jobs.settle()
        args = read_args(info, raw, self.resolve)
        ctx = Context(self, info, args, caller)
        self._check_access(ctx)
        handler = _showing_parameters(self.handlers.get(info.spec.name, generic))
        if not info.spec.isasync:
            answer = handler(ctx)
            for callback in ctx.completions:
                callback()
            return answer
        seconds, failure = self.job_seconds, None
        for override in self.job_overrides:
            decided = override(info.spec.name)
            if decided is not None:
                seconds, failure = decided
                break
        run: Callable[[], Answer] = lambda: handler(ctx)  # noqa: E731
        if is_async_create(info.spec.name):
            # BaseAsyncCreateCmd.create() runs before the job is queued: its refusal is the request's answer.
            created = handler(ctx)
            run = lambda: created  # noqa: E731
        job = self.jobs.submit(
            caller=caller,
            command_class=self.command_class(info),
            seconds=seconds if seconds is not None else math.inf,
            run=run,
            callbacks=ctx.completions,
            instance_type=info.kind.removesuffix("Response") if info.kind else None,
            fail=failure,
        )
        body: dict[str, Any] = {}
        answer = job.get("_answer")
        if isinstance(answer, ObjectAnswer) and info.verb in CREATE_VERBS and answer.obj.get("id"):
            body["id"] = answer.obj["id"]
        body["jobid"] = job["jobid"]
        return RawAnswer(body)

    def _check_access(self, ctx: Context) -> None:
        """The server checks the caller may use every entity its uuid parameters name before it
        queues anything (ParamProcessWorker.doAccessChecks), so this fails at once, even for async APIs."""
        if ctx.caller.is_root_admin:
            return
        for name in ctx.info.param_kinds:
            value = ctx.args.get(name)
            for eid in value if isinstance(value, list) else [value]:
                entity = self.store.get(None, eid) if isinstance(eid, str) else None
                if entity is not None and entity.get("_owner") and not entity.get("ispublic"):
                    ctx.check_access(entity)

    def answer_error_for(self, caller: Caller | None, error: ApiError) -> ApiError:
        """Non-root-admin callers get a generic text for internal/capacity/unavailable errors."""
        if caller is not None and not caller.is_root_admin and error.code in (530, 533, 534):
            return ApiError(
                error.code,
                "Internal error executing command, please contact your system administrator",
                cserrorcode=error.cserrorcode,
                uuids=error.uuids,
                envelope=error.envelope,
            )
        return error
