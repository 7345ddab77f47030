"""The one set of test fixtures: catalogs, simulators, signed clients, isolated state directories.

API data comes from tests/apidata.py (the facts-only copy in the repository; the shared reference
data only for the tests that need CloudStack's descriptions or samples, which skip without it).

A module picks its simulator with module-level names read by the `sim` fixture:
    SIM_SPEC = SPEC_420        # the API it serves (default None: the built-in API)
    SIM_JOB_SECONDS = 0.3      # how long its async jobs run (default 0)
or parametrizes it indirectly: `pytestmark = pytest.mark.parametrize("sim", [None, SPEC_420], indirect=True)`.
Each module gets its own simulator (module scope): tests in a module may build on each other's state.

A test that reads CloudStack's own descriptions asks for them with `@with_descriptions("cat420")` (from
tests/apidata.py): its catalog is then the shared one, and it skips where that is absent.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.simulator import Simulator
from tests.apidata import SHARED_MISSING, SHARED_SPEC_420, SPEC_418, SPEC_420, catalog_of
from tests.simulator_helpers import Signed

_STATE_DIR: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Servers write their default audit log and catalog cache under XDG dirs: keep them out of the real home."""
    import tempfile

    global _STATE_DIR
    _STATE_DIR = tempfile.mkdtemp(prefix="cloudstack-mcp-test-state-")
    os.environ["XDG_STATE_HOME"] = _STATE_DIR
    if os.environ.get("PYTEST_XDIST_WORKER"):  # a parallel worker: not the cache dir it inherited
        os.environ["XDG_CACHE_HOME"] = os.path.join(_STATE_DIR, "cache")
    os.environ.setdefault("XDG_CACHE_HOME", os.path.join(_STATE_DIR, "cache"))


def pytest_unconfigure(config: pytest.Config) -> None:
    import shutil

    if _STATE_DIR:
        shutil.rmtree(_STATE_DIR, ignore_errors=True)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# ---- catalogs: immutable, so one per session ---------------------------------------------------------


def _catalog_420(request: pytest.FixtureRequest) -> Catalog:
    """The facts copy; CloudStack's own (with descriptions) when a test asks with `with_descriptions`."""
    if getattr(request, "param", None) != "shared":
        return catalog_of(SPEC_420)
    if SHARED_SPEC_420 is None:
        pytest.skip(SHARED_MISSING)
    return Catalog.load(SHARED_SPEC_420)


@pytest.fixture(scope="session")
def cat420(request: pytest.FixtureRequest) -> Catalog:
    return _catalog_420(request)


@pytest.fixture(scope="session")
def catalog(request: pytest.FixtureRequest) -> Catalog:
    """The 4.20 catalog (the main target) under its everyday name."""
    return _catalog_420(request)


@pytest.fixture(scope="session")
def cat418() -> Catalog:
    return catalog_of(SPEC_418)


# ---- simulators ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    """A running simulator for the module: SIM_SPEC / SIM_JOB_SECONDS of the module, or an indirect param."""
    spec: Any = request.param if hasattr(request, "param") else getattr(request.module, "SIM_SPEC", None)
    job_seconds = getattr(request.module, "SIM_JOB_SECONDS", 0)
    with Simulator(spec, job_seconds=job_seconds).running() as running:
        yield running


@pytest.fixture(scope="module")
def sim420() -> Iterator[Simulator]:
    """A second simulator serving 4.20, for modules whose `sim` serves the built-in API."""
    with Simulator(SPEC_420, job_seconds=0).running() as running:
        yield running


@pytest.fixture
def clean_sim(sim: Simulator) -> Iterator[Simulator]:
    """The module's simulator with no faults and instant jobs, before and after the test."""
    sim.faults.clear()
    sim.job_seconds = 0
    yield sim
    sim.faults.clear()
    sim.job_seconds = 0


@pytest.fixture
def admin(sim: Simulator) -> Iterator[Signed]:
    """A signed keep-alive HTTP client of the module simulator's root admin."""
    client = Signed(sim)
    yield client
    client.close()
