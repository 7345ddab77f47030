"""Helpers shared by the simulator tests: a signed client and valid values for any API's parameters."""

from __future__ import annotations

import itertools
from typing import Any

import httpx2 as httpx

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.cloudstack.signing import sign
from cloudstack_mcp.simulator import Credentials, Simulator

CLOUDSTACK_ERRORS = frozenset({400, 401, 405, 429, 430, 431, 432, 511, 530, 531, 532, 533, 534, 535, 536, 537})
DESTRUCTIVE = (
    "delete",
    "remove",
    "destroy",
    "expunge",
    "release",
    "revoke",
    "disassociate",
    "purge",
    "cancel",
    "detach",
    "reset",
    "stop",
    "disable",
    "shutdown",
    "prepare",
    "lock",
    "archive",
    "migrate",
    "change",
)


class Signed:
    """A keep-alive client that signs every call with one user's keys."""

    def __init__(
        self,
        sim: Simulator | None,
        who: str = "admin",
        credentials: Credentials | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.endpoint = endpoint or (sim.endpoint if sim else "")
        cred = credentials or (sim.credentials[who] if sim else None)
        assert cred is not None, "give a simulator or credentials"
        self.cred = cred
        self.http = httpx.Client(timeout=10)

    def params(self, command: str, **params: Any) -> dict[str, str]:
        p = {
            "command": command,
            "response": "json",
            "apiKey": self.cred.api_key,
            **{k: str(v) for k, v in params.items()},
        }
        p["signature"] = sign(p, self.cred.secret_key)
        return p

    def get(self, command: str, **params: Any) -> httpx.Response:
        return self.http.get(self.endpoint, params=self.params(command, **params))

    def post(self, command: str, **params: Any) -> httpx.Response:
        return self.http.post(self.endpoint, data=self.params(command, **params))

    def ok(self, command: str, **params: Any) -> dict[str, Any]:
        r = self.get(command, **params)
        assert r.status_code == 200, r.text
        (body,) = r.json().values()
        return body

    def close(self) -> None:
        self.http.close()


_COUNTER = itertools.count(1)
_PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUWalk\n-----END CERTIFICATE-----"
# Valid values for string parameters whose meaning the server checks (an enum, a URL, an address...).
_STRINGS = {
    "provider": "NFS",
    "hypervisor": "KVM",
    "clustertype": "CloudManaged",
    "networktype": "Advanced",
    "templatefilter": "featured",
    "isofilter": "featured",
    "format": "QCOW2",
    "intervaltype": "DAILY",
    "schedule": "00:01",
    "timezone": "UTC",
    "type": "TEMPLATE",
    "protocol": "tcp",
    "algorithm": "roundrobin",
    "cidr": "10.60.0.0/24",
    "cidrlist": "10.60.0.0/24",
    "gateway": "10.0.50.1",
    "netmask": "255.255.255.0",
    "startip": "10.0.50.10",
    "endip": "10.0.50.20",
    "subnet": "10.{n}.0.0/16",
    "prefix": "fd17:ac56:{n}::/48",
    "dns1": "9.9.9.9",
    "internaldns1": "10.0.0.2",
    "email": "walk{n}@example.org",
    "username": "walk{n}",
    "password": "Secret-123",
    "certificate": _PEM,
    "publickey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGE= walk",
    "serial": "1a2b{n}",
    "vcenter": "vcenter.example.org",
    "name": "walk-{n}",
    "clustername": "walk-{n}",
    "account": "walk{n}",
    "firstname": "Walk",
    "lastname": "Er",
    "domainsuffix": "example.org",
    "heuristicrule": "secondaryStorages[0].id",
    "description": "made by the walk",
    "displaytext": "walk",
}


def _string(api: ApiSpec, name: str) -> str:
    n = next(_COUNTER)
    if name == "url":
        if "Template" in api.name or "Iso" in api.name:
            return f"http://images.example.org/walk-{n}.qcow2"
        if "Host" in api.name:
            return f"http://10.0.34.{n % 250}"
        return f"nfs://10.0.40.{n % 250}/export/walk-{n}"
    return _STRINGS.get(name, "sim-value").format(n=n % 250)


def value_for(sim: Simulator, api: ApiSpec, name: str, ptype: str, element: str | None) -> dict[str, str]:
    """A valid value for one parameter: real ids from the simulator's own state for uuids."""
    info = sim.cloud.index.find(api.name)
    assert info is not None
    if ptype == "map":
        return {f"{name}[0].key": "simkey", f"{name}[0].value": "simvalue"}
    kind_type = element if ptype == "list" else ptype
    if kind_type == "uuid":
        kind = info.param_kinds.get(name.lower())
        store = sim.cloud.store
        # The newest entity of the kind: never the caller's own account, user or domain (seeded first).
        entity = next(reversed(list(store.all(kind))), None) if kind else None
        if entity is None:
            entity = next(iter(store.all("ZoneResponse")))
        return {name: entity["id"]}
    return {
        name: {
            "integer": "1",
            "long": "1",
            "short": "1",
            "boolean": "true",
            "date": "2030-01-01",
            "tzdate": "2030-01-01T00:00:00+0000",
            "double": "1.0",
            "float": "1.0",
        }.get(kind_type or "string")
        or _string(api, name.lower())
    }


def required_values(sim: Simulator, api: ApiSpec) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in api.required_params:
        out.update(value_for(sim, api, p.name, p.type, p.collection_type))
    return out


def walk_order(names: list[str]) -> list[str]:
    """Non-destructive APIs first, so deletes do not remove what later calls need."""
    return sorted(names, key=lambda n: (n.startswith(DESTRUCTIVE), n))


def is_cloudstack_answer(response: httpx.Response) -> bool:
    """200 with a JSON envelope, or a CloudStack error: status = errorcode, with errortext."""
    try:
        body = response.json()
    except ValueError:
        return False
    if not isinstance(body, dict) or len(body) != 1:
        return False
    (inner,) = body.values()
    if response.status_code == 200:
        return isinstance(inner, dict) and "errorcode" not in inner
    return (
        response.status_code in CLOUDSTACK_ERRORS
        and isinstance(inner, dict)
        and inner.get("errorcode") == response.status_code
        and bool(inner.get("errortext"))
    )
