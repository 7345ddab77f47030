"""Every dangerous API of the 4.20 spec and the 4.18 dump, through the pipeline against the simulator:
unconfirmed it is refused or asked about and the simulator receives nothing; confirmed it goes through."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.policy.classify import Severity, classify, for_call
from cloudstack_mcp.server.app import open_app
from cloudstack_mcp.simulator import Simulator
from tests.apidata import SPEC_418, SPEC_420
from tests.core_helpers import required_args, safety_settings, sent

pytestmark = pytest.mark.anyio


@pytest.mark.slow
@pytest.mark.parametrize("spec", [SPEC_420, SPEC_418], ids=["4.20", "4.18"])
async def test_every_dangerous_api_needs_confirmation_and_then_goes_through(spec: Path, tmp_path: Path) -> None:
    catalog = Catalog.load(spec)
    dangerous = sorted(
        (a for a in catalog.values() if classify(a).severity >= Severity.HIGH),
        key=lambda a: (classify(a).severity, a.name),  # critical ones (zones, image stores) last
    )
    assert len(dangerous) > 80
    with Simulator(spec, job_seconds=0).running() as sim:
        # deny mode: every one refused, nothing sent
        async with open_app(safety_settings(sim, tmp_path, confirm_mode="deny"), catalog=catalog) as app:
            start = len(sim.requests)
            for api in dangerous:
                result = await app.pipeline.call_api(api.name, required_args(sim, api))
                text = result.content[0].text
                assert result.is_error and "refused" in text and "--confirm-mode" in text, (api.name, text)
            assert not [r for r in sim.requests[start:] if r.command in {a.name for a in dangerous}]

        # phrase mode (the default): asked, nothing sent; confirmed, sent
        async with open_app(safety_settings(sim, tmp_path), catalog=catalog) as app:
            for api in dangerous:
                args = required_args(sim, api)
                start = len(sim.requests)
                first = await app.pipeline.call_api(api.name, args)
                assert not first.is_error and first.content[0].text.startswith("NOT DONE"), api.name
                data = first.structured_content or {}
                assert data.get("confirmation_required") is True, (api.name, first.content[0].text)
                assert data["phrase"] == app.guard.scrubber.scrub(app.guard.phrases.phrase(api, args))
                assert data["phrase"] in first.content[0].text
                assert not sent(sim, start, api), f"{api.name} reached the simulator unconfirmed"
                # a phrase for other arguments does not confirm this call
                wrong = app.guard.phrases.phrase(api, {**args, "unrelated": "x"})
                again = await app.pipeline.call_api(api.name, {**args, "confirm": wrong})
                assert not again.is_error and "does not match" in again.content[0].text, api.name
                assert not sent(sim, start, api)
                confirmed = await app.pipeline.call_api(api.name, {**args, "confirm": data["phrase"]})
                assert sent(sim, start, api), (api.name, confirmed.content[0].text)
                assert "Confirmation required" not in confirmed.content[0].text

    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    by_api: dict[str, Counter[str]] = {}
    for record in records:
        by_api.setdefault(record["api"], Counter())[record["outcome"]] += 1
    for api in dangerous:
        outcomes = by_api[api.name]
        assert outcomes["denied"] == 1 and outcomes["confirmation-required"] == 2, (api.name, outcomes)
        assert outcomes["allowed"] + outcomes["failed"] == 1, (api.name, outcomes)


async def test_below_the_level_goes_through_and_the_level_is_configurable(tmp_path: Path) -> None:
    catalog = Catalog.load(SPEC_420)
    stop = catalog["stopVirtualMachine"]
    with Simulator(SPEC_420, job_seconds=0).running() as sim:
        args = required_args(sim, stop)
        high = safety_settings(sim, tmp_path, confirm_level=Severity.HIGH)
        async with open_app(high, catalog=catalog) as app:
            start = len(sim.requests)
            result = await app.pipeline.call_api(stop.name, args)  # medium < high: no confirmation
            assert sent(sim, start, stop), result.content[0].text
            forced = {**args, "forced": True}  # forced=true escalates stop to high
            assert for_call(stop, forced).severity == Severity.HIGH
            start = len(sim.requests)
            result = await app.pipeline.call_api(stop.name, forced)
            assert result.structured_content["confirmation_required"] and not sent(sim, start, stop)
        async with open_app(safety_settings(sim, tmp_path), catalog=catalog) as app:  # medium: the default
            start = len(sim.requests)
            result = await app.pipeline.call_api(stop.name, args)
            assert result.structured_content["confirmation_required"] and not sent(sim, start, stop)
        async with open_app(safety_settings(sim, tmp_path, confirm_mode="allow"), catalog=catalog) as app:
            delete = catalog["deleteNetwork"]
            start = len(sim.requests)
            await app.pipeline.call_api(delete.name, required_args(sim, delete))
            assert sent(sim, start, delete)
    allowed = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()][-1]
    assert allowed["api"] == "deleteNetwork" and allowed["confirmation"] == "allowed by --confirm-mode allow"


async def test_dry_run_sends_nothing_and_masks_secrets(tmp_path: Path) -> None:
    catalog = Catalog.load(SPEC_420)
    s3 = catalog["addImageStoreS3"]
    store = catalog["deleteImageStore"]
    with Simulator(SPEC_420, job_seconds=0).running() as sim:
        async with open_app(safety_settings(sim, tmp_path), catalog=catalog) as app:
            start = len(sim.requests)
            args = {
                "accesskey": "AKIADRYRUN",
                "secretkey": "dry-run-secret-42",
                "endpoint": "s3.example",
                "bucket": "b",
            }
            result = await app.pipeline.call_api(s3.name, {**args, "dry_run": True})
            text = result.content[0].text
            assert not result.is_error and "nothing was sent" in text and "command=addImageStoreS3" in text
            assert "dry-run-secret-42" not in text and "AKIADRYRUN" not in text
            assert "dry-run-secret-42" not in json.dumps(result.structured_content)
            store_args = required_args(sim, store)
            result = await app.pipeline.call_api(store.name, {**store_args, "dry_run": True})
            assert "needs confirmation" in result.content[0].text and "critical" in result.content[0].text
            assert not [r for r in sim.requests[start:] if r.command in (s3.name, store.name)]
    audit = (tmp_path / "audit.jsonl").read_text()
    assert audit.count('"outcome": "dry-run"') == 2 and "dry-run-secret-42" not in audit


async def test_a_phrase_from_one_server_instance_confirms_on_another(tmp_path: Path) -> None:
    catalog = Catalog.load(SPEC_420)
    delete = catalog["deleteNetwork"]
    with Simulator(SPEC_420, job_seconds=0).running() as sim:
        args = required_args(sim, delete)
        async with open_app(safety_settings(sim, tmp_path), catalog=catalog) as first:
            asked = await first.pipeline.call_api(delete.name, args)
        phrase = asked.structured_content["phrase"]
        # another process (a restart, another HTTP instance): nothing shared but the phrase
        async with open_app(safety_settings(sim, tmp_path / "other"), catalog=catalog) as second:
            start = len(sim.requests)
            await second.pipeline.call_api(delete.name, {**args, "confirm": phrase})
            assert sent(sim, start, delete)
