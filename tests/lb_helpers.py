"""Several server instances behind nginx on loopback ports, with a generated configuration (the one
docs/deployment.md shows, minus TLS). Used by the lb tests and bench/bench_remote.py."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parents[1]

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;

    # 2026-07-28 requests stand alone: any instance answers them (round robin).
    upstream mcp_any {{
{servers}
        keepalive 64;
        keepalive_timeout 60s;  # shorter than the instances' own (75 s)
    }}
    # Handshake-era sessions live in the instance that created them: keep a client on one instance.
    upstream mcp_sticky {{
        hash $http_authorization$remote_addr consistent;
{servers}
        keepalive 64;
        keepalive_timeout 60s;
    }}
    map $http_mcp_protocol_version $mcp_pool {{
        ~^2026  mcp_any;
        default mcp_sticky;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 1m;
        location / {{
            proxy_pass http://$mcp_pool;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_buffering off;            # progress and SSE events pass as they come
            proxy_read_timeout 300s;        # a call may wait for its job this long
            proxy_next_upstream error timeout;  # only requests that never reached an instance move on
        }}
    }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx2.get(url, timeout=1).status_code < 500:
                return
        except httpx2.HTTPError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(url)
        time.sleep(0.1)


@dataclass
class Cluster:
    url: str  # nginx, e.g. http://127.0.0.1:PORT
    instances: list[tuple[int, subprocess.Popen[bytes]]]
    tmp: Path
    nginx: subprocess.Popen[bytes] | None = None
    logs: list[Path] = field(default_factory=list)

    def instance_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.instances[i][0]}"

    def kill(self, i: int, sig: int = signal.SIGKILL) -> None:
        proc = self.instances[i][1]
        proc.send_signal(sig)
        proc.wait(timeout=30)

    def rss_kib(self) -> list[int]:
        out = []
        for _, proc in self.instances:
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
                out.append(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))))
            except (OSError, StopIteration):
                out.append(0)
        return out


def server_env(tmp: Path, endpoint: str, api_key: str, secret_key: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.startswith("COV") or k in ("PATH", "PYTHONPATH")}
    env.setdefault("PYTHONPATH", str(ROOT))
    env.update(
        HOME=str(tmp), XDG_CACHE_HOME=str(tmp / "cache"), XDG_STATE_HOME=str(tmp / "state"),
        CLOUDSTACK_ENDPOINT=endpoint, CLOUDSTACK_KEY=api_key, CLOUDSTACK_SECRET=secret_key,
    )  # fmt: skip
    env.update(extra)
    return env


@contextlib.contextmanager
def cluster(
    tmp: Path, endpoint: str, api_key: str, secret_key: str, *, count: int = 3, args: tuple[str, ...] = (),
    env: Mapping[str, str] | None = None,
) -> Iterator[Cluster]:  # fmt: skip
    """`count` instances (`serve --transport http` ARGS) sharing one requestState key, behind nginx."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (Debian: apt-get install nginx-light)")
    keys = tmp / "state-keys"
    keys.write_text(secrets.token_hex(32) + "\n")
    keys.chmod(0o600)
    # One confirmation key for all (safety: the phrase is a keyed MAC); one requestState key (above).
    shared = {"CLOUDSTACK_MCP_CONFIRM_KEY": secrets.token_hex(32), **dict(env or {})}
    base_env = server_env(tmp, endpoint, api_key, secret_key, **shared)
    instances: list[tuple[int, subprocess.Popen[bytes]]] = []
    logs = []
    nginx = None
    try:
        for i in range(count):
            port = free_port()
            log = tmp / f"instance-{i}.log"
            logs.append(log)
            proc = subprocess.Popen(
                [sys.executable, "-m", "cloudstack_mcp", "serve", "--transport", "http", "--port", str(port),
                 "--state-key-file", str(keys), *args],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log.open("wb"), env=base_env, cwd=tmp,
            )  # fmt: skip
            instances.append((port, proc))
        for port, proc in instances:
            wait_http(f"http://127.0.0.1:{port}/healthz", proc)
        port = free_port()
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (tmp / sub).mkdir(exist_ok=True)
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p, _ in instances)
        conf = tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, servers=servers, port=port))
        nginx = subprocess.Popen([binary, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "nginx-error.log")],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        wait_http(f"http://127.0.0.1:{port}/healthz", nginx)
        yield Cluster(f"http://127.0.0.1:{port}", instances, tmp, nginx, logs)
    finally:
        for proc in [nginx] + [p for _, p in instances]:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in [nginx] + [p for _, p in instances]:
            if proc is not None:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
