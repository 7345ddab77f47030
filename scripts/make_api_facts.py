"""Write tests/data/cloudstack-api/: a facts-only copy of the reference API data the tests run on.

Reads ../shared/cloudstack-api (or $CLOUDSTACK_MCP_SHARED/cloudstack-api) and keeps only facts:
API names, async flags, `since`, `related` names, parameters (name, type, required, length),
response fields (name, type, nesting), and from apis-meta.json the envelope keys, response classes,
sensitive flags, modules, roles, command classes and per-parameter entity/element types. Every
description (CloudStack's prose) is dropped. The signature test vectors are copied as they are (test
vectors: inputs and expected outputs). Files are gzip-compressed with a fixed mtime so that running
the script twice gives the same bytes; tests/apidata.py expands them for a test run.

    python scripts/make_api_facts.py            # (re)write the copy
    python scripts/make_api_facts.py --check    # exit 1 when the copy differs from what would be written
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "cloudstack-api"

# The apis-meta.json facts the catalog and the simulator read (model.py, simulator/server.py).
_META_API_KEYS = (
    "isasync",
    "responsekey",
    "responseobject",
    "requesthassensitiveinfo",
    "responsehassensitiveinfo",
    "module",
    "authorized",
    "entitytype",
    "class",
    "alternatives",
)
_META_PARAM_KEYS = ("name", "entitytype", "collectiontype", "authorized")
_PARAM_KEYS = ("name", "type", "length", "required", "since", "related")


def shared_api_dir() -> Path:
    base = os.environ.get("CLOUDSTACK_MCP_SHARED")
    path = (Path(base) if base else ROOT.parent / "shared") / "cloudstack-api"
    if not (path / "4.20.0.0" / "listApis.json").exists():
        sys.exit(f"reference data not found at {path}: put shared/cloudstack-api beside the project or set CLOUDSTACK_MCP_SHARED")
    return path


def _fields(items: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items or ():
        entry = {k: item[k] for k in ("name", "type") if k in item}  # unannotated fields stay as {}
        if item.get("response"):
            entry["response"] = _fields(item["response"])
        out.append(entry)
    return out


def listapis_facts(doc: dict[str, Any]) -> dict[str, Any]:
    (key, inner), = doc.items()
    apis = []
    for api in inner["api"]:
        entry: dict[str, Any] = {k: api[k] for k in ("name", "isasync", "since", "related") if k in api}
        entry["params"] = [{k: p[k] for k in _PARAM_KEYS if k in p} for p in api.get("params") or ()]
        entry["response"] = _fields(api.get("response") or [])
        apis.append(entry)
    return {key: {"count": inner.get("count", len(apis)), "api": apis}}


def meta_facts(doc: dict[str, Any]) -> dict[str, Any]:
    apis = {}
    for name, meta in doc["apis"].items():
        entry = {k: meta[k] for k in _META_API_KEYS if k in meta}
        entry["params"] = [{k: p[k] for k in _META_PARAM_KEYS if k in p} for p in meta.get("params") or ()]
        apis[name] = entry
    return {"version": doc.get("version"), "commit": doc.get("commit"), "apis": apis}


def _gzip(doc: Any) -> bytes:
    raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, sort_keys=False).encode()
    return gzip.compress(raw, compresslevel=9, mtime=0)


def build(shared: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file of the copy."""
    def read(rel: str) -> Any:
        return json.loads((shared / rel).read_text(encoding="utf-8"))

    return {
        "4.20.0.0/listApis.json.gz": _gzip(listapis_facts(read("4.20.0.0/listApis.json"))),
        "4.20.0.0/apis-meta.json.gz": _gzip(meta_facts(read("4.20.0.0/apis-meta.json"))),
        "4.18.0.0/listApis.json.gz": _gzip(listapis_facts(read("4.18.0.0/listApis.json"))),
        "signature-vectors.json": (shared / "signature-vectors.json").read_bytes(),
        "roadmap-apis.txt": (shared / "roadmap-apis.txt").read_bytes(),  # API names only
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the copy in the repository")
    args = parser.parse_args(argv)
    files = build(shared_api_dir())
    if args.check:
        stale = [rel for rel, data in files.items() if not (OUT / rel).exists() or (OUT / rel).read_bytes() != data]
        for rel in stale:
            print(f"out of date: {OUT / rel}")
        return 1 if stale else 0
    for rel, data in files.items():
        path = OUT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{path.relative_to(ROOT)}: {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
