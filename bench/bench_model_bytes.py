"""What reaches the model, by the kind of client: the text, the structured content, or both.

    python bench/bench_model_bytes.py [--vms 50]

Some MCP clients hand the model the text of a tool result, some only its `structuredContent` when
there is one (dropping the text), some both. This fills the simulator (4.20 spec; bench_tokens.fill:
N VMs with their NICs and two tags each, N hosts, N volumes, N networks), then calls
list_virtual_machines, list_hosts, list_volumes and list_networks through the real server and the
SDK's client (in-process, default settings: output mode `text`, default profile plus call_api) and
measures, against the raw JSON body CloudStack sent:

- text client: the text blocks, UTF-8 bytes;
- structured-only client: the structured content as compact JSON;
- both: the sum;
- and for each, whether every item's id, name, state and IP addresses (VM NICs, host address,
  network CIDR; volumes have none) are in what that client reads.

Target: each at most 25% of the raw JSON with nothing missing. Also measured: a page of 8 (a list
short enough for its structured projection to be sent, render/modes.STRUCTURED_LIMIT), and
`--output json` (the whole answer as structured content, what every result carried before).
Figures go to BENCHMARKS.md ("What reaches the model").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_tokens import CASES, Http, fill  # noqa: E402
from mcp import Client  # noqa: E402

from cloudstack_mcp.config import Settings  # noqa: E402
from cloudstack_mcp.server.app import create_server, open_app  # noqa: E402
from cloudstack_mcp.simulator import Simulator  # noqa: E402
from tests.apidata import bench_spec_420  # noqa: E402

TARGET = 0.25


@contextlib.asynccontextmanager
async def client(sim: Simulator, output: str) -> AsyncIterator[Client]:
    admin = sim.credentials["admin"]
    settings = Settings(output=output).with_connection(  # type: ignore[arg-type]
        endpoint=sim.endpoint, api_key=admin.api_key, secret_key=admin.secret_key, source="bench"
    )
    async with open_app(settings, catalog=sim.catalog) as app, Client(create_server(app)) as c:
        yield c


def _missing(raw_items: list[dict[str, Any]], seen: str, addresses: Any) -> int:
    values = [v for i in raw_items for v in (i["id"], i["name"], i.get("state"), *addresses(i)) if v is not None]
    return sum(1 for v in values if str(v) not in seen)


async def measure(sim: Simulator, h: Http, output: str, page: int = 0) -> list[dict[str, Any]]:
    rows = []
    async with client(sim, output) as c:
        listed = {t.name for t in (await c.list_tools()).tools}
        for tool, api_name, key, addresses in CASES:
            args: dict[str, Any] = {"listall": True} if sim.catalog[api_name].param("listall") else {}
            if page:
                args.update(page=1, pagesize=page)
            if tool in listed:
                result = await c.call_tool(tool, args)
            else:  # list_hosts is outside the default profile: the same pipeline through call_api
                result = await c.call_tool("call_api", {"name": api_name, "arguments": args})
            if result.is_error:
                raise SystemExit(f"{tool} failed: {result.content[0].text}")  # type: ignore[union-attr]
            text = "\n".join(b.text for b in result.content if getattr(b, "type", "") == "text")  # type: ignore[attr-defined]
            data = json.dumps(result.structured_content, separators=(",", ":"), ensure_ascii=False)
            body = h.raw(api_name, **{k: str(v).lower() for k, v in args.items()}).content
            (answer,) = json.loads(body).values()
            items = answer.get(key, [])
            sent = result.structured_content is not None
            t, s = len(text.encode()), len(data.encode()) if sent else 0
            only = data if sent else text  # a client that prefers structured content reads the text without it
            rows.append(
                {
                    "tool": tool, "items": len(items), "raw": len(body), "text": t, "structured": len(only.encode()),
                    "both": t + s, "sent": sent,
                    "missing": {"text": _missing(items, text, addresses), "structured": _missing(items, only, addresses),
                                "both": _missing(items, text + (data if sent else ""), addresses)},
                }
            )  # fmt: skip
    return rows


def report(title: str, rows: list[dict[str, Any]]) -> bool:
    print(f"\n{title}")
    print(f"{'tool':<24}{'items':>6}{'raw B':>9}  {'text':>15}  {'structured only':>15}  {'both':>15}  kept")
    ok = True
    for r in rows:
        cells = []
        for kind in ("text", "structured", "both"):
            share = r[kind] / r["raw"]
            ok &= share <= TARGET and r["missing"][kind] == 0
            cells.append(f"{r[kind]:>7,} {share:>6.1%}")
        kept = "all" if not any(r["missing"].values()) else f"missing {r['missing']}"
        how = "" if r["sent"] else "  (no structured content: every client reads the text)"
        print(f"{r['tool']:<24}{r['items']:>6}{r['raw']:>9,}  {'  '.join(cells)}  {kept}{how}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=50, help="items of each kind (default 50)")
    args = parser.parse_args()
    sim = Simulator(bench_spec_420(), job_seconds=0)
    with sim.running():
        h = Http(sim)
        t0 = time.perf_counter()
        fill(h, args.vms)
        print(f"simulator filled in {time.perf_counter() - t0:.1f} s")
        compact = anyio.run(measure, sim, h, "text")
        short = anyio.run(measure, sim, h, "text", 8)
        whole = anyio.run(measure, sim, h, "json")
        h.http.close()
    ok = report("default (--output text): bytes reaching the model, share of the raw JSON", compact)
    report("default, a page of 8 (pagesize=8): the projection is sent as structured content", short)
    report("--output json (the whole answer as structured content), for comparison", whole)
    print(
        f"\ntarget (default): each <= {TARGET:.0%} of the raw JSON, every id/name/state/IP kept: {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
