"""The package's shape: the layers contract holds and no import cycle exists outside named registrations.

`.importlinter` states which layer may import which (checked by `lint-imports` in .ci/run); this test
runs the same contracts in-process and walks the import graph (every import, also those inside
functions, but not those only under TYPE_CHECKING) for cycles.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]

# Registration patterns: a package whose __init__ imports its own submodules so they register
# themselves with it (they import the package back for the decorator). Edges from such a package
# into its own subtree are the pattern, not a cycle.
REGISTRIES = {
    # @handler("listZones") in each domain module fills the simulator's handler table.
    "cloudstack_mcp.simulator.backend.domain": "simulator domain handler registration",
}


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    adj = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    for registry in REGISTRIES:  # the registry importing its own subtree is the pattern; the way back stays
        adj[registry] = [t for t in adj[registry] if not t.startswith(registry + ".")]
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(adj):
        if start in index:
            continue
        work = [(start, iter(adj[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(adj[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles_outside_named_registrations() -> None:
    graph = grimp.build_graph("cloudstack_mcp", include_external_packages=False, exclude_type_checking_imports=True)
    cycles = _cycles(graph)
    assert cycles == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_sees_a_cycle() -> None:
    """The walk itself: a known registration, not excluded, is a cycle (so an empty answer means something)."""
    graph = grimp.build_graph("cloudstack_mcp", include_external_packages=False, exclude_type_checking_imports=True)
    saved = dict(REGISTRIES)
    REGISTRIES.clear()
    try:
        cycles = _cycles(graph)
    finally:
        REGISTRIES.update(saved)
    assert any("cloudstack_mcp.simulator.backend.domain" in c for c in cycles)


def test_layers_contract_is_kept() -> None:
    """`lint-imports` (import-linter, the test extra) keeps every contract of .importlinter."""
    script = Path(sys.executable).with_name("lint-imports")
    command = [str(script)] if script.exists() else [shutil.which("lint-imports") or "lint-imports"]
    done = subprocess.run([*command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"Contracts: [1-9][0-9]* kept, 0 broken", done.stdout), done.stdout[-2000:]


def test_every_part_of_the_package_has_a_place_in_the_contract() -> None:
    """A new top-level module or subpackage must be given a layer (or a rule) in .importlinter."""
    text = (ROOT / ".importlinter").read_text()
    named = set(re.findall(r"cloudstack_mcp\.(\w+)", text))
    package = ROOT / "cloudstack_mcp"
    parts = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    parts |= {p.name for p in package.iterdir() if (p / "__init__.py").exists()}
    assert parts - named == set(), f"not placed in .importlinter: {sorted(parts - named)}"
