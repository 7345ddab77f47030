"""Each principal as their own CloudStack user: keys from a credentials store, one App per principal.

The credentials store maps a principal name (a token's name, or a JWT's principal claim) to CloudStack
API keys. It is a JSON file the server refuses unless only its owner can read it (mode 0600), or the
same JSON in CLOUDSTACK_MCP_CREDENTIALS_JSON; a key may also name an environment variable:

    {"alice": {"api_key": "...", "secret_key": "..."},
     "bob":   {"api_key_env": "BOB_CS_KEY", "secret_key_env": "BOB_CS_SECRET"}}

A principal's App has its own client (keys), guard (its audit records name the principal and the
CloudStack user) and pipeline, and its CloudStack role's catalog: listApis is role-filtered, so it is
read with the principal's keys (cached on disk per user by the catalog loader) and principals whose
listing is the same share one Catalog. No principal in the store: refused before anything is sent.
With `--shared-cloudstack-user` every principal acts as the configured user (warned at start-up).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import anyio
import httpx2

from cloudstack_mcp.catalog.loader import load_catalog
from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.config_http import HttpSettings
from cloudstack_mcp.errors import ConfigError
from cloudstack_mcp.pipeline.call import Pipeline
from cloudstack_mcp.pipeline.guard import Guard
from cloudstack_mcp.server.app import App, extra_tools
from cloudstack_mcp.server.auth import Principal
from cloudstack_mcp.tools.listing_cache import load_inventory

__all__ = ["CredentialStore", "PrincipalAudit", "Principals", "UnknownPrincipal", "tee_audit"]

log = logging.getLogger(__name__)


class UnknownPrincipal(Exception):
    """The principal has no CloudStack user in the credentials store."""


class CredentialStore:
    """principal -> (api key, secret key)."""

    def __init__(self, entries: Mapping[str, tuple[str, str]], source: str):
        self.entries = dict(entries)
        self.source = source

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    @classmethod
    def load(cls, http: HttpSettings, env: Mapping[str, str] | None = None) -> CredentialStore | None:
        env = os.environ if env is None else env
        if http.credentials is not None:
            path = http.credentials
            try:
                mode = path.stat().st_mode
            except OSError as exc:
                raise ConfigError(f"--credentials {path}: {exc.strerror or exc}") from None
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise ConfigError(
                    f"--credentials {path} is readable by others (mode {stat.S_IMODE(mode):o}): it holds CloudStack "
                    f"secret keys; run `chmod 600 {path}`"
                )
            text, source = path.read_text(encoding="utf-8"), str(path)
        elif http.credentials_json:
            text, source = http.credentials_json, "CLOUDSTACK_MCP_CREDENTIALS_JSON"
        else:
            return None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"credentials store {source} is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f'credentials store {source}: expected {{"principal": {{"api_key", "secret_key"}}}}')
        entries = {}
        for name, row in data.items():
            keys = []
            for field in ("api_key", "secret_key"):
                value = row.get(field) if isinstance(row, dict) else None
                if value is None and isinstance(row, dict) and row.get(field + "_env"):
                    value = env.get(str(row[field + "_env"]))
                if not value:
                    raise ConfigError(f"credentials store {source}: {name!r} has no {field} (or {field}_env set)")
                keys.append(str(value))
            entries[str(name)] = (keys[0], keys[1])
        return cls(entries, source)


class PrincipalAudit:
    """The shared audit log, with the principal added to every record this principal's guard writes
    (intent, outcome, decision); everything else is the shared log's."""

    def __init__(self, shared: Any, principal: Principal):
        self._shared = shared
        self._who = {"principal": principal.name, "principal_via": principal.via}

    def write(self, record: Mapping[str, Any]) -> bool:
        return bool(self._shared.write({**record, **self._who}))

    def intent(self, record: Mapping[str, Any]) -> str | None:
        return self._shared.intent({**record, **self._who})  # type: ignore[no-any-return]

    def decision(self, record: Mapping[str, Any]) -> bool:
        return bool(self._shared.decision({**record, **self._who}))

    def outcome(self, request_id: str | None, **fields: Any) -> bool:
        return bool(self._shared.outcome(request_id, **{**fields, **self._who}))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._shared, name)


def tee_audit(audit: Any, stream: Callable[[str], None]) -> None:
    """Every record the (shared) audit log writes also goes to `stream`, scrubbed like the file's line."""
    write = audit.write

    def write_and_stream(record: Mapping[str, Any]) -> bool:
        written = bool(write(record))
        stream(audit.scrubber.scrub(json.dumps(dict(record), sort_keys=True, default=str)))
        return written

    audit.write = write_and_stream


class Principals:
    """The App each principal acts through, built on first use and kept."""

    def __init__(
        self,
        base: App,
        store: CredentialStore | None,
        *,
        shared_user: bool,
        transport: httpx2.AsyncBaseTransport | None = None,
    ):
        self.base = base
        self.store = store
        self.shared_user = shared_user
        self.transport = transport
        self._apps: dict[str, App] = {}
        self._catalogs: dict[str, Catalog] = {}  # content digest -> the one Catalog of that role
        self._locks: dict[str, anyio.Lock] = {}
        self._stack = contextlib.AsyncExitStack()

    @property
    def role_catalogs(self) -> int:
        """Distinct catalogs read with principals' own keys (one per CloudStack role in use)."""
        return len(self._catalogs)

    def known(self, principal: Principal) -> bool:
        return (
            principal.via == "loopback" or self.shared_user or (self.store is not None and principal.name in self.store)
        )

    async def app_for(self, principal: Principal) -> App:
        app = self._apps.get(principal.name)
        if app is not None:
            return app
        lock = self._locks.setdefault(principal.name, anyio.Lock())
        async with lock:
            app = self._apps.get(principal.name)
            if app is None:
                app = await self._build(principal)
                self._apps[principal.name] = app
        return app

    async def _build(self, principal: Principal) -> App:
        base = self.base
        read_only = base.settings.read_only or not principal.can_change
        if principal.via == "loopback" or self.shared_user or self.store is None:
            if not self.known(principal):
                raise UnknownPrincipal(principal.name)
            settings = replace(base.settings, principal=principal.name, read_only=read_only)
            client, catalog = base.client, base.catalog
        else:
            if principal.name not in self.store:
                raise UnknownPrincipal(principal.name)
            key, secret = self.store.entries[principal.name]
            settings = replace(
                base.settings,
                api_key=key,
                secret_key=secret,
                username=None,
                password=None,
                principal=principal.name,
                read_only=read_only,
                api_spec=None,
            )
            client = await self._stack.enter_async_context(CloudStackClient(settings, transport=self.transport))
            catalog = await self._role_catalog(settings, client)
        guard = Guard(settings, audit=PrincipalAudit(base.guard.audit, principal), scrubber=base.guard.scrubber)
        pipeline = Pipeline(catalog, client, guard, settings)
        pipeline.jobs.follow_in(base.pipeline.jobs)  # job followers run as long as the server (pipeline/jobs.py)
        inventory = load_inventory(catalog, settings, guard=guard, names=pipeline.tool_to_api, use_cache=False)
        app = App(settings, catalog, client, guard, pipeline, inventory, simulator=base.simulator)
        inventory.add_extras(extra_tools(app), settings.exclude_tools)
        log.info("principal %s: %d tools as CloudStack user %s", principal.name, len(app.inventory), settings.user[:10])
        return app

    async def _role_catalog(self, settings: Any, client: CloudStackClient) -> Catalog:
        # listApis answers what the user's role may call; the loader caches it per endpoint and user.
        catalog = await load_catalog(settings, client, use_cache=self.base.simulator is None)
        # The role is what decides the listing: the same APIs with the same parameters is the same role.
        digest = hashlib.sha256(
            "\n".join(f"{a.name}:{','.join(p.name for p in a.params)}" for a in catalog.values()).encode()
        ).hexdigest()
        same = self._catalogs.get(digest)
        if same is None:
            same = self._catalogs[digest] = catalog
        return same

    async def aclose(self) -> None:
        await self._stack.aclose()
