"""The `cloudstack-mcp` command: serve (default), simulator, tools, call, sync, doctor, config, docs."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

import anyio

from cloudstack_mcp import __version__
from cloudstack_mcp.config import Settings, load_settings
from cloudstack_mcp.config_http import HTTP_FLAGS, add_http_arguments
from cloudstack_mcp.errors import CloudStackMcpError

__all__ = ["build_parser", "main"]

_EPILOG = """\
CloudStack connection (no flags needed): CLOUDSTACK_ENDPOINT, CLOUDSTACK_KEY, CLOUDSTACK_SECRET
(or CLOUDSTACK_API_URL, CLOUDSTACK_API_KEY, CLOUDSTACK_SECRET_KEY), or CLOUDSTACK_USERNAME,
CLOUDSTACK_PASSWORD, CLOUDSTACK_DOMAIN; or ~/.cloudstack.ini / ./cloudstack.ini / $CLOUDSTACK_CONFIG
with a [cloudstack] section (or the section named by CLOUDSTACK_REGION). Nothing configured: the
built-in simulator is used. Server options can also come from CLOUDSTACK_MCP_* variables (see
docs/configuration.md). `cloudstack-mcp COMMAND --help` shows a command's own options
(e.g. serve --transport http --port 8000).
"""

# Settings names that flags fill (dest -> settings key).
_FLAG_SETTINGS = (
    "endpoint",
    "region",
    "domain",
    "timeout",
    "api_spec",
    "refresh_catalog",
    "cache_dir",
    "toolsets",
    "tools",
    "exclude_tools",
    "read_only",
    "allow_tools",
    "deny_tools",
    "confirm_mode",
    "confirm_level",
    "audit_log",
    "audit_required",
    "confirm_via",
    "confirm_key_file",
    "job_timeout",
    "max_pages",
    "output",
    "connect_timeout",
    "retries",
    "retry_backoff",
    "transport",
    "http_host",
    "http_port",
    "simulator_state",
    "simulator_reset",
    "simulator_faults",
    "simulator_clock_offset",
)


def _common_options() -> argparse.ArgumentParser:
    """Options shared by serve, tools, call and sync (SUPPRESS: a subcommand does not reset the top level)."""
    p = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    c = p.add_argument_group("CloudStack connection (override environment and cloudstack.ini)")
    c.add_argument("--endpoint", metavar="URL", help="API URL, e.g. https://cloud.example.com/client/api")
    c.add_argument("--region", metavar="NAME", help="cloudstack.ini section to use (default: [cloudstack])")
    c.add_argument("--domain", metavar="PATH", help="domain path for username/password login (default: /)")
    c.add_argument("--timeout", metavar="SECONDS", type=float, help="HTTP timeout per request (default: 30)")
    k = p.add_argument_group("API catalog")
    k.add_argument("--api-spec", metavar="FILE", help="read the APIs from a listApis JSON file instead of the server")
    k.add_argument(
        "--refresh-catalog", action="store_true", help="ask the server for listApis again (updates the cache)"
    )
    k.add_argument("--cache-dir", metavar="DIR", help="catalog cache directory (default: ~/.cache/cloudstack-mcp)")
    t = p.add_argument_group("tool selection (fixed at start-up)")
    t.add_argument(
        "--toolsets",
        metavar="LIST",
        help="comma-separated toolsets to list, 'all' for every API, 'default' for the default profile "
        "(the default), 'discovery' for search/describe/call and the job tool only; see `cloudstack-mcp tools`",
    )
    t.add_argument(
        "--tools", metavar="GLOBS", help="also list these tools (comma-separated globs over tool or API names)"
    )
    t.add_argument("--exclude-tools", metavar="GLOBS", help="never list these tools (globs)")
    t.add_argument("--read-only", action="store_true", help="list and run only APIs that change nothing")
    t.add_argument("--allow-tools", metavar="GLOBS", help="only these tools/APIs may run (any way they are called)")
    t.add_argument("--deny-tools", metavar="GLOBS", help="these tools/APIs never run")
    g = p.add_argument_group("safety (see docs/safety.md)")
    g.add_argument(
        "--confirm-mode",
        metavar="MODE",
        help="when the client cannot ask the user (no elicitation): phrase (default: the call returns the exact "
        "phrase to pass as `confirm`), deny, or allow (still audited)",
    )
    g.add_argument(
        "--confirm-level",
        metavar="LEVEL",
        help="lowest severity that needs confirmation: low, medium (default), high or critical (credential reads: always)",
    )
    g.add_argument(
        "--confirm-via",
        metavar="ROUTE",
        help="how confirmation is asked: auto (default: elicitation where the client declares it, else "
        "--confirm-mode), elicitation (always; a client without it is refused), or phrase (never elicit: for "
        "clients that decline every elicitation)",
    )
    g.add_argument(
        "--confirm-key-file",
        metavar="PATH",
        help="the server key confirmation phrases are derived from (default: $XDG_STATE_HOME/cloudstack-mcp/"
        "confirm.key, created 0600 on first use; share one file between instances; or CLOUDSTACK_MCP_CONFIRM_KEY)",
    )
    g.add_argument(
        "--audit-log",
        metavar="PATH",
        help="audit log file, one JSON line per change (default: $XDG_STATE_HOME/cloudstack-mcp/audit.jsonl); "
        "'off' disables it",
    )
    g.add_argument(
        "--no-audit-required",
        dest="audit_required",
        action="store_false",
        help="let changes run when the audit log cannot be written (default: they are refused)",
    )
    r = p.add_argument_group("calls")
    r.add_argument(
        "--job-timeout",
        metavar="SECONDS",
        type=float,
        help="wait budget: how long a call waits for its async job before answering that it is still running, "
        "with its id and the wait_for_job call (default: 40; keep it below the client's request timeout)",
    )
    r.add_argument("--max-pages", metavar="N", type=int, help="fetch_all page cap (default: 20 pages of 500)")
    r.add_argument("--connect-timeout", metavar="SECONDS", type=float, help="time to open a connection (default: 10)")
    r.add_argument(
        "--retries",
        metavar="N",
        type=int,
        help="extra tries for a read-only call that failed on the way (default: 2); changes are never resent",
    )
    r.add_argument(
        "--retry-backoff", metavar="SECONDS", type=float, help="first retry waits up to this long, doubling (0.5)"
    )
    r.add_argument(
        "--output",
        metavar="MODE",
        help="what tool results hold: text (compact rendering, default; the structured content of a short "
        "list is the same projection, a long list has none), json (the answer as JSON text and the whole "
        "answer as structured content) or both (rendering then JSON; the whole answer as structured content)",
    )
    m = p.add_argument_group("the built-in simulator (used when no CloudStack is configured)")
    m.add_argument(
        "--simulator-state",
        metavar="DIR",
        help="keep the simulator's cloud in a file in DIR (default: the state directory, "
        "$XDG_STATE_HOME/cloudstack-mcp); 'off' keeps it in memory",
    )
    m.add_argument(
        "--simulator-reset", action="store_true", help="start the simulator's cloud afresh (deletes its state file)"
    )
    m.add_argument(
        "--simulator-faults", metavar="FILE", help="fault rules for the simulator from the start (docs/simulator.md)"
    )
    m.add_argument(
        "--simulator-clock-offset",
        metavar="SECONDS",
        type=float,
        help="run the simulator's clock this far ahead (negative: behind): simulated clock skew",
    )
    p.add_argument("--log-level", metavar="LEVEL", help="stderr log level: debug, info, warning (default), error")
    return p


def build_parser(*, simulator_options: bool = True) -> argparse.ArgumentParser:
    """The argument parser; `simulator_options=False` skips importing the simulator (faster start-up)."""
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="cloudstack-mcp",
        description="MCP server for Apache CloudStack: every API of the server's listApis as a tool. "
        "With no command, runs `serve`.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"cloudstack-mcp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        parents=[common],
        help="run the MCP server (default)",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the MCP server over stdio (or streamable HTTP).",
    )
    serve.add_argument("--transport", choices=["stdio", "http"], default=argparse.SUPPRESS, help="default: stdio")
    serve.add_argument(
        "--host",
        dest="http_host",
        metavar="HOST",
        default=argparse.SUPPRESS,
        help="HTTP transport: address to listen on (default: 127.0.0.1)",
    )
    serve.add_argument(
        "--port",
        dest="http_port",
        metavar="PORT",
        type=int,
        default=argparse.SUPPRESS,
        help="HTTP transport: port (default: 8000)",
    )
    add_http_arguments(serve)

    simulator = sub.add_parser(
        "simulator",
        help="run the built-in CloudStack simulator",
        description="Run the built-in CloudStack simulator (an HTTP CloudStack API with made-up data).",
    )
    if simulator_options:
        _add_simulator_arguments(simulator)

    tools = sub.add_parser(
        "tools",
        parents=[common],
        help="show the tools the server would list",
        description="Show the tools the server would list with these options: tool, API, "
        "category (toolset), async, danger.",
    )
    tools.add_argument("--json", action="store_true", help="one JSON object per tool, with its input schema")
    tools.add_argument(
        "--profiles",
        action="store_true",
        help="instead: every profile (default, each toolset, all) with its tool count and tools/list size",
    )

    call = sub.add_parser(
        "call",
        parents=[common],
        help="call one tool or API through the same pipeline",
        description="Call one tool (or any API by name) through the server's pipeline: same "
        "validation, safety, job handling and output. A value that parses as JSON is read as JSON, control "
        """arguments included (dry_run=true, pagesize=10, ids='["a","b"]', tags='{"env":"prod"}'), except that a """
        "text parameter keeps the text as typed (name=007); any other value is text, converted to the "
        "parameter's type (ids=a,b). --raw passes every value as text.",
        epilog="example: cloudstack-mcp call list_virtual_machines state=Running fetch_all=true",
    )
    call.add_argument("tool", metavar="TOOL", help="tool name (list_zones) or API name (listZones)")
    call.add_argument("arguments", metavar="NAME=VALUE", nargs="*", help="arguments")
    call.add_argument("--json", action="store_true", help="print the structured answer as JSON")
    call.add_argument("--raw", action="store_true", help="pass every NAME=VALUE as text (no JSON reading)")

    token = sub.add_parser(
        "token",
        help="make a bearer token for serve --auth-tokens",
        description="Print a new bearer token (shown once) and the entry to add to the --auth-tokens file, "
        "which keeps only its SHA-256.",
    )
    token.add_argument("name", metavar="NAME", help="principal name (also the credentials store key)")
    token.add_argument("--rights", metavar="LIST", default="read", help="read, or read,change (default: read)")
    doctor = sub.add_parser(
        "doctor",
        parents=[common],
        help="check the set-up: configuration, network, keys, clock, catalog, profile, audit, confirmation",
        description="Check the set-up end to end with these options and say how to fix what is wrong: where the "
        "configuration comes from (values masked), the endpoint (DNS, TCP, TLS with the CA in use), a signed call "
        "(user, account, role), clock skew (the server's Date header), the API catalog (count, cache age), the "
        "profile (tools, tokens), the audit log (writable) and the confirmation route. Exit code 1 when a check "
        "fails.",
    )
    doctor.add_argument("--json", action="store_true", help="the checks as one JSON document")

    config = sub.add_parser(
        "config",
        parents=[common],
        help="print the snippet that connects an MCP client to this server",
        description="Print the configuration snippet for an MCP client, with the absolute path of this command "
        "and the settings now in effect (secrets referenced, never printed); where it goes is said on stderr.",
    )
    config.add_argument(
        "--client",
        metavar="NAME",
        required=True,
        choices=["claude-desktop", "claude-code", "vscode", "cursor"],
        help="claude-desktop, claude-code, vscode or cursor",
    )

    docs = sub.add_parser(
        "docs",
        parents=[common],
        help="generate the API reference: one Markdown page per toolset",
        description="Write an API reference for the catalog (--api-spec FILE, or the server's listApis) into "
        "--out DIR: index.md and one page per toolset with every API's tool name, description, parameters "
        "(type, required), async, danger and confirmation.",
    )
    docs.add_argument("--out", metavar="DIR", required=True, help="folder to write the pages into")

    sub.add_parser(
        "sync",
        parents=[common],
        help="fetch the server's listApis again and update the cache",
        description="Fetch the server's listApis and update the on-disk catalog cache.",
    )
    return parser


def _add_simulator_arguments(parser: argparse.ArgumentParser) -> None:
    try:
        from cloudstack_mcp.simulator.command import add_arguments
    except ImportError:  # pragma: no cover - the simulator package is part of the distribution
        parser.set_defaults(simulator_missing=True)
        return
    add_arguments(parser)


def settings_from_args(args: argparse.Namespace, env: dict[str, str] | None = None) -> Settings:
    flags: dict[str, Any] = {name: getattr(args, name, None) for name in (*_FLAG_SETTINGS, *HTTP_FLAGS)}
    return load_settings(flags, env)


def _parse_assignments(items: Sequence[str], *, raw: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CloudStackMcpError(
                f'argument {item!r} is not NAME=VALUE (e.g. zoneid=1234 or tags=\'{{"env":"prod"}}\')'
            )
        out[name] = value if raw else _json_or_text(value)
    return out


def _json_or_text(value: str) -> Any:
    # Whatever parses as JSON is JSON (true, 3, ["a"], {"k": "v"}, "quoted"): the control arguments
    # (dry_run, wait, fetch_all, ...) have no API parameter type to convert text by, so "true" must
    # arrive as true. Anything else stays text and is converted by the parameter's type later.
    try:
        return json.loads(value)
    except ValueError:
        return value


# CloudStack parameter types whose value is text as typed: `name=007` or `displaytext=true` must not
# become a number or a boolean on the way.
_TEXT_TYPES = frozenset({"string", "uuid", "date", "tzdate"})


def _keep_text(api: Any, raw: dict[str, str], parsed: dict[str, Any]) -> dict[str, Any]:
    """`parsed`, with the typed text back for the API's text parameters given a JSON scalar."""
    if api is None:
        return parsed
    types_by_name = {p.name.lower(): p.type for p in api.params}
    out = dict(parsed)
    for name, value in parsed.items():
        if types_by_name.get(name.lower()) in _TEXT_TYPES and not isinstance(value, (str, list, dict)):
            out[name] = raw[name]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The simulator's options import the simulator: only when that command may be asked for.
    parser = build_parser(simulator_options="simulator" in argv)
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "command", None) == "call" and not any(e.startswith("-") for e in extra):
        args.arguments = [*args.arguments, *extra]  # NAME=VALUE pairs given after an option
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    level = str(getattr(args, "log_level", None) or "warning").upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.WARNING),
        stream=sys.stderr,
        format="cloudstack-mcp %(levelname)s %(name)s: %(message)s",
    )
    command = args.command or "serve"
    try:
        if command == "simulator":
            if getattr(args, "simulator_missing", False):  # pragma: no cover
                print("cloudstack-mcp: error: the simulator is not installed", file=sys.stderr)
                return 2
            from cloudstack_mcp.simulator.command import run

            return int(run(args) or 0)
        if command == "token":
            return _token(args.name, args.rights)
        if command == "doctor":
            return anyio.run(_doctor, args)
        settings = settings_from_args(args)
        if command == "serve":
            from cloudstack_mcp.server.serve import serve

            anyio.run(serve, settings)
            return 0
        if command == "tools":
            return anyio.run(
                _tools, settings, bool(getattr(args, "json", False)), bool(getattr(args, "profiles", False))
            )
        if command == "call":
            raw = bool(getattr(args, "raw", False))
            arguments = _parse_assignments(args.arguments, raw=raw)
            texts = arguments if raw else _parse_assignments(args.arguments, raw=True)
            return anyio.run(_call, settings, args.tool, arguments, bool(getattr(args, "json", False)), texts)
        if command == "sync":
            return anyio.run(_sync, settings)
        if command == "docs":
            return anyio.run(_docs, settings, args.out)
        if command == "config":
            from cloudstack_mcp.clientconfig import client_snippet

            flags = {name: getattr(args, name, None) for name in _FLAG_SETTINGS}
            snippet, where = client_snippet(args.client, settings, flags)
            print(snippet)
            print(where, file=sys.stderr)
            return 0
    except CloudStackMcpError as exc:  # CatalogError included
        print(f"cloudstack-mcp: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    parser.error(f"unknown command {command!r}")  # pragma: no cover
    return 2  # pragma: no cover


async def _tools(settings: Settings, as_json: bool, profiles: bool = False) -> int:
    from cloudstack_mcp.server.app import extra_tools, open_app
    from cloudstack_mcp.tools.budget import listing_bytes

    async with open_app(settings) as app:
        if profiles:
            return _print_profiles(app, extra_tools(app), as_json)
        tools = list(app.inventory.tools.values())
        if as_json:
            for t in tools:
                print(
                    json.dumps(
                        {
                            "tool": t.name,
                            "api": t.api.name if t.api else None,
                            "category": t.toolset,
                            "async": bool(t.api and t.api.isasync),
                            "danger": _danger(t),
                            "annotations": t.annotations,
                            "inputSchema": t.input_schema,
                        },
                        sort_keys=True,
                    )
                )
            return 0
        rows = [
            (t.name, t.api.name if t.api else "-", t.toolset, "yes" if t.api and t.api.isasync else "no", _danger(t))
            for t in tools
        ]
        header = ("TOOL", "API", "CATEGORY", "ASYNC", "DANGER")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
        for row in [header, *rows]:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        size = listing_bytes(app.inventory.listing().tools)
        print(
            f"\n{len(tools)} tools listed from {len(app.catalog)} APIs ({app.catalog.source or 'listApis'}); "
            f"tools/list is {size:,} bytes (~{size // 4:,} tokens)",
            file=sys.stderr,
        )
    return 0


def _print_profiles(app: Any, extras: list[Any], as_json: bool) -> int:
    """`tools --profiles`: what each --toolsets choice lists and what it costs (profiles.profile_sizes)."""
    from cloudstack_mcp.tools.profiles import profile_sizes

    rows = profile_sizes(app.catalog, app.settings, extras, guard=app.guard)
    if as_json:
        for r in rows:
            print(
                json.dumps(
                    {
                        "profile": r.profile,
                        "title": r.title,
                        "apis": r.apis,
                        "tools": r.tools,
                        "bytes": r.bytes,
                        "tokens": r.tokens,
                    }
                )
            )
        return 0
    print(f"{'PROFILE':<18} {'TITLE':<24} {'APIS':>5} {'TOOLS':>5} {'BYTES':>9} {'~TOKENS':>8}")
    for r in rows:
        print(f"{r.profile:<18} {r.title:<24} {r.apis:>5} {r.tools:>5} {r.bytes:>9,} {r.tokens:>8,}")
    print(
        f"\n--toolsets takes any of these, comma-separated (e.g. --toolsets default,host); every profile also "
        f"lists the discovery tools. {len(app.catalog)} APIs ({app.catalog.source or 'listApis'}).",
        file=sys.stderr,
    )
    return 0


def _danger(tool: Any) -> str:
    policy = tool.policy
    if policy is None:
        return "-"
    if policy.read_only:
        return "read"
    return f"{policy.kind}/{policy.severity.name.lower()}"


async def _call(
    settings: Settings, name: str, arguments: dict[str, Any], as_json: bool, texts: dict[str, str] | None = None
) -> int:
    from cloudstack_mcp.server.app import open_app

    if as_json:  # --json prints the structured content: the whole answer, not the text's projection
        settings = dataclasses.replace(settings, output="json")
    async with open_app(settings) as app:
        tool = app.inventory.get(name)
        if texts is not None:
            arguments = _keep_text(tool.api if tool is not None else app.pipeline.resolve(name), texts, arguments)
        if tool is not None:
            result = await app.pipeline.call_tool(tool, arguments)
        else:
            result = await app.pipeline.call_api(name, arguments, via="cli")
    is_error = bool(getattr(result, "is_error", False))
    if as_json and getattr(result, "structured_content", None) is not None and not is_error:
        print(json.dumps(result.structured_content, indent=2, sort_keys=True))
    else:
        for block in getattr(result, "content", None) or []:
            text = getattr(block, "text", None)
            if text is not None:
                print(text, file=sys.stderr if is_error else sys.stdout)
    return 1 if is_error else 0


def _token(name: str, rights: str) -> int:
    from cloudstack_mcp.server.auth import hash_token, new_token

    wanted = [r.strip() for r in rights.split(",") if r.strip()]
    if not wanted or not set(wanted) <= {"read", "change"}:
        raise CloudStackMcpError(f"--rights {rights!r}: use read, or read,change")
    token = new_token()
    print(f"token (give it to {name}; it is not stored): {token}")
    print(json.dumps({"name": name, "sha256": hash_token(token), "rights": wanted}))
    return 0


async def _doctor(args: argparse.Namespace) -> int:
    from cloudstack_mcp.doctor import Check, exit_code, render_json, render_text, run_doctor

    try:
        settings = settings_from_args(args)
    except CloudStackMcpError as exc:  # a configuration that does not load is the first thing to report
        checks = [Check("configuration", "fail", str(exc), "the message names the setting and what it needs")]
    else:
        checks = await run_doctor(settings, {name: getattr(args, name, None) for name in _FLAG_SETTINGS})
    print(render_json(checks) if getattr(args, "json", False) else render_text(checks))
    return exit_code(checks)


async def _docs(settings: Settings, out: str) -> int:
    from pathlib import Path

    from cloudstack_mcp.catalog.model import Catalog
    from cloudstack_mcp.reference import write_reference

    if settings.api_spec is not None:
        catalog = Catalog.load(settings.api_spec)
    else:
        from cloudstack_mcp.server.app import open_app

        async with open_app(settings) as app:
            catalog = app.catalog
    counts = write_reference(catalog, Path(out), confirm_level=settings.confirm_level)
    print(f"{sum(counts.values())} of {len(catalog)} APIs documented on {len(counts)} pages in {out}")
    return 0


async def _sync(settings: Settings) -> int:
    if settings.api_spec is not None:
        print(f"nothing to sync: the catalog comes from --api-spec {settings.api_spec}")
        return 0
    if settings.use_simulator:
        print("nothing to sync: no CloudStack is configured (the built-in simulator needs no cache)")
        return 0
    from cloudstack_mcp.catalog.loader import cache_file, fetch_catalog, write_cache
    from cloudstack_mcp.cloudstack.client import CloudStackClient

    async with CloudStackClient(settings) as client:
        catalog = await fetch_catalog(client)
    path = cache_file(settings)
    write_cache(path, catalog, settings)
    print(f"{len(catalog)} APIs from {settings.endpoint} cached in {path}")
    return 0
