"""Hypothesis fuzzing of tool arguments through the MCP server (SDK client over our real server object)
against the simulator, for 300 tools of the 4.20 catalog and the discovery tools.

For every input: no JSON-RPC error (-32603 or any other), no "internal error" result, and a result with
text. For inputs we broke on purpose (a wrong type, an unknown or doubled name, a missing required
parameter): an isError result that names every broken field, and nothing sent to CloudStack. Any
"invalid arguments" result names a field on every line.

Profile: derandomized, 4 examples per tool (about 20 s); FUZZ_EXAMPLES=N and FUZZ_STRIDE=1 (every tool)
make a deeper run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.shared.exceptions import MCPError

from cloudstack_mcp.catalog.naming import tool_names
from cloudstack_mcp.config import Settings
from cloudstack_mcp.server.app import create_server, open_app
from cloudstack_mcp.simulator import Simulator
from tests.apidata import SPEC_420, catalog_of

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
CATALOG = catalog_of(SPEC_420)
_API_TOOLS = sorted(tool_names(CATALOG))
FUZZ_TOOLS = _API_TOOLS[:: int(os.environ.get("FUZZ_STRIDE", "3"))]  # 288 of the 864 API tools by default
DISCOVERY_TOOLS = ["search_apis", "describe_api", "call_api"]
assert len(FUZZ_TOOLS) >= 200


@dataclass
class Server:
    portal: anyio.from_thread.BlockingPortal
    client: Client
    sim: Simulator
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)

    def call(self, tool: str, arguments: dict[str, Any]) -> Any:
        return self.portal.call(self.client.call_tool, tool, arguments)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    with Simulator(CATALOG, job_seconds=0).running() as sim, anyio.from_thread.start_blocking_portal() as portal:
        admin = sim.credentials["admin"]
        settings_ = Settings(
            endpoint=sim.endpoint,
            api_key=admin.api_key,
            secret_key=admin.secret_key,
            cache_dir=tmp / "cache",
            audit_log=tmp / "audit.jsonl",
            toolsets=("all",),
            job_timeout=2.0,
            poll_interval=0.01,
            poll_max=0.05,
            retry_backoff=0.01,
            timeout=5.0,
        )
        with (
            portal.wrap_async_context_manager(open_app(settings_, catalog=CATALOG)) as app,
            portal.wrap_async_context_manager(Client(create_server(app))) as client,
        ):
            listed = portal.call(client.list_tools)
            yield Server(portal, client, sim, {t.name: t.input_schema for t in listed.tools})


# -- values ---------------------------------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)
SCALAR = st.one_of(TEXT, st.integers(-(2**40), 2**40), st.booleans(), st.floats(allow_nan=False, width=32))


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type", "string")
    return list(kind) if isinstance(kind, list) else [kind]


def valid(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values the listed schema allows (the server may still refuse some: range, length, date form)."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    options = []
    for kind in _types(schema):
        if kind == "integer":
            low, high = schema.get("minimum", -(2**31)), schema.get("maximum", 2**31 - 1)
            options.append(st.integers(low, high))
        elif kind == "number":
            options.append(st.floats(-1e6, 1e6, allow_nan=False))
        elif kind == "boolean":
            options.append(st.booleans())
        elif kind == "array":
            item = schema.get("items", {"type": "string"})
            if _types(item) == ["object"]:
                options.append(
                    st.lists(
                        st.dictionaries(st.from_regex(r"[a-z]{1,8}", fullmatch=True), SCALAR, min_size=1, max_size=2),
                        max_size=2,
                    )
                )
            else:
                options.append(st.lists(st.from_regex(r"[A-Za-z0-9 _-]{0,12}", fullmatch=True), max_size=3))
        elif kind == "object":
            options.append(st.dictionaries(st.from_regex(r"[a-z]{1,8}", fullmatch=True), SCALAR, max_size=3))
        else:
            options.append(TEXT)
    return st.one_of(options)


def broken(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values of a type the schema does not allow (and that no lenient reading turns into one)."""
    kinds = set(_types(schema))
    choices: list[Any] = []
    if kinds & {"integer", "number"}:
        choices += ["not a number", [1], {"n": 1}, True]
        if "integer" in kinds:
            choices += [1.5]
    elif kinds == {"boolean"}:
        choices += ["perhaps", 2, [True], {"b": True}]
    elif kinds == {"array"} and _types(schema.get("items", {})) == ["object"]:  # a map listed as records
        choices += ["not a list", 5, [1, 2], [{"k": {"deeper": 1}}]]
    elif kinds == {"array"}:
        choices += [{"not": "a list"}, True, [{"nested": "object"}]]
    elif "object" in kinds:
        choices += ["not a map", 5, [1, 2], {"k": {"deeper": 1}}, {"bad.field": 1}]
    elif "enum" in schema:
        choices += ["no such choice", 7]
    else:  # strings, uuids, dates
        choices += [{"not": "a string"}, ["a", "list"], True]
    return st.sampled_from(choices)


@dataclass
class Case:
    arguments: dict[str, Any]
    must_name: set[str]  # fields the error must name (we broke them)
    missing: set[str] = field(default_factory=set)  # required fields left out (also in must_name)


@st.composite
def cases(draw: st.DrawFn, schema: dict[str, Any]) -> Case:
    props: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    names = sorted(props)
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=6)) if names else []
    chosen = sorted(set(chosen) | {n for n in required if draw(st.integers(0, 9)) > 0})
    arguments: dict[str, Any] = {}
    must_name: set[str] = set()
    for name in chosen:
        if draw(st.integers(0, 5)) == 0:
            arguments[name] = draw(broken(props[name]))
            must_name.add(name)
        else:
            arguments[name] = draw(valid(props[name]))
    missing = required - set(arguments)
    must_name |= missing
    lowered = {n.lower() for n in names}
    if draw(st.integers(0, 4)) == 0:
        extra = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,15}", fullmatch=True))
        if extra.lower() not in lowered:
            arguments[extra] = draw(SCALAR)
            must_name.add(extra)
    if chosen and draw(st.integers(0, 6)) == 0:  # the same parameter twice, in another case
        twin = chosen[0].upper() if chosen[0].upper() != chosen[0] else chosen[0].title()
        if twin != chosen[0] and twin.lower() in lowered:
            arguments[twin] = arguments[chosen[0]]
            must_name.add(twin)
    return Case(arguments, must_name, missing)


# -- the oracle -----------------------------------------------------------------------------------------


def check(server: Server, tool: str, case: Case, *, every: bool = True) -> None:
    """`every`: the error names each broken field (API tools); else it names at least one field, or quotes the
    bad value (the discovery tools stop at their first bad argument, e.g. "unknown API '0'")."""
    before = len(server.sim.requests)
    try:
        result = server.call(tool, case.arguments)
    except MCPError as exc:  # a JSON-RPC error: -32603 internal error or any other
        pytest.fail(f"{tool}({case.arguments!r}) gave JSON-RPC error {exc.error.code}: {exc.error.message}")
    message = "\n".join(getattr(block, "text", "") for block in result.content)
    assert message.strip(), f"{tool}: empty result"
    assert "internal error in cloudstack-mcp" not in message, message
    if case.must_name:
        assert result.is_error, f"{tool}({case.arguments!r}) accepted broken fields {case.must_name}: {message}"
        if every:  # the pipeline's form: - 'name' ...
            named = {name for name in case.must_name if f"'{name}" in message}
        else:  # the discovery tools' form: tool: name: ... (or the name as a word)
            fields = case.must_name | set(server.schemas[tool].get("properties", {}))
            named = {name for name in fields if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", message)}
        if every:
            assert named == case.must_name, f"{tool}: {case.must_name - named} not named in: {message}"
        else:
            quoted = {v for v in case.arguments.values() if isinstance(v, str) and v and repr(v) in message}
            assert named or quoted, f"{tool}: names no field (nor the bad value) in: {message}"
        assert len(server.sim.requests) == before, f"{tool}: broken input was sent to CloudStack"
    if message.startswith("invalid arguments for"):
        assert result.is_error and "nothing was sent" in message
        for line in message.splitlines()[1:]:
            assert re.search(r"'[^']+'", line), f"{tool}: a problem that names no field: {line!r}"


# The fast lane fuzzes every 8th of them (36 tools); the full lane (-m slow) the rest as well.
FAST_SHARE = 8


@pytest.mark.parametrize(
    "tool", [t if i % FAST_SHARE == 0 else pytest.param(t, marks=pytest.mark.slow) for i, t in enumerate(FUZZ_TOOLS)]
)
def test_fuzz_api_tool_arguments(server: Server, tool: str) -> None:
    schema = server.schemas[tool]

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases(schema))
    def run(case: Case) -> None:
        check(server, tool, case)

    run()


@pytest.mark.parametrize("tool", DISCOVERY_TOOLS)
def test_fuzz_discovery_tool_arguments(server: Server, tool: str) -> None:
    schema = server.schemas[tool]

    @settings(
        max_examples=EXAMPLES * 10,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases(schema))
    def run(case: Case) -> None:
        # search_apis takes a category alone although its schema requires query, so a missing field alone
        # need not be refused; a refusal must name one of the wrong fields (broken or missing).
        check(server, tool, case if case.must_name - case.missing else Case(case.arguments, set()), every=False)

    run()


def test_fuzzing_left_the_simulator_healthy(server: Server) -> None:
    result = server.call("list_zones", {})
    assert not result.is_error and result.structured_content["zone"]
