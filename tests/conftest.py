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


def pytest_configure(config: pytest.Config) -> None:
    """In-process servers write their default audit log under $XDG_STATE_HOME: keep it out of the real home."""
    import tempfile

    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="cloudstack-mcp-test-state-")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
