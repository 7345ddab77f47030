"""Context budget: what `tools/list` costs for the default profile, some toolsets and `all`.

    python bench/bench_tools_size.py [--spec PATH] [--profiles default,vm,host,...,all] [--in-process]

For each profile the server is spawned over stdio (`python -m cloudstack_mcp --api-spec SPEC
--toolsets X`, the built-in simulator behind it), handshaken with a raw JSON-RPC `initialize`, and
asked for `tools/list`; the answer's bytes are counted as sent (the whole JSON-RPC line). Tokens are
estimated as bytes / 4. Also shown: the same listing without the compaction of cloudstack_mcp.tools.budget.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cloudstack_mcp.catalog.model import Catalog  # noqa: E402
from cloudstack_mcp.config import Settings  # noqa: E402
from cloudstack_mcp.pipeline.guard import Guard  # noqa: E402
from cloudstack_mcp.tools.budget import listing_bytes  # noqa: E402
from cloudstack_mcp.tools.discovery import discovery_tools  # noqa: E402
from cloudstack_mcp.tools.inventory import build_inventory  # noqa: E402
from tests.apidata import bench_spec_420  # noqa: E402

PROFILES = "default,vm,network,firewall,host,infrastructure,image-store,storage-pool,vm+volume+snapshot,all"
LIMIT_TOOLS, LIMIT_TOKENS = 40, 15_000


def wire_listing(spec: Path, toolsets: str) -> tuple[int, int]:
    """(tool count, bytes of the tools/list JSON-RPC answer line) from a spawned server."""
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDSTACK")}
        env.update(HOME=home, XDG_CACHE_HOME=home, XDG_STATE_HOME=home, PYTHONPATH=str(ROOT))
        proc = subprocess.Popen(
            [sys.executable, "-m", "cloudstack_mcp", "--api-spec", str(spec), "--toolsets", toolsets],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=home,
        )
        assert proc.stdin and proc.stdout

        def send(msg: dict) -> None:
            proc.stdin.write((json.dumps(msg) + "\n").encode())
            proc.stdin.flush()

        def answer(msg_id: int) -> bytes:
            while True:
                line = proc.stdout.readline()
                if not line:
                    raise SystemExit(f"server for --toolsets {toolsets} ended early")
                if json.loads(line).get("id") == msg_id:
                    return line

        try:
            send(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {
                        "protocolVersion": "2025-06-18",
                        "capabilities": {},
                        "clientInfo": {"name": "bench", "version": "0"},
                    },
                }
            )
            answer(1)
            send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            send({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}})
            line = answer(2).rstrip(b"\n")
        finally:
            proc.stdin.close()
            proc.terminate()
            proc.wait(10)
    tools = json.loads(line)["result"]["tools"]
    return len(tools), len(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=None)
    parser.add_argument("--profiles", default=PROFILES, help="comma-separated; '+' joins toolsets in one profile")
    parser.add_argument("--in-process", action="store_true", help="measure the inventory in-process (no spawn)")
    args = parser.parse_args()
    args.spec = args.spec or bench_spec_420("the listing sizes include CloudStack's own descriptions")
    catalog = Catalog.load(args.spec)
    print(f"spec: {args.spec} ({len(catalog)} APIs)")
    header = f"{'profile':<22} {'tools':>5} {'bytes':>9} {'~tokens':>8} {'uncompacted':>12} {'~tokens':>8}"
    print(header)
    print("-" * len(header))
    ok = True
    for profile in args.profiles.split(","):
        toolsets = profile.replace("+", ",")
        settings = Settings(toolsets=tuple(toolsets.split(",")))
        extras = discovery_tools(SimpleNamespace(settings=settings, catalog=catalog))  # type: ignore[arg-type]
        inv = build_inventory(catalog, settings, guard=Guard(settings), extras=extras)
        full = listing_bytes([t.to_mcp() for t in inv.tools.values()])
        if args.in_process:
            count, size = len(inv), listing_bytes(inv.listing().tools)
        else:
            count, size = wire_listing(args.spec, toolsets)
        print(f"{profile:<22} {count:>5} {size:>9,} {size // 4:>8,} {full:>12,} {full // 4:>8,}")
        if profile == "default" and (count > LIMIT_TOOLS or size / 4 > LIMIT_TOKENS):
            ok = False
    print(
        f"(uncompacted: the same tools before cloudstack_mcp.tools.budget compacts them; limits for default: "
        f"{LIMIT_TOOLS} tools, {LIMIT_TOKENS:,} tokens)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
