"""Fresh virtual environments for the packaging and README tests, offline.

The tests may send nothing beyond this machine, so a fresh environment cannot download the
dependencies: it reads them from the environment running the tests (a .pth line naming its
site-packages; path lines in a .pth are appended to sys.path, so the fresh environment's own
packages, ours included, come first), and pip installs with --no-index --no-deps --no-build-isolation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OFFLINE = ["--no-index", "--no-deps", "--no-build-isolation", "--quiet"]


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """No PYTHONPATH (the worktree must not win), no CloudStack settings, HOME and state under `tmp`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith(("CLOUDSTACK", "VIRTUAL_ENV"))}
    env.update(HOME=str(tmp), XDG_STATE_HOME=str(tmp / "state"), XDG_CACHE_HOME=str(tmp / "cache"))
    env.update(extra)
    return env


def venv_site(venv: Path) -> Path:
    return venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def lend_dependencies(venv: Path) -> None:
    """Let `venv` import what the running environment has installed (after its own packages)."""
    (venv_site(venv) / "zz-borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


def make_venv(path: Path) -> Path:
    """A fresh environment at `path` that can import our dependencies; its bin/ folder."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
    lend_dependencies(path)
    return path / "bin"


def source_copy(dest: Path) -> Path:
    """The project's tracked files (what a checkout holds), without build leftovers."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True, timeout=60
    ).stdout.split("\0")
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest
