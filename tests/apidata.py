"""Where the tests and benchmarks find CloudStack's API data.

Two sources:
- the facts-only copy in tests/data/cloudstack-api (written by scripts/make_api_facts.py from the shared
  data: names, types, flags, response fields, no descriptions). Always there, so a fresh clone runs its
  tests. It is stored gzip-compressed and expanded once per content into a temporary folder with the
  same layout as the shared data (`4.20.0.0/listApis.json` with `apis-meta.json` beside it), so that
  `Catalog.load`, the simulator and `--api-spec` read it as they read any spec file.
- the shared reference data, ../shared/cloudstack-api beside the project (or
  $CLOUDSTACK_MCP_SHARED/cloudstack-api): CloudStack's own descriptions and the response samples of
  other projects. Only the few tests and benchmarks that need those read it; they skip when it is absent.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from cloudstack_mcp.catalog.model import Catalog

ROOT = Path(__file__).resolve().parents[1]
FACTS_SOURCE = ROOT / "tests" / "data" / "cloudstack-api"
SHARED_MISSING = "needs ../shared/cloudstack-api beside the project (or CLOUDSTACK_MCP_SHARED): CloudStack's own descriptions or samples"


def shared_api_dir() -> Path | None:
    """../shared/cloudstack-api beside the project (or $CLOUDSTACK_MCP_SHARED/cloudstack-api), if there."""
    base = os.environ.get("CLOUDSTACK_MCP_SHARED")
    path = (Path(base) if base else ROOT.parent / "shared") / "cloudstack-api"
    return path if (path / "4.20.0.0" / "listApis.json").exists() else None


def _expand(source: Path) -> Path:
    """The facts copy uncompressed, in a folder named by its content digest (made once, atomically)."""
    files = sorted(p for p in source.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes())
    target = Path(tempfile.gettempdir()) / f"cloudstack-mcp-api-facts-{digest.hexdigest()[:16]}"
    if target.is_dir():
        return target
    staging = Path(tempfile.mkdtemp(prefix=".api-facts-", dir=target.parent))
    for path in files:
        rel = path.relative_to(source)
        out = staging / (rel.with_suffix("") if path.suffix == ".gz" else rel)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes())
    try:
        staging.rename(target)
    except OSError:  # another process (a parallel test worker) made it first: same content
        shutil.rmtree(staging, ignore_errors=True)
    return target


FACTS_API = _expand(FACTS_SOURCE)
SPEC_420 = FACTS_API / "4.20.0.0" / "listApis.json"
SPEC_418 = FACTS_API / "4.18.0.0" / "listApis.json"
SIGNATURE_VECTORS = FACTS_API / "signature-vectors.json"
ROADMAP_APIS = FACTS_API / "roadmap-apis.txt"



@functools.cache
def catalog_of(spec: Path) -> Catalog:
    """One Catalog per spec file and process: catalogs are immutable, and a test module's constant, the
    conftest fixtures and the other modules can share it (loading 4.20 takes a quarter of a second)."""
    return Catalog.load(spec)


SHARED_API = shared_api_dir()
# CloudStack's full 4.20 listApis (with descriptions) and the samples: None without the shared data.
SHARED_SPEC_420 = SHARED_API / "4.20.0.0" / "listApis.json" if SHARED_API else None
SHARED_SPEC_418 = SHARED_API / "4.18.0.0" / "listApis.json" if SHARED_API else None
# The whole-spec walks call every API with values the listing's schemas allow, and those carry what the
# descriptions say (allowed values, map conventions): they walk CloudStack's own specs, and skip without them.
WALK_420 = SHARED_SPEC_420 or SPEC_420
WALK_418 = SHARED_SPEC_418 or SPEC_418
needs_shared = pytest.mark.skipif(SHARED_API is None, reason=SHARED_MISSING)
SAMPLES = SHARED_API / "samples" if SHARED_API else None


def with_descriptions(fixture: str = "cat420") -> pytest.MarkDecorator:
    """The test's 4.20 catalog fixture (`cat420` or `catalog`) is CloudStack's own, with descriptions.

    For the few tests about behaviour that reads descriptions (map conventions, describe_api's text);
    they skip, saying why, where the shared data is not beside the project.
    """
    return pytest.mark.parametrize(fixture, ["shared"], indirect=True, ids=["shared-descriptions"])


def bench_spec_420(needs_descriptions: str = "") -> Path:
    """The 4.20 spec for a benchmark: the shared one (what the published figures used), else the facts copy.

    `needs_descriptions` says why a benchmark cannot run on the facts copy (its figure depends on
    CloudStack's descriptions); it then stops, saying so, where the shared data is absent.
    """
    if SHARED_SPEC_420 is not None:
        return SHARED_SPEC_420
    if needs_descriptions:
        raise SystemExit(f"not run: {needs_descriptions}; {SHARED_MISSING}")
    print(
        "note: no ../shared/cloudstack-api beside the project (nor CLOUDSTACK_MCP_SHARED): "
        "using the facts-only copy in tests/data (no descriptions)",
        file=sys.stderr,
    )
    return SPEC_420


def bench_shared_api(why: str) -> Path:
    """The shared reference data folder for a benchmark that reads it (samples); stops, saying so, without it."""
    if SHARED_API is None:
        raise SystemExit(f"not run: {why}; {SHARED_MISSING}")
    return SHARED_API
