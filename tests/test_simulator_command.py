"""`python -m cloudstack_mcp.simulator`: prints endpoint and keys, serves, stops on SIGTERM; bad options fail clearly."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from cloudstack_mcp.simulator import Credentials
from tests.apidata import ROOT
from tests.simulator_helpers import Signed


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cloudstack_mcp.simulator", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_runs_prints_keys_and_stops_on_sigterm():
    proc = _start("--api-key", "my-key", "--secret-key", "my-secret", "--job-seconds", "0")
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        endpoint = lines[1].split()[-1]
        assert endpoint.startswith("http://127.0.0.1:") and endpoint.endswith("/client/api")
        assert lines[2].split()[-1] == "my-key" and lines[3].split()[-1] == "my-secret"
        client = Signed(
            None, credentials=Credentials("my-key", "my-secret", "admin", "password", "/"), endpoint=endpoint
        )
        assert client.ok("listZones")["count"] == 1
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "simulator stopped" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--api-key", "only-one"], "give --api-key and --secret-key together"),
        (["--api-spec", "/nonexistent/listApis.json"], "cannot read API spec"),
        (["--faults", "/nonexistent/faults.json"], "cannot read faults file"),
    ],
)
def test_bad_options(args, message):
    proc = _start(*args)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 2 and message in err
