"""doctor's TLS check against a local TLS listener with a certificate from a throw-away CA: trusted with
that CA (and says which CA is in use), refused with the default bundle, warned with verification off."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from cloudstack_mcp.config import Settings
from cloudstack_mcp.doctor import run_doctor

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

pytestmark = pytest.mark.anyio


def _cert(subject: str, key: ec.EllipticCurvePrivateKey, issuer: tuple[str, ec.EllipticCurvePrivateKey] | None):
    now = datetime.datetime.now(datetime.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer[0])]) if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


@asynccontextmanager
async def tls_listener(tmp: Path) -> AsyncIterator[tuple[int, Path]]:
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("test CA", ca_key, None)
    server = _cert("127.0.0.1", server_key, ("test CA", ca_key))
    ca_pem = tmp / "ca.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (tmp / "server.key").write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp / "server.pem", tmp / "server.key")

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    listener = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    try:
        yield listener.sockets[0].getsockname()[1], ca_pem
    finally:
        listener.close()


def settings(port: int, tmp: Path, verify: bool | str) -> Settings:
    return Settings(
        endpoint=f"https://127.0.0.1:{port}/client/api",
        api_key="k" * 20,
        secret_key="s" * 20,
        verify=verify,
        cache_dir=tmp / "cache",
        audit_log=None,
        connect_timeout=5,
        retries=0,
    )


async def test_tls_with_the_right_ca(tmp_path: Path) -> None:
    async with tls_listener(tmp_path) as (port, ca):
        checks = {c.name: c for c in await run_doctor(settings(port, tmp_path, str(ca)))}
    assert checks["tls"].status == "ok" and str(ca) in checks["tls"].summary


async def test_tls_with_the_default_bundle_is_refused(tmp_path: Path) -> None:
    async with tls_listener(tmp_path) as (port, _ca):
        checks = {c.name: c for c in await run_doctor(settings(port, tmp_path, True))}
    assert checks["tls"].status == "fail" and "not trusted" in checks["tls"].summary
    assert "CLOUDSTACK_VERIFY" in checks["tls"].fix and "signed call" not in checks


async def test_tls_without_verification_is_a_warning(tmp_path: Path) -> None:
    async with tls_listener(tmp_path) as (port, _ca):
        checks = {c.name: c for c in await run_doctor(settings(port, tmp_path, False))}
    assert checks["tls"].status == "warn" and "OFF" in checks["tls"].summary
