"""The safety policy over every API of the 4.20 spec and the 4.18 dump, plus unknown names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudstack_mcp.catalog.model import ApiSpec, Catalog, ParamSpec
from cloudstack_mcp.policy.classify import Severity, classify, for_call, markdown_table, parse_name
from tests.apidata import SPEC_418, SPEC_420, catalog_of

CAT_420 = catalog_of(SPEC_420)
CAT_418 = catalog_of(SPEC_418)
ALL_APIS = {**dict(CAT_418.items()), **dict(CAT_420.items())}
UNKNOWN_MARK = "not a known kind of action"


@pytest.mark.parametrize("catalog", [CAT_420, CAT_418], ids=["4.20", "4.18"])
def test_every_api_is_classified_by_a_rule_not_the_fallback(catalog: Catalog) -> None:
    for api in catalog.values():
        policy = classify(api)
        assert policy.api == api.name
        assert policy.kind in ("read", "mutating", "destructive")
        assert UNKNOWN_MARK not in policy.warning, f"{api.name} fell through to the unknown-verb fallback"
        assert policy.category and policy.scope, api.name
        if policy.kind != "read":
            assert policy.severity >= Severity.LOW, api.name
            assert policy.warning.endswith("."), api.name


def test_seed_examples() -> None:
    image_store = classify(CAT_420["deleteImageStore"])
    assert image_store.severity == Severity.CRITICAL
    assert image_store.kind == "destructive" and not image_store.reversible
    assert "image store" in image_store.warning

    destroy = CAT_420["destroyVirtualMachine"]
    plain = for_call(destroy, {"id": "x"})
    assert plain.severity == Severity.HIGH and plain.reversible
    expunged = for_call(destroy, {"id": "x", "expunge": "true"})
    assert expunged.severity == Severity.CRITICAL and not expunged.reversible
    assert "expunge=true" in expunged.warning


@pytest.mark.parametrize(
    ("api", "severity"),
    [
        ("deleteZone", Severity.CRITICAL),
        ("deleteAccount", Severity.CRITICAL),
        ("deleteDomain", Severity.CRITICAL),
        ("deleteStoragePool", Severity.CRITICAL),
        ("triggerShutdown", Severity.CRITICAL),
        ("deleteNetwork", Severity.HIGH),
        ("stopRouter", Severity.HIGH),
        ("registerUserKeys", Severity.HIGH),
        ("disableAccount", Severity.HIGH),
        ("prepareHostForMaintenance", Severity.HIGH),
        ("enableStorageMaintenance", Severity.HIGH),
        ("updateConfiguration", Severity.HIGH),
        ("revertToVMSnapshot", Severity.HIGH),
        ("stopVirtualMachine", Severity.MEDIUM),
        ("migrateVirtualMachine", Severity.MEDIUM),
        ("deleteFirewallRule", Severity.MEDIUM),
        ("deleteTags", Severity.LOW),
        ("updateTemplatePermissions", Severity.MEDIUM),  # sharing changes who may use it (issue 11)
        ("removeResourceDetail", Severity.LOW),
        ("deployVirtualMachine", Severity.LOW),
        ("releaseDedicatedZone", Severity.LOW),
    ],
)
def test_worse_objects_rank_higher(api: str, severity: Severity) -> None:
    assert classify(CAT_420[api]).severity == severity


def test_a_zone_is_worse_than_a_tag_for_the_same_verb() -> None:
    assert classify(CAT_420["deleteZone"]).severity > classify(CAT_420["deleteNetwork"]).severity
    assert classify(CAT_420["deleteNetwork"]).severity > classify(CAT_420["deleteFirewallRule"]).severity
    assert classify(CAT_420["deleteFirewallRule"]).severity > classify(CAT_420["deleteTags"]).severity


def test_reads_and_their_exceptions() -> None:
    for name, api in ALL_APIS.items():
        if name.startswith("list"):
            assert classify(api).read_only, name
    for name in (
        "quotaBalance",
        "quotaSummary",
        "quotaStatement",
        "quotaIsEnabled",
        "quotaTariffList",
        "cloudianIsEnabled",
    ):
        assert classify(CAT_420[name]).read_only, name
    for name in ("quotaCredits", "quotaTariffDelete", "quotaUpdate", "getUploadParamsForVolume", "getDiagnosticsData"):
        assert not classify(CAT_420[name]).read_only, name
    # Reads that reveal credentials carry a severity, so they can require confirmation.
    keys = classify(CAT_420["getUserKeys"])
    assert keys.read_only and keys.severity == Severity.HIGH
    assert classify(CAT_420["getVMPassword"]).severity == Severity.HIGH  # credential reads: high (issue 11)
    assert classify(CAT_420["getVMPassword"]).credential


def test_no_removing_verb_is_ever_read() -> None:
    removing = ("delete", "destroy", "expunge", "remove", "purge", "revoke", "release", "reset", "disassociate")
    for name, api in ALL_APIS.items():
        if name.startswith(removing):
            assert classify(api).kind == "destructive" or name.startswith(("remove", "reset")), name
            assert not classify(api).read_only, name


@pytest.mark.parametrize(
    ("name", "kind", "at_least"),
    [
        ("wipeEverything", "mutating", Severity.HIGH),  # unknown verb: never read
        ("isolateNetwork", "mutating", Severity.HIGH),  # "is" prefix without a word boundary is not a read
        ("listenToZone", "mutating", Severity.HIGH),
        ("deletezone", "destructive", Severity.CRITICAL),  # odd casing still finds the verb and object
        ("DELETEIMAGESTORE", "destructive", Severity.CRITICAL),
        ("purgeEverythingInZone", "destructive", Severity.CRITICAL),
        ("listzones", "mutating", Severity.HIGH),  # no word boundary: not trusted as a read (fail closed)
        ("listFutureThings", "read", Severity.NONE),
        ("deleteFutureThing", "destructive", Severity.MEDIUM),
    ],
)
def test_unknown_names(name: str, kind: str, at_least: Severity) -> None:
    policy = classify(ApiSpec(name))
    assert policy.kind == kind
    assert policy.severity >= at_least


def test_parse_name() -> None:
    assert parse_name("deleteImageStore").verb == "delete"
    assert parse_name("deleteImageStore").words == "image store"
    assert parse_name("quotaTariffDelete").verb == "delete"
    assert parse_name("ldapRemove").verb == "remove"
    assert parse_name("cloudianSsoLogin").verb == "login"
    assert parse_name("samlSso").verb is None


def test_for_call_escalations() -> None:
    stop = CAT_420["stopVirtualMachine"]
    assert for_call(stop, {"id": "x"}).severity == Severity.MEDIUM
    forced = for_call(stop, {"id": "x", "FORCED": "TRUE"})  # names and values case-insensitive
    assert forced.severity == Severity.HIGH and "forced=true" in forced.warning
    assert for_call(stop, {"id": "x", "forced": "false"}).severity == Severity.MEDIUM

    shrink = for_call(CAT_420["resizeVolume"], {"id": "v", "size": 1, "shrinkok": True})
    assert shrink.severity == Severity.HIGH and not shrink.reversible

    restart = for_call(CAT_420["restartNetwork"], {"id": "n", "cleanup": "true"})
    assert restart.severity == Severity.HIGH

    user = CAT_420["updateUser"]
    assert for_call(user, {"id": "u", "firstname": "A"}).severity == Severity.MEDIUM
    assert for_call(user, {"id": "u", "password": "x"}).severity == Severity.HIGH

    protect = for_call(CAT_420["updateVirtualMachine"], {"id": "x", "deleteprotection": "false"})
    assert protect.severity == Severity.MEDIUM

    read = CAT_420["listVirtualMachines"]
    assert for_call(read, {"forced": "true", "expunge": "true"}).severity == Severity.NONE


_NAMES = sorted(ALL_APIS)  # draw names: hypothesis hashes what it draws, and a whole ApiSpec is deep


@st.composite
def _call(draw: st.DrawFn) -> tuple[ApiSpec, dict[str, object]]:
    api = ALL_APIS[draw(st.sampled_from(_NAMES))]
    flags = [p for p in api.params if p.type == "boolean"] or [ParamSpec("forced", "boolean")]
    chosen = draw(st.lists(st.sampled_from(flags), max_size=4))
    values = st.sampled_from([True, False, "true", "TRUE", "false", "yes", ""])
    return api, {p.name: draw(values) for p in chosen}


@settings(max_examples=300, deadline=None)
@given(_call())
def test_arguments_never_lower_the_static_severity(call: tuple[ApiSpec, dict[str, object]]) -> None:
    api, args = call
    static, dynamic = classify(api), for_call(api, args)
    assert dynamic.severity >= static.severity
    assert dynamic.kind == static.kind
    assert dynamic.reversible <= static.reversible


def test_markdown_table_lists_dangerous_apis() -> None:
    table = markdown_table(CAT_420.values())
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    expected = [a for a in CAT_420.values() if classify(a).severity >= Severity.MEDIUM]
    assert len(rows) == len(expected)
    assert rows[0].split("|")[3].strip() == "critical"
    assert any("`deleteImageStore`" in row and "critical" in row for row in rows)
    assert not any("`listZones`" in row for row in rows)
