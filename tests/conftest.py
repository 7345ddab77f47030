"""Shared fixtures. Reference data is read from ../shared/cloudstack-api (never copied here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_api_dir() -> Path:
    """../shared/cloudstack-api beside the project (or $CLOUDSTACK_MCP_SHARED/cloudstack-api)."""
    candidates = []
    if os.environ.get("CLOUDSTACK_MCP_SHARED"):
        candidates.append(Path(os.environ["CLOUDSTACK_MCP_SHARED"]))
    candidates += [ROOT.parent / "shared", Path("/work/shared")]
    for base in candidates:
        if (base / "cloudstack-api" / "4.20.0.0" / "listApis.json").exists():
            return base / "cloudstack-api"
    raise RuntimeError("reference data not found: put ../shared/cloudstack-api beside the project or set CLOUDSTACK_MCP_SHARED")


SHARED_API = shared_api_dir()
SPEC_420 = SHARED_API / "4.20.0.0" / "listApis.json"
SPEC_418 = SHARED_API / "4.18.0.0" / "listApis.json"
SAMPLES = SHARED_API / "samples"


_STATE_DIR: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Servers write their default audit log and catalog cache under XDG dirs: keep them out of the real home."""
    import tempfile

    global _STATE_DIR
    _STATE_DIR = tempfile.mkdtemp(prefix="cloudstack-mcp-test-state-")
    os.environ["XDG_STATE_HOME"] = _STATE_DIR
    os.environ.setdefault("XDG_CACHE_HOME", os.path.join(_STATE_DIR, "cache"))


def pytest_unconfigure(config: pytest.Config) -> None:
    import shutil

    if _STATE_DIR:
        shutil.rmtree(_STATE_DIR, ignore_errors=True)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
