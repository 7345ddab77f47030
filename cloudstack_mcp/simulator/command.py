"""`cloudstack-mcp simulator`: run the simulator on its own until stopped."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cloudstack_mcp.catalog.model import CatalogError
from cloudstack_mcp.simulator.server import Simulator
from cloudstack_mcp.simulator.wire.faults import FaultError

__all__ = ["add_arguments", "main", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the simulator's options to a (sub)command parser."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080; 0 = any free port)")
    parser.add_argument(
        "--api-spec", metavar="FILE", help="serve the APIs of this listApis JSON file (default: the built-in API)"
    )
    parser.add_argument("--api-key", metavar="K", help="API key of the root admin (default: a fixed generated one)")
    parser.add_argument("--secret-key", metavar="S", help="secret key of the root admin (with --api-key)")
    parser.add_argument("--faults", metavar="FILE", help="JSON file of fault rules (see docs/simulator.md)")
    parser.add_argument(
        "--seed",
        choices=("default", "sandbox"),
        default="default",
        help="the cloud it starts with: default (one lived-in advanced KVM zone) or sandbox (the zones, offerings "
        "and template of Apache's simulator container)",
    )
    parser.add_argument(
        "--job-seconds", type=float, default=1.0, metavar="N", help="how long async jobs run (default 1)"
    )
    parser.add_argument(
        "--clock-offset",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="run the server's clock this far ahead (negative: behind) of this machine's, in its Date header "
        "and its signature expiry check: simulates clock skew (default 0)",
    )


def _banner(sim: Simulator) -> str:
    lines = [
        f"CloudStack simulator serving {len(sim.catalog)} APIs ({'built-in' if sim.catalog.source == 'builtin' else sim.catalog.source})",
        f"endpoint:   {sim.endpoint}",
    ]
    admin = sim.credentials["admin"]
    lines += [
        f"api key:    {admin.api_key}",
        f"secret key: {admin.secret_key}",
        "",
        "accounts (username / password, api key / secret key):",
    ]
    for label, cred in sim.credentials.items():
        lines.append(f"  {label:<12} {cred.username} / {cred.password} (domain {cred.domain})")
        lines.append(f"  {'':<12} {cred.api_key} / {cred.secret_key}")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Start the simulator from parsed arguments and serve until interrupted; returns the exit code."""
    if bool(args.api_key) != bool(args.secret_key):
        print("error: give --api-key and --secret-key together", file=sys.stderr)
        return 2
    try:
        sim = Simulator(
            args.api_spec,
            api_key=args.api_key,
            secret_key=args.secret_key,
            faults=args.faults,
            job_seconds=args.job_seconds,
            seed=args.seed,
        )
    except (CatalogError, FaultError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sim.clock_offset = getattr(args, "clock_offset", 0.0) or 0.0
    try:
        sim.serve_forever(args.host, args.port, on_ready=lambda s: print(_banner(s), flush=True))
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print("simulator stopped", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cloudstack_mcp.simulator", description="Run the CloudStack simulator."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
