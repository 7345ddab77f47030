"""API key pairs with rules and validity dates (4.23: registerUserKeys with rules, listUserKeys,
deleteUserKeys) in the simulator, and the client's message when a key lacks permission."""

from __future__ import annotations

import httpx2 as httpx
import pytest

from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.config import Settings
from cloudstack_mcp.errors import ApiError
from cloudstack_mcp.simulator import Credentials, Simulator
from tests.simulator_helpers import Signed


def _inner(response: httpx.Response) -> dict:
    (inner,) = response.json().values()
    return inner


def _pair(sim: Simulator, admin: Signed, **params: str) -> tuple[dict, Signed]:
    user_id = admin.ok("listUsers", username="alice", listall="true")["user"][0]["id"]
    keys = admin.ok("registerUserKeys", id=user_id, **params)["userkeys"]
    alice = sim.credentials["user"]
    cred = Credentials(keys["apikey"], keys["secretkey"], alice.username, alice.password, alice.domain)
    return keys, Signed(sim, credentials=cred)


RULES = {
    "rules[0].rule": "list*",
    "rules[0].permission": "allow",
    "rules[1].rule": "deployVirtualMachine",
    "rules[1].permission": "deny",
}


def test_rules_decide_in_order_and_unmatched_is_denied(sim, admin):
    keys, client = _pair(sim, admin, name="read-only", **RULES)
    try:
        assert [r["rule"] for r in keys["permissions"]] == ["list*", "deployVirtualMachine"]
        assert client.get("listZones").status_code == 200
        for denied in ("deployVirtualMachine", "createSSHKeyPair"):
            r = client.get(denied, name="x")
            assert r.status_code == 401
            assert (
                _inner(r)["errortext"]
                == f"The given command '{denied}' either does not exist, is not available for user."
            )
    finally:
        client.close()


def test_user_keys_unchanged_beside_a_named_pair(sim, admin):
    before = sim.credentials["user"]
    _keys, client = _pair(sim, admin, name="beside")
    client.close()
    own = Signed(sim, "user")
    try:
        assert sim.credentials["user"].api_key == before.api_key
        assert own.get("createSSHKeyPair", name="own-keys-still-work").status_code == 200
    finally:
        own.close()


def test_list_and_delete_then_gone(sim, admin):
    keys, client = _pair(sim, admin, name="to-delete", **RULES)
    listed = admin.ok("listUserKeys", userid=keys["userid"])["userapikey"]
    assert keys["id"] in {p["id"] for p in listed} and all("secretkey" not in p for p in listed)
    assert admin.get("deleteUserKeys", id=keys["id"]).status_code == 200
    assert client.get("listZones").status_code == 401  # the pair signs nothing any more
    again = admin.get("deleteUserKeys", id=keys["id"])
    assert again.status_code == 431 and "deleted already" in _inner(again)["errortext"]
    client.close()


def test_pair_outside_its_dates_is_refused(sim, admin):
    _keys, client = _pair(sim, admin, name="expired", enddate="2020-01-01T00:00:00+0000")
    try:
        r = client.get("listZones")
        assert r.status_code == 401
        assert _inner(r)["errortext"] == "unable to verify user credentials and/or request signature"
    finally:
        client.close()


def test_bad_rule_refused(sim, admin):
    user_id = admin.ok("listUsers", username="alice", listall="true")["user"][0]["id"]
    r = admin.get(
        "registerUserKeys", id=user_id, name="bad", **{"rules[0].rule": "list*", "rules[0].permission": "maybe"}
    )
    assert r.status_code == 431


@pytest.mark.anyio
async def test_client_says_the_key_lacks_permission(sim, admin):
    keys, client = _pair(sim, admin, name="client", **RULES)
    client.close()
    settings = Settings(endpoint=sim.endpoint, api_key=keys["apikey"], secret_key=keys["secretkey"])
    async with CloudStackClient(settings) as cs:
        assert (await cs.call("listZones", idempotent=True))["count"] >= 1
        with pytest.raises(ApiError) as err:
            await cs.call("createSSHKeyPair", {"name": "nope"}, post=True)
    text = err.value.text
    assert "rules of the API key pair" in text and "do not allow createSSHKeyPair" in text
    assert "Check the API key and secret" not in text  # not mistaken for a bad signature


def test_doctor_shows_the_pairs_rules(sim, admin, tmp_path, monkeypatch, capsys):
    import json
    import os

    from cloudstack_mcp.cli import main

    keys, client = _pair(sim, admin, name="doctor-pair", enddate="2099-01-01T00:00:00+0000", **RULES)
    client.close()
    for name in list(os.environ):
        if name.startswith("CLOUDSTACK"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", sim.endpoint)
    monkeypatch.setenv("CLOUDSTACK_KEY", keys["apikey"])
    monkeypatch.setenv("CLOUDSTACK_SECRET", keys["secretkey"])
    main(["doctor", "--json"])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    summary = checks["api key"]["summary"]
    assert "doctor-pair" in summary and "allow list*" in summary and "deny deployVirtualMachine" in summary
