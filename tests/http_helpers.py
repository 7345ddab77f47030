"""Helpers for the HTTP transport tests: a tiny OIDC issuer on loopback, the server in-process on a port,
SDK clients with a bearer token, simulator users with their own keys."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import httpx2
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from cloudstack_mcp.config import Settings, load_settings
from cloudstack_mcp.server.app import open_app
from cloudstack_mcp.server.auth import hash_token
from cloudstack_mcp.server.http import build_http_app
from cloudstack_mcp.simulator import Credentials, Simulator
from tests.simulator_helpers import Signed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Issuer:
    """An OAuth authorization server as far as a resource server sees one: metadata and a JWKS, on loopback,
    signing RS256 tokens with PyJWT. `rotate()` publishes a new key (the old one is dropped)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.jwks_hits = 0
        self._keys: list[tuple[str, Any]] = []
        self.rotate()
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": issuer.url + "/jwks.json"}
                elif self.path == "/jwks.json":
                    issuer.jwks_hits += 1
                    body = {"keys": [issuer.public_jwk(kid, key) for kid, key in issuer._keys]}
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @staticmethod
    def public_jwk(kid: str, key: Any) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}

    def rotate(self) -> str:
        kid = f"k{len(self._keys) + 1}-{time.monotonic_ns()}"
        self._keys = [(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))]
        return kid

    def token(self, sub: str, *, scope: str = "cloudstack:read cloudstack:change", aud: str = "", ttl: float = 300,
              **claims: Any) -> str:  # fmt: skip
        kid, key = self._keys[0]
        now = int(time.time())
        payload = {"iss": self.url, "sub": sub, "aud": aud, "scope": scope, "iat": now, "exp": now + int(ttl), **claims}
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def token_file(tmp: Path, **tokens: tuple[str, list[str]]) -> Path:
    """A --auth-tokens file: name=(token, rights)."""
    path = tmp / "tokens.json"
    rows = [{"name": name, "sha256": hash_token(tok), "rights": rights} for name, (tok, rights) in tokens.items()]
    path.write_text(json.dumps({"tokens": rows}))
    return path


def new_user(sim: Simulator, name: str) -> Credentials:
    """A User-role account of its own in the simulator, with API keys."""
    admin = Signed(sim)
    try:
        account = admin.ok("createAccount", username=name, account=name, password="pw-" + name, email=f"{name}@example.org",
                           firstname=name, lastname="Test", accounttype=0)["account"]  # fmt: skip
        user = account["user"][0]
        keys = admin.ok("registerUserKeys", id=user["id"])["userkeys"]
        offering = next(o for o in admin.ok("listNetworkOfferings")["networkoffering"]
                        if o["guestiptype"] == "Isolated" and not o["forvpc"])  # fmt: skip
        zone = admin.ok("listZones")["zone"][0]["id"]
    finally:
        admin.close()
    cred = Credentials(keys["apikey"], keys["secretkey"], name, "pw-" + name, "/")
    own = Signed(sim, credentials=cred)
    try:  # a network of the user's own, so it can deploy a VM
        own.ok("createNetwork", name=name + "-net", displaytext=name, zoneid=zone, networkofferingid=offering["id"])
    finally:
        own.close()
    return cred


def settings_for(sim: Simulator, tmp: Path, port: int, **flags: Any) -> Settings:
    admin = sim.credentials["admin"]
    env = {
        "CLOUDSTACK_ENDPOINT": sim.endpoint,
        "CLOUDSTACK_KEY": admin.api_key,
        "CLOUDSTACK_SECRET": admin.secret_key,
        "HOME": str(tmp),
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "XDG_STATE_HOME": str(tmp / "state"),
    }
    env.update(flags.pop("env", {}))
    return load_settings({"transport": "http", "http_port": port, **flags}, env)


@contextlib.asynccontextmanager
async def serving(settings: Settings, **build: Any) -> AsyncIterator[dict[str, Any]]:
    """The HTTP server in this event loop; yields url, principals, metrics, app."""
    async with open_app(settings) as app:
        asgi, principals, metrics = build_http_app(app, settings, **build)
        config = uvicorn.Config(asgi, host="127.0.0.1", port=settings.http_port, log_level="error", log_config=None)
        server = uvicorn.Server(config)
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve)
            while not server.started:
                await anyio.sleep(0.01)
            try:
                yield {"url": f"http://127.0.0.1:{settings.http_port}", "principals": principals, "metrics": metrics,
                       "app": app}  # fmt: skip
            finally:
                server.should_exit = True


@contextlib.asynccontextmanager
async def mcp_client(url: str, token: str | None = None, mode: str = "auto", **headers: str) -> AsyncIterator[Client]:
    """The SDK's client over streamable HTTP with a bearer token (and any extra headers)."""
    if token:
        headers["Authorization"] = f"Bearer {token}"
    http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=60))
    async with http, Client(streamable_http_client(url + "/mcp", http_client=http), mode=mode) as client:  # type: ignore[arg-type]
        yield client


@contextlib.contextmanager
def issuer() -> Iterator[Issuer]:
    i = Issuer()
    try:
        yield i
    finally:
        i.close()
