"""Guest OS types every profile lists, as a stock CloudStack names them (description, category), beside
the ones a profile's templates use."""

from __future__ import annotations

from cloudstack_mcp.simulator.backend.seed import build as b
from cloudstack_mcp.simulator.backend.seed.build import Seeder

GUEST_OS = (
    ("CentOS 5.5 (64-bit)", "CentOS"),
    ("CentOS 6.5 (64-bit)", "CentOS"),
    ("CentOS 7", "CentOS"),
    ("CentOS 8", "CentOS"),
    ("Debian GNU/Linux 10 (64-bit)", "Debian"),
    ("Debian GNU/Linux 11 (64-bit)", "Debian"),
    ("Debian GNU/Linux 12 (64-bit)", "Debian"),
    ("Ubuntu 20.04 LTS", "Ubuntu"),
    ("Ubuntu 22.04 LTS", "Ubuntu"),
    ("Ubuntu 24.04 LTS", "Ubuntu"),
    ("Red Hat Enterprise Linux 8.0", "RedHat"),
    ("Red Hat Enterprise Linux 9.0", "RedHat"),
    ("Rocky Linux 9", "CentOS"),
    ("Windows Server 2019 (64-bit)", "Windows"),
    ("Windows Server 2022 (64-bit)", "Windows"),
    ("Windows 10 (64-bit)", "Windows"),
    ("Other Linux (64-bit)", "Other"),
    ("Other (64-bit)", "Other"),
    ("Other PV (64-bit)", "Other"),
)


def seed_guest_os(s: Seeder) -> None:
    """The common types a profile did not add itself (same stable ids as the profile's own)."""
    known = {os_type["description"] for os_type in s.store.all("GuestOSResponse")}
    b.guest_os(s, tuple(row for row in GUEST_OS if row[0] not in known))
