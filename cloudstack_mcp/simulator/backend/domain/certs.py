"""Certificates: the root CA provider, issuing/provisioning/revoking, custom SSL certificates, and
direct-download template certificates."""

from __future__ import annotations

import base64
import secrets

from cloudstack_mcp.simulator.backend.answers import ListAnswer, ObjectAnswer, SuccessAnswer
from cloudstack_mcp.simulator.backend.context import Context
from cloudstack_mcp.simulator.backend.domain import handles
from cloudstack_mcp.simulator.backend.engine import page
from cloudstack_mcp.simulator.backend.errors import param_error
from cloudstack_mcp.simulator.backend.store import Entity, now_text

CERT = "DirectDownloadCertificateResponse"
_BEGIN, _END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"


def _pem(label: str = "CERTIFICATE", size: int = 900) -> str:
    body = base64.encodebytes(secrets.token_bytes(size)).decode()
    return f"-----BEGIN {label}-----\n{body}-----END {label}-----\n"


_CA = _pem()


def _check_pem(text: str, what: str = "certificate") -> None:
    text = text.strip()
    if not (text.startswith(_BEGIN) and text.endswith(_END)):
        raise param_error(f"Failed to parse {what}: expected a PEM block between {_BEGIN} and {_END}")


def _provider(ctx: Context) -> None:
    if ctx.arg("provider") and str(ctx.arg("provider")).lower() != "root":
        raise param_error(f"Failed to find CA provider plugin: {ctx.arg('provider')}; the available provider is 'root'")


@handles("listCAProviders")
def ca_providers(ctx: Context) -> ListAnswer:
    items = [{"name": "root", "description": "CloudStack's Root CA provider plugin"}]
    if ctx.arg("name"):
        items = [i for i in items if i.get("name") == str(ctx.arg("name")).lower()]
    return ListAnswer("caprovider", items, len(items), view=lambda e: e)


@handles("listCaCertificate")
def ca_certificate(ctx: Context) -> ObjectAnswer:
    _provider(ctx)
    return ObjectAnswer("cacertificates", {"certificates": _CA})


@handles("issueCertificate")
def issue(ctx: Context) -> ObjectAnswer:
    _provider(ctx)
    if not (ctx.arg("csr") or ctx.arg("domain") or ctx.arg("ipaddress")):
        raise param_error("Please provide a CSR, or domain names and/or IP addresses for the certificate")
    if ctx.arg("csr") and "CERTIFICATE REQUEST" not in str(ctx.arg("csr")):
        raise param_error("Failed to parse the CSR: expected a PEM certificate request")
    duration = ctx.arg("duration") or 365
    if not 1 <= duration <= 3650:
        raise param_error("Certificate duration must be between 1 and 3650 days")
    out = {"certificate": _pem(), "cacertificates": _CA}
    if not ctx.arg("csr"):
        out["privatekey"] = _pem("PRIVATE KEY", 1200)
    return ObjectAnswer("certificates", out)


@handles("provisionCertificate")
def provision(ctx: Context) -> SuccessAnswer:
    _provider(ctx)
    host = ctx.entity("HostResponse", "hostid")
    if host.get("state") != "Up":
        raise param_error(
            f"Unable to provision certificate to host {host.get('name')}: it is not connected (state {host.get('state')})"
        )
    host["_certificate"] = now_text()
    return SuccessAnswer()


@handles("revokeCertificate")
def revoke(ctx: Context) -> SuccessAnswer:
    _provider(ctx)
    serial = str(ctx.arg("serial"))
    try:
        int(serial, 16)
    except ValueError as exc:
        raise param_error(f"Invalid certificate serial number {serial}: expected hexadecimal") from exc
    return SuccessAnswer()


@handles("uploadCustomCertificate")
def upload_custom(ctx: Context) -> ObjectAnswer:
    _check_pem(str(ctx.arg("certificate")))
    if ctx.arg("privatekey") and "PRIVATE KEY" not in str(ctx.arg("privatekey")):
        raise param_error("Failed to parse the private key: expected a PEM private key")
    if ctx.arg("id") is not None and not ctx.arg("name"):
        raise param_error("A chain certificate (id > 1) also needs a name")
    message = (
        "Certificate has been successfully updated, if its the server certificate we would reboot all running console "
        "proxy VMs and secondary storage VMs to propagate the new certificate, please give a few minutes for console "
        "access and storage services service to be up and working again"
    )
    return ObjectAnswer("customcertificate", {"message": message})


def _hosts(ctx: Context, zone_id: str, hypervisor: str, host_id: str | None) -> list[Entity]:
    return [
        h
        for h in ctx.store.all("HostResponse")
        if h.get("zoneid") == zone_id
        and h.get("hypervisor") == hypervisor
        and h.get("type") == "Routing"
        and (host_id is None or h["id"] == host_id)
    ]


def _status(host: Entity, ok: bool, details: str) -> dict:
    return {"hostid": host["id"], "hostname": host.get("name"), "status": ok, "details": details}


@handles("uploadTemplateDirectDownloadCertificate")
def upload_direct(ctx: Context) -> ObjectAnswer:
    _check_pem(str(ctx.arg("certificate")))
    zone = ctx.entity("ZoneResponse", "zoneid")
    hypervisor = str(ctx.arg("hypervisor"))
    if hypervisor.upper() != "KVM":
        raise param_error("Currently supporting KVM hosts only")
    name = str(ctx.arg("name"))
    if any(c.get("alias") == name and c.get("zoneid") == zone["id"] for c in ctx.store.all(CERT)):
        raise param_error(f"Certificate with alias {name} already exists in zone {zone['name']}")
    host_id = ctx.arg("hostid")
    hosts = _hosts(ctx, zone["id"], "KVM", host_id)
    serial = secrets.token_hex(8)
    cert = ctx.store.add(
        CERT,
        {
            "alias": name,
            "zoneid": zone["id"],
            "zonename": zone.get("name"),
            "hypervisor": "KVM",
            "version": "3",
            "subject": f"CN={name}",
            "issuer": "CN=Simulated CA",
            "serialnum": serial,
            "validity": "From: Mon Jan 01 00:00:00 UTC 2024 - To: Thu Jan 01 00:00:00 UTC 2034",
            "hostsmap": [_status(h, True, "Certificate uploaded") for h in hosts if h.get("state") == "Up"],
            "_variant": "templatedirectdownloadcertificate",
        },
    )
    return ObjectAnswer("directdownloadcertificate", cert)


@handles("listTemplateDirectDownloadCertificates")
def list_direct(ctx: Context) -> ListAnswer:
    certs = [
        c
        for c in ctx.store.all(CERT)
        if (not ctx.arg("id") or c["id"] == ctx.arg("id"))
        and (not ctx.arg("zoneid") or c.get("zoneid") == ctx.arg("zoneid"))
    ]
    items, total = page(ctx, certs)
    show_hosts = bool(ctx.arg("listhosts"))
    return ListAnswer(
        "directdownloadcertificate",
        items,
        total,
        view=lambda c: {k: v for k, v in c.items() if not k.startswith("_") and (show_hosts or k != "hostsmap")},
    )


@handles("provisionTemplateDirectDownloadCertificate")
def provision_direct(ctx: Context) -> ObjectAnswer:
    cert = ctx.entity(CERT, "id")
    host = ctx.entity("HostResponse", "hostid")
    if host.get("zoneid") != cert.get("zoneid"):
        raise param_error(f"Host {host.get('name')} is not in the zone of certificate {cert.get('alias')}")
    ok = host.get("state") == "Up"
    status = _status(host, ok, "Certificate provisioned" if ok else f"Host is {host.get('state')}")
    if ok:
        cert["hostsmap"] = [s for s in cert.get("hostsmap", []) if s.get("hostid") != host["id"]] + [status]
    return ObjectAnswer("directdownloadcertificatehoststatus", status)


@handles("revokeTemplateDirectDownloadCertificate")
def revoke_direct(ctx: Context) -> ListAnswer:
    zone = ctx.entity("ZoneResponse", "zoneid")
    if ctx.arg("id"):
        cert = ctx.entity(CERT, "id")
    else:
        if not (ctx.arg("name") and ctx.arg("hypervisor")):
            raise param_error("Please pass the certificate id, or its name and hypervisor")
        cert = next(
            (c for c in ctx.store.all(CERT) if c.get("alias") == ctx.arg("name") and c.get("zoneid") == zone["id"]),
            None,
        )
        if cert is None:
            raise param_error(f"Unable to find certificate {ctx.arg('name')} in zone {zone['name']}")
    host_id = ctx.arg("hostid")
    revoked = [s for s in cert.get("hostsmap", []) if host_id is None or s.get("hostid") == host_id]
    cert["hostsmap"] = [s for s in cert.get("hostsmap", []) if s not in revoked]
    if host_id is None:
        ctx.store.remove(CERT, cert["id"])
    items = [{**s, "details": "Certificate revoked"} for s in revoked]
    return ListAnswer("directdownloadcertificatehoststatus", items, len(items), view=lambda e: e)
