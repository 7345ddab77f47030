"""Request signing: the shared vectors (incl. `~`), and `cs` as an independent reference."""

from __future__ import annotations

import ast
import json
from datetime import datetime, timezone

import pytest
from cs.client import CloudStack
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudstack_mcp.cloudstack.signing import encode_value, expires_at, sign, string_to_sign
from cloudstack_mcp.simulator.wire import verify
from tests.apidata import ROOT, SIGNATURE_VECTORS

VECTORS = json.loads(SIGNATURE_VECTORS.read_text())


def cs_signature(params: dict[str, str], secret: str) -> str:
    data = dict(params)
    CloudStack(endpoint="http://unused/client/api", key="k", secret=secret)._sign(data)
    return data["signature"]


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["params"]["command"])
def test_signature_vectors(vector: dict) -> None:
    assert string_to_sign(vector["params"]) == vector["string_to_sign"]
    assert sign(vector["params"], VECTORS["secret"]) == vector["signature"]


def test_tilde_is_encoded_where_cs_is_wrong() -> None:
    (vector,) = [v for v in VECTORS["vectors"] if "~" in json.dumps(v["params"])]
    assert "%7ed" in string_to_sign(vector["params"])
    # cs leaves "~" as is, so its signature is not the one the server computes.
    assert cs_signature(vector["params"], VECTORS["secret"]) != vector["signature"]
    assert sign(vector["params"], VECTORS["secret"]) == vector["signature"]


def test_encode_value_like_java_urlencoder() -> None:
    assert encode_value("a b*c~d:+/=é") == "a%20b*c%7Ed%3A%2B%2F%3D%C3%A9"
    assert encode_value("A-Z_a.z0-9") == "A-Z_a.z0-9"


def test_signature_name_excluded_and_java_order() -> None:
    params = {"b": "1", "B": "2", "a[0].x": "3", "signature": "ignored"}
    # Java String order: upper case before "[" before lower case.
    assert string_to_sign(params) == "b=2&a[0].x=3&b=1"


def test_expires_format() -> None:
    now = datetime(2030, 1, 1, 0, 0, 0, tzinfo=timezone.utc)
    assert expires_at(90, now) == "2030-01-01T00:01:30+0000"


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="~", max_codepoint=0xFFFF), max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-zA-Z][a-zA-Z0-9_.\[\]]{0,12}", fullmatch=True), _text, min_size=1))
def test_same_signature_as_cs_without_tilde(params: dict[str, str]) -> None:
    params = {k: v for k, v in params.items() if k.lower() != "signature"}
    assert sign(params, "secret") == cs_signature(params, "secret")


# ---- the simulator's verifier (simulator/wire/verify.py), written apart from the signer -----------------


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["params"]["command"])
def test_signature_vectors_on_the_simulator_side(vector: dict) -> None:
    assert verify.string_to_sign(vector["params"]) == vector["string_to_sign"]
    assert verify.signature_matches(vector["params"], VECTORS["secret"], vector["signature"])
    assert not verify.signature_matches(vector["params"], VECTORS["secret"] + "x", vector["signature"])


def test_simulator_sorts_and_encodes_like_the_server() -> None:
    assert verify.string_to_sign({"b": "1", "B": "2", "a[0].x": "3", "Signature": "ignored"}) == "b=2&a[0].x=3&b=1"
    assert verify.string_to_sign({"v": "a b*c~d:+/=é"}) == "v=a%20b*c%7ed%3a%2b%2f%3d%c3%a9"


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-zA-Z][a-zA-Z0-9_.\[\]]{0,12}", fullmatch=True), st.text(max_size=20), min_size=1))
def test_what_the_client_signs_the_simulator_verifies(params: dict[str, str]) -> None:
    params = {k: v for k, v in params.items() if k.lower() != "signature"}
    assert verify.signature_matches(params, "secret", sign(params, "secret"))


def test_the_simulator_does_not_use_the_client_signer() -> None:
    """Its own implementation, so that a signing bug cannot cancel out on both sides."""
    package = ROOT / "cloudstack_mcp" / "simulator"
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert "cloudstack_mcp.cloudstack.signing" not in imported, path
