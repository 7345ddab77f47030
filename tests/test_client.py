"""The CloudStack client against the simulator over real HTTP, with `cs` as an independent reference client."""

from __future__ import annotations

from pathlib import Path

import pytest
from cs import CloudStack, CloudStackApiException

from cloudstack_mcp.catalog.loader import cache_file, fetch_catalog, read_cache, write_cache
from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.cloudstack.client import MAX_GET_QUERY, CloudStackClient
from cloudstack_mcp.config import Settings
from cloudstack_mcp.errors import ApiError
from cloudstack_mcp.simulator import Simulator

pytestmark = pytest.mark.anyio


def settings(sim: Simulator, **kw: object) -> Settings:
    admin = sim.credentials["admin"]
    return Settings(endpoint=sim.endpoint, api_key=admin.api_key, secret_key=admin.secret_key, **kw)  # type: ignore[arg-type]


def cs_client(sim: Simulator) -> CloudStack:
    admin = sim.credentials["admin"]
    return CloudStack(endpoint=sim.endpoint, key=admin.api_key, secret=admin.secret_key)


async def test_same_answer_as_cs(sim: Simulator) -> None:
    async with CloudStackClient(settings(sim)) as client:
        ours = await client.call("listZones", {"available": "true"})
    theirs = cs_client(sim).listZones(available=True)
    assert ours == theirs and ours["zone"]


async def test_tilde_signed_right_where_cs_fails(sim: Simulator) -> None:
    async with CloudStackClient(settings(sim)) as client:
        answer = await client.call("listZones", {"name": "no~such~zone"})
    assert answer.get("count", 0) == 0
    assert sim.requests[-1].status == 200 and sim.requests[-1].params["name"] == "no~such~zone"
    with pytest.raises(CloudStackApiException) as err:
        cs_client(sim).listZones(name="no~such~zone")
    assert "401" in str(err.value) or sim.requests[-1].status == 401


async def test_get_post_and_signature_version(sim: Simulator) -> None:
    async with CloudStackClient(settings(sim)) as client:
        short = client.prepare("listZones", {"name": "x"})
        assert short.method == "GET" and short.params["signatureVersion"] == "3" and short.params["expires"]
        assert client.prepare("listZones", {"name": "x" * MAX_GET_QUERY}).method == "POST"
        assert client.prepare("login", {}).method == "POST"
    async with CloudStackClient(settings(sim, method="post")) as client:
        assert client.prepare("listZones").method == "POST"
        await client.call("listZones")
        assert sim.requests[-1].method == "POST" and sim.requests[-1].status == 200
    async with CloudStackClient(settings(sim, method="get")) as client:
        assert client.prepare("listZones", {"name": "x" * MAX_GET_QUERY}).method == "GET"


async def test_cloudstack_errors(sim: Simulator) -> None:
    async with CloudStackClient(settings(sim)) as client:
        with pytest.raises(ApiError) as err:
            await client.call("noSuchApi")
        assert err.value.code == 432 and "does not exist" in err.value.text and err.value.api == "noSuchApi"
        with pytest.raises(ApiError) as err:
            await client.call("listZones", {"id": "not-an-id"})
        assert err.value.code == 431 and err.value.meaning.startswith("parameter error")
    wrong = Settings(endpoint=sim.endpoint, api_key="nobody", secret_key="nothing")
    async with CloudStackClient(wrong) as client:
        with pytest.raises(ApiError) as err:
            await client.call("listZones")
        assert err.value.code == 401


async def test_catalog_cache_round_trip(sim: Simulator, tmp_path: Path) -> None:
    s = settings(sim, cache_dir=tmp_path)
    async with CloudStackClient(s) as client:
        catalog = await fetch_catalog(client)
    assert set(catalog) == set(sim.catalog)
    path = cache_file(s)
    write_cache(path, catalog, s)
    again = read_cache(path)
    assert again is not None and set(again) == set(catalog)
    assert again["listZones"].params == catalog["listZones"].params
    other_user = cache_file(Settings(**{**s.__dict__, "api_key": "someone-else"}))
    assert other_user != path and other_user.parent == path.parent
    path.write_text('{"format": 99}')
    assert read_cache(path) is None
    assert read_cache(tmp_path / "missing.json") is None
    assert isinstance(catalog, Catalog)
