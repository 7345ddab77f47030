"""Ready to publish: the version in one place, metadata (classifiers, license file, URLs), and `python -m
build` giving an sdist and a wheel that install in a fresh environment and run."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cloudstack_mcp import __version__
from tests.venv_helpers import OFFLINE, ROOT, clean_env, make_venv, source_copy

tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def test_metadata_in_one_place() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and project["dynamic"] == ["version"]  # cloudstack_mcp.__version__
    assert any(c.startswith("License :: OSI Approved :: Apache") for c in project["classifiers"])
    assert {"Homepage", "Issues"} <= set(project["urls"])
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")[:200]
    assert (ROOT / "cloudstack_mcp" / "py.typed").exists()


@pytest.mark.slow
def test_sdist_and_wheel_build_install_and_run(tmp_path: Path) -> None:
    src = source_copy(tmp_path / "src")
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", str(dist), str(src)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    assert wheel.name == f"cloudstack_mcp-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        metadata = zf.read(f"cloudstack_mcp-{__version__}.dist-info/METADATA").decode()
    assert f"Version: {__version__}" in metadata and "Classifier: License :: OSI Approved" in metadata
    assert any(n.endswith(".dist-info/LICENSE") or "/licenses/LICENSE" in n for n in names)
    assert "cloudstack_mcp/py.typed" in names and "cloudstack_mcp/simulator/backend/persist.py" in names
    for artifact in (wheel, sdist):
        home = tmp_path / artifact.suffix.strip(".")
        home.mkdir()
        bin_ = make_venv(home / "venv")
        env = clean_env(home)
        subprocess.run([str(bin_ / "pip"), "install", *OFFLINE, str(artifact)], check=True, env=env, timeout=600)
        where = subprocess.run(
            [str(bin_ / "python"), "-c", "import cloudstack_mcp; print(cloudstack_mcp.__file__)"],
            capture_output=True,
            text=True,
            env=env,
            cwd=home,
            timeout=60,
            check=True,
        ).stdout
        assert where.startswith(str(home / "venv")), where  # the installed copy, not the worktree
        version = subprocess.run(
            [str(bin_ / "cloudstack-mcp"), "--version"], capture_output=True, text=True, env=env, cwd=home, timeout=60
        )
        assert version.stdout.strip() == f"cloudstack-mcp {__version__}"
        call = subprocess.run(
            [str(bin_ / "cloudstack-mcp"), "call", "list_zones"],
            capture_output=True,
            text=True,
            env=env,
            cwd=home,
            timeout=120,
        )
        assert call.returncode == 0, call.stderr
        assert "zone" in call.stdout and "built-in simulator" in call.stderr
