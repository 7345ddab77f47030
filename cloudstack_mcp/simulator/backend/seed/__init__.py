"""The cloud the simulator starts with, by profile: `default` (one advanced KVM zone that looks lived
in) or `sandbox` (what Apache's simulator container sets up). Data lives in the profile modules; the
builders in build.py and services.py make the entities."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cloudstack_mcp.simulator.backend.seed.build import Seeder
from cloudstack_mcp.simulator.backend.seed.default import seed_default
from cloudstack_mcp.simulator.backend.seed.guestos import seed_guest_os
from cloudstack_mcp.simulator.backend.seed.samples import seed_samples
from cloudstack_mcp.simulator.backend.seed.sandbox import seed_sandbox
from cloudstack_mcp.simulator.backend.seed.settings import seed_settings

if TYPE_CHECKING:
    from cloudstack_mcp.simulator.backend.cloud import Cloud

__all__ = ["PROFILES", "seed_cloud", "seed_samples"]

PROFILES: dict[str, Callable[[Seeder], None]] = {"default": seed_default, "sandbox": seed_sandbox}


def seed_cloud(cloud: Cloud, profile: str = "default") -> None:
    """Fill a new cloud's store with the named profile (accounts are seeded before)."""
    try:
        builder = PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown seed profile {profile!r}; known: {', '.join(sorted(PROFILES))}") from None
    seeder = Seeder(cloud)
    builder(seeder)
    seed_guest_os(seeder)
    seed_settings(seeder)
