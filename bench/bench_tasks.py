"""Tokens per task: what the model reads to do each operator workflow, per profile.

    python bench/bench_tasks.py [--spec FILE] [--json]

A deterministic driver (no model) runs each workflow of the MCP prompts (server/prompt_data.py) as a
fixed sequence of calls through a real MCP client against the simulator, for three profiles:
  default    the everyday tools listed; any other API through search_apis -> describe_api -> call_api
  discovery  only search/describe/call and the job check listed: every API found, described, then called
  all        every API listed as its own tool: each step calls it directly
It counts the bytes the model reads: the tools/list answer once per task (each task a new
conversation), then per call the arguments it writes and the text of the result (what a text-reading
client hands the model). Tokens are estimated as bytes / 4 (no tokenizer ships offline).
Arguments: the required parameters of each API filled with real ids of the simulator's cloud.
Confirmation is set to allow: this measures context, not the safety step (which adds one short answer).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from cloudstack_mcp.catalog.model import ApiSpec, Catalog, ParamSpec
from cloudstack_mcp.config import Settings
from cloudstack_mcp.server.app import create_server, open_app
from cloudstack_mcp.server.prompt_data import WORKFLOWS
from cloudstack_mcp.simulator import Simulator

ROOT = Path(__file__).resolve().parents[1]
PEER_LISTING = 165_770  # bytes: the best-known peer's 476 hand-written tools (issue 16)
PROFILES = {"default": (), "discovery": ("discovery",), "all": ("all",)}


def default_spec() -> Path:
    for base in (os.environ.get("CLOUDSTACK_MCP_SHARED"), str(ROOT.parent / "shared")):
        path = Path(base or "") / "cloudstack-api" / "4.20.0.0" / "listApis.json"
        if base and path.exists():
            return path
    raise SystemExit("needs the 4.20 listApis (with descriptions): ../shared/cloudstack-api or --spec FILE")


def value_for(sim: Simulator, api: ApiSpec, param: ParamSpec) -> Any:
    """A valid value: a real id of the entity a uuid parameter names, else a plain one of its type."""
    if param.type in ("uuid", "list") and (param.type == "uuid" or param.collection_type == "uuid"):
        info = sim.cloud.index.find(api.name)
        kind = info.param_kinds.get(param.name.lower()) if info else None
        entity = next(iter(sim.cloud.store.all(kind)), None) if kind else None
        value = str(entity["id"]) if entity else str(next(iter(sim.cloud.store.all("ZoneResponse")))["id"])
        return [value] if param.type == "list" else value
    if param.type == "list":
        return ["bench"]
    if param.type == "map":
        return [{"key": "bench", "value": "bench"}]
    return {"integer": 1, "long": 1, "short": 1, "boolean": False, "date": "2030-01-01"}.get(param.type, "bench")


def text_of(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


async def run_profile(spec: Path, catalog: Catalog, profile: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, Simulator(spec, job_seconds=0).running() as sim:
        admin = sim.credentials["admin"]
        settings = Settings(
            endpoint=sim.endpoint,
            api_key=admin.api_key,
            secret_key=admin.secret_key,
            cache_dir=Path(tmp),
            toolsets=PROFILES[profile],
            confirm_mode="allow",
            poll_interval=0.01,
            poll_max=0.05,
        )
        async with open_app(settings, catalog=catalog) as app, Client(create_server(app)) as client:
            tools = (await client.list_tools()).tools
            listing = len(
                json.dumps(
                    [t.model_dump(exclude_none=True, by_alias=True) for t in tools], separators=(",", ":")
                ).encode()
            )
            listed = {t.name for t in tools}
            tasks = {}
            by_tool: dict[str, list[int]] = {}
            for wf in WORKFLOWS:
                read = 0
                calls = 0
                described: set[str] = set()

                async def call(tool: str, arguments: dict[str, Any], count: Callable[[int], None]) -> None:
                    result = await client.call_tool(tool, arguments)
                    n = len(json.dumps(arguments, separators=(",", ":")).encode()) + len(text_of(result).encode())
                    kind = tool if tool in ("search_apis", "describe_api", "call_api") else "named tool"
                    by_tool.setdefault(kind, []).append(n)
                    count(n)

                def add(n: int) -> None:
                    nonlocal read, calls
                    read += n
                    calls += 1

                for step in wf.steps:
                    if step.api not in catalog:
                        continue
                    api = catalog[step.api]
                    args = {p.name: value_for(sim, api, p) for p in api.required_params}
                    tool = app.inventory.tool_name_of(api.name)
                    if tool in listed:
                        await call(tool, args, add)
                        continue
                    await call("search_apis", {"query": step.why}, add)
                    if api.name not in described:
                        described.add(api.name)
                        await call("describe_api", {"name": api.name}, add)
                    await call("call_api", {"name": api.name, "arguments": args}, add)
                tasks[wf.name] = {"calls": calls, "results": read, "total": listing + read}
            return {"listing": listing, "tools": len(tools), "tasks": tasks, "by_tool": by_tool}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spec", type=Path, default=None)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    spec = args.spec or default_spec()
    catalog = Catalog.load(spec)
    out = {profile: await run_profile(spec, catalog, profile) for profile in PROFILES}
    if args.json:
        print(json.dumps(out, indent=1))
        return
    tok = lambda n: f"{n / 4 / 1000:.1f}k"  # noqa: E731
    print("listing (tokens): " + ", ".join(f"{p} {tok(r['listing'])} ({r['tools']} tools)" for p, r in out.items())
          + f"; peer {tok(PEER_LISTING)} (476 tools)")  # fmt: skip
    print(f"{'workflow':<22}" + "".join(f"{p + ' calls':>16}{p + ' tokens':>18}" for p in out))
    for wf in WORKFLOWS:
        row = "".join(
            f"{out[p]['tasks'][wf.name]['calls']:>16}{tok(out[p]['tasks'][wf.name]['total']):>18}" for p in out
        )
        print(f"{wf.name:<22}{row}")
    totals = "".join(
        f"{sum(t['calls'] for t in out[p]['tasks'].values()):>16}"
        f"{tok(sum(t['total'] for t in out[p]['tasks'].values())):>18}"
        for p in out
    )
    print(f"{'all ten (listing each)':<22}{totals}")
    results_only = ", ".join(f"{p} {tok(sum(t['results'] for t in out[p]['tasks'].values()))}" for p in out)
    print(f"results alone (tokens, all ten): {results_only}")
    for p, r in out.items():
        parts = ", ".join(
            f"{kind} {len(sizes)} x {sum(sizes) / len(sizes) / 4:.0f}" for kind, sizes in sorted(r["by_tool"].items())
        )
        print(f"  {p}: calls x mean tokens: {parts}")


if __name__ == "__main__":
    anyio.run(main)
