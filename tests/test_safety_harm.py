"""Confirmation by harm (issue 11): at the default settings every call that loses data, interrupts a service,
opens network access, gives power away, erases audit evidence or hands out a credential is held until
confirmed, over the 4.20 catalog and a real simulator; credential reads are held under --read-only too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.config import Settings
from cloudstack_mcp.policy.classify import Severity, classify, for_call, worst_case
from cloudstack_mcp.safety.confirm import needs_confirmation
from cloudstack_mcp.server.app import open_app
from cloudstack_mcp.simulator import Simulator
from tests.apidata import SPEC_420, catalog_of
from tests.core_helpers import required_args, sent
from tests.core_helpers import safety_settings as settings_for

pytestmark = pytest.mark.anyio
CATALOG = catalog_of(SPEC_420)

# Every call named in issue 11's "Why", with the arguments that made it harmful.
HARMFUL: list[tuple[str, dict[str, Any]]] = [
    (name, {})
    for name in ["stopVirtualMachine", "rebootVirtualMachine", "resetPasswordForVirtualMachine", "resetSSHKeyForVirtualMachine", "detachVolume", "restartNetwork", "deleteFirewallRule", "deleteEgressFirewallRule", "deletePortForwardingRule", "deleteLoadBalancerRule", "deleteNetworkACL", "revokeSecurityGroupIngress", "deleteSecurityGroup", "deleteBucket", "stopKubernetesCluster", "disableUser", "deleteEvents", "deleteAlerts", "archiveEvents", "extractVolume"]
] + [
    ("createAccount", {"accounttype": 1}),
    ("createRolePermission", {"rule": "*", "permission": "allow"}),
    ("updateTemplatePermissions", {"ispublic": True}),
    ("authorizeSecurityGroupIngress", {"cidrlist": ["0.0.0.0/0"], "startport": 1, "endport": 65535,
                                       "protocol": "tcp"}),
]  # fmt: skip
CREDENTIAL_READS = ("getVMPassword", "getKubernetesClusterConfig", "getUserKeys")


def _args(sim: Simulator, api: ApiSpec, extra: dict[str, Any]) -> dict[str, Any]:
    args = {**required_args(sim, api), **extra}
    return {k: v for k, v in args.items() if k.lower() in {p.name.lower() for p in api.params}}


async def _held_then_confirmed(app: Any, sim: Simulator, api: ApiSpec, args: dict[str, Any]) -> None:
    start = len(sim.requests)
    first = await app.pipeline.call_api(api.name, args)
    data = first.structured_content or {}
    assert data.get("confirmation_required") is True, (api.name, first.content[0].text)
    assert not sent(sim, start, api), f"{api.name} reached the simulator unconfirmed"
    await app.pipeline.call_api(api.name, {**args, "confirm": data["phrase"]})
    assert sent(sim, start, api), api.name


async def test_every_harm_named_in_the_issue_is_held_at_the_defaults(tmp_path: Path) -> None:
    assert Settings().confirm_level == Severity.MEDIUM
    with Simulator(SPEC_420, job_seconds=0).running() as sim:
        async with open_app(settings_for(sim, tmp_path), catalog=CATALOG) as app:
            for name, extra in HARMFUL:
                api = CATALOG[name]
                await _held_then_confirmed(app, sim, api, _args(sim, api, extra))


async def test_credential_reads_are_held_under_read_only_at_every_level(tmp_path: Path) -> None:
    with Simulator(SPEC_420, job_seconds=0).running() as sim:
        for level in (Severity.MEDIUM, Severity.CRITICAL):
            settings = settings_for(sim, tmp_path, read_only=True, confirm_level=level)
            async with open_app(settings, catalog=CATALOG) as app:
                for name in CREDENTIAL_READS:
                    api = CATALOG[name]
                    await _held_then_confirmed(app, sim, api, _args(sim, api, {}))


def test_at_level_low_every_destructive_api_is_confirmed_and_low_means_harmless() -> None:
    destructive = [a for a in CATALOG.values() if classify(a).kind == "destructive"]
    assert len(destructive) > 150
    assert all(needs_confirmation(classify(a), Severity.LOW) for a in destructive)
    low = {a.name for a in CATALOG.values() if classify(a).severity == Severity.LOW}
    assert {"createTags", "deleteTags", "addAnnotation", "uploadResourceIcon", "deployVirtualMachine"} <= low
    for harmful in ("archiveEvents", "extractVolume", "enableStaticNat", "createFirewallRule", "createUser",
                    "createRolePermission", "authorizeSecurityGroupIngress", "updateTemplatePermissions"):  # fmt: skip
        assert harmful not in low, harmful


async def test_at_level_low_destructive_calls_are_held_through_the_pipeline(tmp_path: Path) -> None:
    destructive = sorted(a.name for a in CATALOG.values() if classify(a).kind == "destructive")
    with Simulator(SPEC_420, job_seconds=0).running() as sim:
        settings = settings_for(sim, tmp_path, confirm_level=Severity.LOW)
        async with open_app(settings, catalog=CATALOG) as app:
            start = len(sim.requests)
            for name in destructive:
                api = CATALOG[name]
                result = await app.pipeline.call_api(name, required_args(sim, api))
                assert (result.structured_content or {}).get("confirmation_required") is True, name
            assert not [r for r in sim.requests[start:] if r.command in set(destructive)]


@pytest.mark.parametrize(
    ("api", "args", "severity"),
    [
        ("createAccount", {"accounttype": "1"}, Severity.CRITICAL),
        ("createAccount", {"accounttype": "2"}, Severity.HIGH),
        ("createAccount", {"accounttype": "0"}, Severity.MEDIUM),
        ("createRolePermission", {"rule": "*", "permission": "allow"}, Severity.CRITICAL),
        ("createRolePermission", {"rule": "*", "permission": "deny"}, Severity.MEDIUM),
        ("createRole", {"type": "User"}, Severity.MEDIUM),
        ("updateTemplatePermissions", {"ispublic": "true"}, Severity.HIGH),
        ("registerTemplate", {"ispublic": True}, Severity.HIGH),
        ("authorizeSecurityGroupIngress", {"cidrlist": "10.0.0.0/8", "startport": 22, "endport": 22}, Severity.MEDIUM),
        ("authorizeSecurityGroupIngress", {"cidrlist": "0.0.0.0/0", "startport": 22, "endport": 22}, Severity.HIGH),
        ("authorizeSecurityGroupIngress", {"cidrlist": ["::/0"], "startport": 1, "endport": 65535}, Severity.CRITICAL),
        ("createFirewallRule", {"cidrlist": "0.0.0.0/0", "protocol": "all"}, Severity.CRITICAL),
        ("destroyVirtualMachine", {"expunge": True}, Severity.CRITICAL),
        ("stopVirtualMachine", {"forced": "true"}, Severity.HIGH),
    ],
)
def test_arguments_escalate(api: str, args: dict[str, Any], severity: Severity) -> None:
    assert for_call(CATALOG[api], args).severity == severity
    assert worst_case(CATALOG[api]).severity >= severity  # the tool's schema offers `confirm`


def test_an_unknown_destructive_verb_is_at_least_high() -> None:
    for name in ("deleteEverything", "purgeAllTheThings", "destroyWidgetFleet", "revokeFooBar"):
        policy = classify(ApiSpec(name))
        assert policy.kind == "destructive" and policy.severity >= Severity.HIGH, name
