"""The retry rules themselves: what may be sent again, how long to wait, the settings that tune them, and
the check call suggested for every API that changes something (4.20 and 4.18 catalogs)."""

from __future__ import annotations

import random
from pathlib import Path

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.catalog.naming import tool_name
from cloudstack_mcp.cloudstack.retry import RetryPolicy, never_ran, outcome_unknown, retryable
from cloudstack_mcp.config import load_settings
from cloudstack_mcp.errors import ApiError, ConfigError, TransportError
from cloudstack_mcp.policy.classify import classify
from cloudstack_mcp.render.failures import check_call
from tests.apidata import SPEC_418, SPEC_420

E = "http://cs.example/client/api"


def transport(kind: str, status: int | None = None) -> TransportError:
    return TransportError("x", endpoint=E, kind=kind, status=status)


@pytest.mark.parametrize(
    ("exc", "read", "change", "unknown"),
    [
        (transport("connect"), True, True, False),  # nothing left this machine: safe for changes too
        (transport("timeout"), True, False, True),
        (transport("dropped"), True, False, True),
        (transport("truncated", 200), True, False, True),
        (transport("answer", 502), True, False, True),
        (transport("answer", 503), True, False, True),
        (transport("answer", 429), True, False, False),  # refused before it ran
        (transport("answer", 404), False, False, False),  # wrong URL: retrying cannot help
        (transport("answer", 200), False, False, True),  # something answered 200 with non-JSON
        (ApiError(530, "db"), True, False, False),
        (ApiError(429, "slow down"), True, False, False),
        (ApiError(503, "starting"), True, False, False),
        (ApiError(431, "bad id"), False, False, False),
        (ApiError(401, "bad signature"), False, False, False),
        (ApiError(533, "no capacity"), False, False, False),
        (ValueError("a bug"), False, False, False),
    ],
)
def test_what_may_be_sent_again(exc: BaseException, read: bool, change: bool, unknown: bool) -> None:
    assert retryable(exc, read_only=True) is read
    assert retryable(exc, read_only=False) is change
    assert outcome_unknown(exc) is unknown
    if isinstance(exc, (ApiError, TransportError)):
        assert never_ran(exc) is (not unknown)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    retry=st.integers(0, 20),
    backoff=st.floats(0, 5),
    retry_after=st.none() | st.floats(-5, 1000),
    seed=st.integers(0, 2**32 - 1),
)
def test_backoff_is_jittered_bounded_and_honours_retry_after(
    retry: int, backoff: float, retry_after: float | None, seed: int
) -> None:
    policy = RetryPolicy(backoff=backoff)
    wait = policy.delay(retry, retry_after, random.Random(seed))
    ceiling = min(policy.max_delay, backoff * 2**retry)
    if retry_after is not None and retry_after > 0:
        floor = min(retry_after, policy.max_retry_after)
        assert floor <= wait <= max(ceiling, floor)
    else:
        assert 0 <= wait <= ceiling


def test_jitter_spreads_the_waits() -> None:
    rng = random.Random(7)
    waits = [RetryPolicy(backoff=1.0).delay(3, rng=rng) for _ in range(200)]
    assert min(waits) < 2 and max(waits) > 6 and all(0 <= w <= 8 for w in waits)


@pytest.mark.anyio
async def test_run_stops_at_the_retry_budget_and_never_retries_a_verdict() -> None:
    policy = RetryPolicy(retries=3, backoff=0)
    calls: list[int] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise transport("dropped")
        return "ok"

    assert await policy.run(flaky, read_only=True, command="listZones") == "ok" and len(calls) == 3
    calls.clear()

    async def verdict() -> str:
        calls.append(1)
        raise ApiError(431, "bad id")

    with pytest.raises(ApiError):
        await policy.run(verdict, read_only=True, command="listZones")
    assert len(calls) == 1
    calls.clear()

    async def lost() -> str:
        calls.append(1)
        raise transport("timeout")

    with pytest.raises(TransportError):
        await policy.run(lost, read_only=False, command="deployVirtualMachine")
    assert len(calls) == 1


@pytest.mark.anyio
async def test_one_attempt_has_a_hard_deadline() -> None:
    async def trickle() -> str:
        await anyio.sleep(5)
        return "too late"

    policy = RetryPolicy(retries=0, attempt_deadline=0.2)
    with pytest.raises(TransportError) as err:
        await policy.run(trickle, read_only=True, command="listZones", endpoint=E)
    assert err.value.kind == "timeout" and "0.2 s" in str(err.value) and E in str(err.value)


def test_settings_from_flags_and_environment(tmp_path: Path) -> None:
    env = {
        "HOME": str(tmp_path),
        "CLOUDSTACK_MCP_RETRIES": "4",
        "CLOUDSTACK_MCP_RETRY_BACKOFF": "0.25",
        "CLOUDSTACK_MCP_CONNECT_TIMEOUT": "3",
        "CLOUDSTACK_TIMEOUT": "12",
        "CLOUDSTACK_MCP_JOB_TIMEOUT": "90",
    }
    s = load_settings({}, env, cwd=tmp_path)
    assert (s.retries, s.retry_backoff, s.connect_timeout, s.timeout, s.job_timeout) == (4, 0.25, 3.0, 12.0, 90.0)
    policy = RetryPolicy.from_settings(s)
    assert policy.retries == 4 and policy.backoff == 0.25 and policy.attempt_deadline == 27.0
    flags = {"retries": 0, "connect_timeout": 1.5}
    s = load_settings(flags, env, cwd=tmp_path)
    assert s.retries == 0 and s.connect_timeout == 1.5
    defaults = load_settings({}, {"HOME": str(tmp_path)}, cwd=tmp_path)
    assert (defaults.retries, defaults.retry_backoff) == (2, 0.5)
    assert (defaults.connect_timeout, defaults.timeout) == (10.0, 30.0)
    for name, value in (("CLOUDSTACK_MCP_RETRIES", "-1"), ("CLOUDSTACK_MCP_RETRIES", "many")):
        with pytest.raises(ConfigError, match="retries"):
            load_settings({}, {"HOME": str(tmp_path), name: value}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="connect-timeout"):
        load_settings({}, {"HOME": str(tmp_path), "CLOUDSTACK_MCP_CONNECT_TIMEOUT": "0"}, cwd=tmp_path)


@pytest.mark.parametrize("spec", [SPEC_420, SPEC_418], ids=["4.20", "4.18"])
def test_every_change_gets_a_check_call_naming_real_filters(spec: Path) -> None:
    catalog = Catalog.load(spec)
    lists = {tool_name(a.name): a for a in catalog.values() if a.is_list}
    changes = [a for a in catalog.values() if not classify(a).read_only]
    found = 0
    for api in changes:
        args = {p.name: f"v-{p.name}" for p in api.params if p.type in ("uuid", "string")}
        call = check_call(api, args, catalog)
        if call is None:
            continue
        found += 1
        tool, _, rest = call.partition("(")
        assert tool in lists, (api.name, call)
        for part in filter(None, rest.rstrip(")").split(", ")):
            name, _, value = part.partition("=")
            assert lists[tool].param(name) is not None, (api.name, call)
            assert value.strip("'").startswith("v-"), (api.name, call)  # a value the call really had
    assert found / len(changes) > 0.85, found
    deploy = check_call(catalog["deployVirtualMachine"], {"name": "web-1", "zoneid": "z"}, catalog)
    assert deploy == "list_virtual_machines(name='web-1')"
    assert check_call(catalog["stopVirtualMachine"], {"id": "vm-1"}, catalog) == "list_virtual_machines(id='vm-1')"
