"""The scrubber (issue 11): one per server, made before the first request; it learns only configured credentials
and string values under secret names or secret settings, never prose or flags; linear time, bounded memory;
no secret in start-up logs (keys or login, info and debug), audit records of secret settings, validation errors
or the catalog cache."""

from __future__ import annotations

import gc
import json
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.safety.secrets import MASK, SecretScrubber, mask_params, mask_value
from cloudstack_mcp.server.app import open_app
from cloudstack_mcp.simulator import Simulator
from cloudstack_mcp.tools.schema import encode
from tests.apidata import SPEC_420
from tests.core_helpers import isolated_env, safety_settings, text, uuid_for

pytestmark = pytest.mark.anyio
SIM_SPEC = SPEC_420
SETTING_SECRET = "sso-key-leak-0042"
LOGIN_PASSWORD = "login-pw-leak-0099"


async def test_after_a_flag_and_prose_true_and_enabled_still_render(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    async with open_app(safety_settings(sim, tmp_path), catalog=catalog) as app:
        host = uuid_for(sim, catalog["updateHostPassword"], "hostid")
        dry = await app.pipeline.call_api(
            "updateHostPassword",
            {"hostid": host, "username": "root", "password": "host-pw-leak-77", "update_passwd_on_host": True,
             "dry_run": True},
        )  # fmt: skip
        assert "host-pw-leak-77" not in text(dry)
        scrubber = app.guard.scrubber
        scrubber.scrub_value({"note": "password: enabled by cloud-init", "passwordenabled": True})
        shown = scrubber.scrub_value({"isready": "true", "ispublic": True, "state": "enabled", "x": "Enabled"})
        assert shown == {"isready": "true", "ispublic": True, "state": "enabled", "x": "Enabled"}
        assert scrubber.scrub("isready | ispublic: true | true, enabled") == "isready | ispublic: true | true, enabled"
        zones = await app.pipeline.call_api("listZones", {})
        assert "Enabled" in text(zones) and MASK not in text(zones)
        assert "host-pw-leak-77" not in scrubber.scrub("echo host-pw-leak-77")  # the real secret is still known


async def test_secret_settings_stay_out_of_the_audit_log_and_answers(
    sim: Simulator, catalog: Catalog, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    async with open_app(safety_settings(sim, tmp_path, confirm_mode="allow", audit_log=audit), catalog=catalog) as app:
        result = await app.pipeline.call_api(
            "updateConfiguration", {"name": "security.singlesignon.key", "value": SETTING_SECRET}
        )
        listed = await app.pipeline.call_api("listConfigurations", {"name": "security.singlesignon.key"})
    for shown in (text(result), json.dumps(result.structured_content), text(listed), audit.read_text()):
        assert SETTING_SECRET not in shown
    assert mask_params({"name": "ldap.bind.password", "value": "x"})["value"] == MASK
    assert mask_value({"name": "router.ram.size", "value": "256", "category": "Advanced"})["value"] == "256"
    assert mask_value({"name": "anything", "value": "v", "category": "Secure"})["value"] == MASK


async def test_validation_errors_never_echo_a_secret(sim: Simulator, catalog: Catalog, tmp_path: Path) -> None:
    async with open_app(safety_settings(sim, tmp_path), catalog=catalog) as app:
        bad_map = await app.pipeline.call_api(
            "addImageStore",
            {"provider": "S3", "details": [{"key": "secretkey", "value": {"deep": "map-leak-secret-1"}}]},
        )
        bad_field = await app.pipeline.call_api("createUser", {"username": "u", "password": ["pw-leak-secret-2"]})
    assert bad_map.is_error and bad_field.is_error
    assert "map-leak-secret-1" not in text(bad_map) and "pw-leak-secret-2" not in text(bad_field)


def _scrubber_work(scrubber: SecretScrubber, api: Any, args: dict[str, Any], params: dict[str, str]) -> None:
    """What the guard does with one call's arguments and answer: learn, mask, scrub, serialise for the audit."""
    scrubber.learn(args, api)
    shown = mask_params(params, api)
    json.dumps(scrubber.scrub_value({"params": shown, "arguments": mask_params(args, api)}, api))
    scrubber.scrub(json.dumps(shown))


def _cpu(work: Any) -> float:
    times = []
    for _ in range(2):
        start = time.process_time()  # CPU time: the machine's other load does not count
        work()
        times.append(time.process_time() - start)
    return min(times)


def _cases(catalog: Catalog) -> list[tuple[Any, dict[str, Any]]]:
    big_map = {"resourcetype": "UserVm", "resourceid": "x", "details": {f"k{i}": f"v{i}" for i in range(20_000)}}
    secret = "S" + "x9Q-" * 262_144  # 1 MB
    return [(catalog["addResourceDetail"], big_map), (catalog["updateUser"], {"id": "u-1", "password": secret})]


def test_a_20000_key_map_and_a_1_mb_secret_take_under_a_second(catalog: Catalog) -> None:
    scrubber = SecretScrubber(["own-secret-key-12345"])
    for api, args in _cases(catalog):
        params = encode(api, args)
        assert _cpu(lambda: _scrubber_work(scrubber, api, args, params)) < 1.0, api.name  # noqa: B023
    secret = _cases(catalog)[1][1]["password"]
    assert secret not in scrubber.scrub(f"echo {secret} done") and "done" in scrubber.scrub(f"{secret} done")
    later = _cpu(lambda: scrubber.scrub_value({"rows": [{"name": f"vm-{i}"} for i in range(500)]}))
    assert later < 0.2  # remembering a 1 MB secret does not tax every later answer


def test_memory_comes_back_within_10_mb(catalog: Catalog) -> None:
    scrubber = SecretScrubber(["own-secret-key-12345"])
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for api, args in _cases(catalog):
            _scrubber_work(scrubber, api, args, encode(api, args))
        gc.collect()
        assert tracemalloc.get_traced_memory()[0] - base < 10_000_000
    finally:
        tracemalloc.stop()


def _serve_briefly(tmp_path: Path, sim: Simulator, login: bool) -> tuple[str, Path]:
    """Start the server over stdio at --log-level debug, call list_zones, stop; its stderr and cache dir."""
    admin = sim.credentials["admin"]
    connection = (
        {"CLOUDSTACK_USERNAME": admin.username, "CLOUDSTACK_PASSWORD": LOGIN_PASSWORD, "CLOUDSTACK_DOMAIN": "/"}
        if login
        else {"CLOUDSTACK_KEY": admin.api_key, "CLOUDSTACK_SECRET": admin.secret_key}
    )
    env = isolated_env(tmp_path, CLOUDSTACK_ENDPOINT=sim.endpoint, **connection)
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "list_zones", "arguments": {}}},
    ]  # fmt: skip
    errors = tmp_path / "stderr.txt"
    with errors.open("wb") as err:  # a file, not a pipe: debug logs are long and must never block the server
        proc = subprocess.Popen(
            [sys.executable, "-m", "cloudstack_mcp", "--log-level", "debug"], env=env, cwd=tmp_path,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
        )  # fmt: skip
        assert proc.stdin is not None and proc.stdout is not None
        try:
            for message in messages:
                proc.stdin.write((json.dumps(message) + "\n").encode())
                proc.stdin.flush()
            for _ in range(2):
                assert proc.stdout.readline()  # the two answers
            proc.stdin.close()
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    return errors.read_text(errors="replace"), tmp_path / "cache"


@pytest.mark.parametrize("login", [False, True], ids=["keys", "login"])
def test_start_up_logs_and_the_catalog_cache_hold_no_secret(sim: Simulator, tmp_path: Path, login: bool) -> None:
    admin = sim.credentials["admin"]
    user = next(u for u in sim.cloud.store.all("UserResponse") if u["username"] == admin.username)
    saved, user["_password"] = user["_password"], LOGIN_PASSWORD  # a password that is not also a common word
    try:
        logs, cache = _serve_briefly(tmp_path, sim, login)
    finally:
        user["_password"] = saved
    assert "HTTP Request" in logs or "listApis" in logs, logs[-2000:]  # debug logging did run
    secrets = [LOGIN_PASSWORD] if login else [admin.secret_key, admin.api_key]
    for secret in secrets:
        assert secret not in logs
    for name in ("sessionkey", "signature", "apiKey", "JSESSIONID"):
        for m in re.finditer(rf"{name}[=:]\s*['\"]?([^\s&'\";,)]+)", logs, re.I):
            assert m.group(1).startswith(("*", "%2A")), f"{name} leaked: {m.group(0)}"
    cached = "".join(p.read_text(errors="replace") for p in cache.rglob("*") if p.is_file())
    assert cached, "no catalog cache was written"
    for secret in [admin.api_key, admin.secret_key, LOGIN_PASSWORD]:
        assert secret not in cached
