"""Toolsets: every API of every spec we have gets a category from rules over its name."""

from __future__ import annotations

import re

import pytest

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.tools.toolsets import CATCH_ALL, DEFAULT_PROFILE_APIS, TOOLSETS, category_for, toolset_members
from tests.apidata import ROADMAP_APIS


@pytest.mark.parametrize("spec", ["cat420", "cat418"])
def test_every_api_has_a_known_category_and_few_fall_to_the_catch_all(spec: str, request: pytest.FixtureRequest):
    catalog: Catalog = request.getfixturevalue(spec)
    members = toolset_members(list(catalog))
    assert sum(len(v) for v in members.values()) == len(catalog)
    for name in catalog:
        assert category_for(name) in TOOLSETS
    assert len(members[CATCH_ALL]) <= 0.02 * len(catalog), members[CATCH_ALL]


def test_every_toolset_but_the_catch_all_holds_apis_in_420(cat420: Catalog):
    members = toolset_members(list(cat420))
    empty = [ts for ts, apis in members.items() if not apis and ts != CATCH_ALL]
    assert not empty


def test_toolset_ids_are_short_cli_words():
    for ts_id, ts in TOOLSETS.items():
        assert ts.id == ts_id
        assert re.fullmatch(r"[a-z][a-z0-9-]{1,24}", ts_id)
        assert ts.title and ts.description
    assert "all" not in TOOLSETS and "default" not in TOOLSETS  # reserved words of --toolsets


# The roadmap's feature areas, each a toolset, with APIs it names for that area.
ROADMAP_AREAS = {
    "network": ["createGuestNetworkIpv6Prefix", "changeBgpPeersForNetwork", "createStorageNetworkIpRange"],
    "firewall": ["createRoutingFirewallRule", "listRoutingFirewallRules", "updateRoutingFirewallRule"],
    "host": ["configureHAForHost", "declareHostAsDegraded", "listHostTags", "listHostHAProviders"],
    "router": ["configureVirtualRouterElement", "listVirtualRouterElements", "getRouterHealthCheckResults"],
    "system-vm": ["scaleSystemVm", "patchSystemVm", "listSystemVmsUsageHistory"],
    "snapshot": ["archiveSnapshot", "copySnapshot", "updateSnapshotPolicy", "getVolumeSnapshotDetails"],
    "disk-offering": ["updateDiskOffering", "listDiskOfferings"],
    "image-store": [
        "addImageStoreS3",
        "listSwifts",
        "createSecondaryStorageSelector",
        "downloadImageStoreObject",
        "migrateResourceToAnotherSecondaryStorage",
        "updateCloudToUseObjectStore",
    ],
    "certificate": ["issueCertificate", "listCAProviders", "uploadTemplateDirectDownloadCertificate"],
    "infrastructure": [
        "createPod",
        "updatePodManagementNetworkIpRange",
        "listVmwareDcVms",
        "createIpv4SubnetForZone",
        "executeClusterDrsPlan",
        "enableHAForCluster",
    ],
}


@pytest.mark.parametrize("area", sorted(ROADMAP_AREAS))
def test_each_roadmap_area_is_a_toolset(area: str):
    assert area in TOOLSETS
    for api in ROADMAP_AREAS[area]:
        assert category_for(api) == area, api


def test_roadmap_apis_all_land_in_a_named_toolset():
    names = ROADMAP_APIS.read_text().split()
    assert len(names) > 80
    assert all(category_for(n) != CATCH_ALL for n in names)


@pytest.mark.parametrize(
    ("name", "toolset"),
    [
        # invented names, as a future CloudStack might spell them
        ("listVirtualMachinesGpuUsage", "vm"),
        ("archiveVirtualMachine", "vm"),
        ("cloneVolume", "volume"),
        ("listVolumeEncryptionKeys", "volume"),
        ("createNetrisProvider", "sdn"),
        ("listTungstenFabricRoutingTable", "sdn"),
        ("listGpuDevices", "host"),
        ("createSnapshotCopyPolicy", "snapshot"),
        ("listZoneCapacityForecast", "infrastructure"),
        ("updateLoadBalancerCertificate", "certificate"),
        ("createFirewallPolicy", "firewall"),
        ("listVpcRoutingTables", "vpc"),
        ("listTemplateChecksums", "template"),
        ("listBackupRestorePoints", "backup"),
        ("createKubernetesNodePool", "kubernetes"),
        ("listWebhookFilters", "event"),
        ("listExtensions", "configuration"),
        ("createGuiTheme", "configuration"),
        ("listDnsServers", "network"),
        ("createApiToken", "auth"),
        ("listImportVmTasks", "vm"),
        ("purgeExpungedResources", "configuration"),
    ],
)
def test_rules_generalise_to_names_never_seen(name: str, toolset: str):
    assert category_for(name) == toolset


@pytest.mark.parametrize("name", ["", "x", "???", "a" * 500, "List", "lowercaseonly"])
def test_odd_names_never_fail(name: str):
    assert category_for(name) in TOOLSETS


def test_default_profile_apis_exist_in_both_specs(cat420: Catalog, cat418: Catalog):
    assert set(cat420) >= DEFAULT_PROFILE_APIS
    assert set(cat418) >= DEFAULT_PROFILE_APIS
    # With the three discovery tools: at most 40 tools.
    assert len(DEFAULT_PROFILE_APIS) + 3 <= 40


def test_default_profile_covers_the_everyday_areas():
    areas = {category_for(a) for a in DEFAULT_PROFILE_APIS}
    for needed in (
        "vm",
        "volume",
        "snapshot",
        "template",
        "network",
        "public-ip",
        "firewall",
        "infrastructure",
        "service-offering",
        "disk-offering",
        "event",
        "host",
    ):
        assert needed in areas, needed
