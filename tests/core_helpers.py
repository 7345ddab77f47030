"""Helpers for the core server tests: the server spawned over stdio against a simulator, valid arguments."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import anyio
from mcp import types
from mcp.client.stdio import StdioServerParameters

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.config import Settings
from cloudstack_mcp.simulator import Simulator
from cloudstack_mcp.simulator.wire.inprocess import InProcessTransport
from cloudstack_mcp.tools.enums import enum_for

ROOT = Path(__file__).resolve().parents[1]
# The API kinds every signed request carries besides the command's own parameters.
SIGNING_PARAMS = frozenset({"command", "response", "apiKey", "signatureVersion", "expires", "signature"})


class NoWait:
    """An injectable `sleep` for the client: records every delay asked for and only yields to the event loop,
    so retry back-offs and job polling cost no real time."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await anyio.sleep(0)


def in_process(sim: Simulator, sleep: NoWait | None = None) -> InProcessTransport:
    """A transport to `sim` without a socket (its protocol handler called directly); latency waited with `sleep`."""
    return InProcessTransport(sim.protocol, sleep=sleep)


def text(result: Any) -> str:
    """The text of a tool result (its text blocks, one per line)."""
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


def safety_settings(sim: Simulator, tmp_path: Path, **kw: Any) -> Settings:
    """Settings for the safety tests: every tool listed, fast polling, an audit log under tmp_path."""
    admin = sim.credentials["admin"]
    base: dict[str, Any] = {
        "endpoint": sim.endpoint,
        "api_key": admin.api_key,
        "secret_key": admin.secret_key,
        "cache_dir": tmp_path / "cache",
        "toolsets": ("all",),
        "poll_interval": 0.01,
        "poll_max": 0.05,
        "audit_log": tmp_path / "audit.jsonl",
    }
    base.update(kw)
    return Settings(**base)


def isolated_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Environment for a spawned server: no user config, caches and state under `tmp`, coverage kept."""
    env = {k: v for k, v in os.environ.items() if k.startswith("COV") or k == "PYTHONPATH"}
    env.update(
        HOME=str(tmp),
        XDG_CACHE_HOME=str(tmp / "cache"),
        XDG_STATE_HOME=str(tmp / "state"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        CLOUDSTACK_MCP_CONFIRM_MODE="allow",  # safety confirmation off: these tests check the wire
    )
    env.update(extra)
    return env


def server_params(tmp: Path, *args: str, sim: Simulator | None = None, **env: str) -> StdioServerParameters:
    """`python -m cloudstack_mcp ARGS` against `sim` (root admin keys), or with nothing configured."""
    if sim is not None:
        admin = sim.credentials["admin"]
        env = {
            "CLOUDSTACK_ENDPOINT": sim.endpoint,
            "CLOUDSTACK_KEY": admin.api_key,
            "CLOUDSTACK_SECRET": admin.secret_key,
            **env,
        }
    return StdioServerParameters(
        command=sys.executable, args=["-m", "cloudstack_mcp", *args], env=isolated_env(tmp, **env), cwd=str(tmp)
    )


def uuid_for(sim: Simulator, api: ApiSpec, name: str) -> str:
    """A real id of the entity a uuid parameter names (the newest one of its kind), from the simulator's state."""
    info = sim.cloud.index.find(api.name)
    kind = info.param_kinds.get(name.lower()) if info else None
    store = sim.cloud.store
    entity = next(reversed(list(store.all(kind))), None) if kind else None
    if entity is None:
        entity = next(iter(store.all("ZoneResponse")))
    return str(entity["id"])


def json_value(sim: Simulator, api: ApiSpec, name: str, ptype: str, element: str | None) -> Any:
    """A valid JSON argument value for a parameter of type `ptype`."""
    if ptype == "uuid":
        return uuid_for(sim, api, name)
    if ptype == "list":
        return [uuid_for(sim, api, name)] if element == "uuid" else ["sim-a", "sim-b"]
    if ptype == "map":
        return [{"key": "simkey", "value": "sim value"}]
    if ptype == "string" and (choices := enum_for(api.name, name)):
        return choices[0]  # a parameter with fixed values (templatefilter, intervaltype...) takes one of them
    return {
        "integer": 1,
        "long": 2,
        "short": 3,
        "boolean": True,
        "date": "2030-01-01",
        "tzdate": "2030-01-01T00:00:00+0000",
        "double": 1.5,
        "float": 2.5,
    }.get(ptype, "sim-value")


def required_args(sim: Simulator, api: ApiSpec) -> dict[str, Any]:
    """Valid JSON arguments for every required parameter of `api`."""
    return {p.name: json_value(sim, api, p.name, p.type, p.collection_type) for p in api.params if p.required}


def sent(sim: Simulator, start: int, api: ApiSpec) -> list[Any]:
    """The requests for `api` the simulator received since request number `start`."""
    return [r for r in sim.requests[start:] if (r.command or "").lower() == api.name.lower()]


def wire_form(value: Any, name: str) -> dict[str, str]:
    """What the server must receive for a JSON value (written independently of schema.encode)."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return {f"{name}[{i}].{k}": str(v) for i, row in enumerate(value) for k, v in row.items()}
    if isinstance(value, list):
        return {name: ",".join(value)}
    if isinstance(value, bool):
        return {name: "true" if value else "false"}
    return {name: str(value)}
