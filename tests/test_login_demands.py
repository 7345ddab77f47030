"""Password logins that CloudStack answers with a demand: two-factor authentication still to verify,
or a password to change. The simulator models both; the client says what to do."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2 as httpx
import pytest

from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.config import Settings
from cloudstack_mcp.errors import ApiError
from cloudstack_mcp.simulator import Simulator
from tests.simulator_helpers import Signed


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(job_seconds=0).running() as running:
        yield running


def _alice(sim: Simulator) -> dict:
    return next(u for u in sim.cloud.store.all("UserResponse") if u["username"] == "alice")


def _login_settings(sim: Simulator) -> Settings:
    cred = sim.credentials["user"]
    return Settings(endpoint=sim.endpoint, username=cred.username, password=cred.password, domain=cred.domain)


def _enable_2fa(sim: Simulator) -> None:
    admin = Signed(sim)
    r = admin.get("setupUserTwoFactorAuthentication", userid=_alice(sim)["id"], enable="true", provider="totp")
    admin.close()
    assert r.status_code == 200, r.text


def test_simulator_session_needs_the_second_factor(sim):
    _enable_2fa(sim)
    cred = sim.credentials["user"]
    with httpx.Client() as http:
        login = http.post(
            sim.endpoint,
            data={
                "command": "login",
                "username": cred.username,
                "password": cred.password,
                "domain": cred.domain,
                "response": "json",
            },
        )
        answer = login.json()["loginresponse"]
        assert (answer["is2faenabled"], answer["is2faverified"], answer["providerfor2fa"]) == ("true", "false", "totp")
        key = {"sessionkey": answer["sessionkey"], "response": "json"}
        blocked = http.get(sim.endpoint, params={"command": "listZones", **key})
        assert blocked.status_code == 511
        http.get(
            sim.endpoint, params={"command": "validateUserTwoFactorAuthenticationCode", "codefor2fa": "123456", **key}
        )
        assert http.get(sim.endpoint, params={"command": "listZones", **key}).status_code == 200


@pytest.mark.anyio
async def test_client_says_use_api_keys_for_2fa_accounts(sim):
    _enable_2fa(sim)
    async with CloudStackClient(_login_settings(sim)) as client:
        with pytest.raises(ApiError) as err:
            await client.call("listZones", idempotent=True)
    assert err.value.code == 511
    assert "two-factor authentication" in err.value.text and "Use API keys" in err.value.text
    keys = Signed(sim, "user")  # API keys bypass the second factor
    assert keys.get("listZones").status_code == 200
    keys.close()


@pytest.mark.anyio
async def test_client_says_change_the_password(sim):
    _alice(sim)["_passwordchangerequired"] = True
    async with CloudStackClient(_login_settings(sim)) as client:
        with pytest.raises(ApiError) as err:
            await client.call("listZones", idempotent=True)
    assert "change the password" in err.value.text and "CLOUDSTACK_PASSWORD" in err.value.text


@pytest.mark.anyio
async def test_plain_login_unchanged(sim):
    async with CloudStackClient(_login_settings(sim)) as client:
        assert (await client.call("listZones", idempotent=True))["count"] >= 1
