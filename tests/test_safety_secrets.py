"""Secret leak test: a scripted session over stdio that sets and reads secrets (S3 image store keys, user
keys, login password, certificate private key). None of the values appears in the server's logs (debug
level), the audit log, error texts or echoed arguments; a new key is shown to the user once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import Client
from mcp.client.stdio import stdio_client

from cloudstack_mcp.simulator import Simulator
from tests.apidata import WALK_420, needs_shared
from tests.core_helpers import server_params, text

pytestmark = pytest.mark.anyio

S3_ACCESS = "AKIALEAKTEST0001"
S3_SECRET = "s3-secret-leak-test-0002"
MAP_ACCESS = "AKIAMAPLEAK0004"
MAP_SECRET = "map-secret-leak-0005"
USER_PASSWORD = "user-password-leak-0006"
NEW_PASSWORD = "new-password-leak-0007"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nprivkey-leak-0008\n-----END PRIVATE KEY-----"
CERT_PASSWORD = "cert-pass-leak-0009"
BAD_SECRET = "bad-type-secret-0010"  # given as a list: the argument error must not echo it
SECRETS = [S3_ACCESS, S3_SECRET, MAP_ACCESS, MAP_SECRET, USER_PASSWORD, NEW_PASSWORD, "privkey-leak-0008",
           CERT_PASSWORD, BAD_SECRET]  # fmt: skip


def everything(result: types.CallToolResult) -> str:
    return text(result) + "\n" + json.dumps(result.structured_content)


async def confirmed(client: Client, tool: str, args: dict[str, Any]) -> types.CallToolResult:
    """Call; when the server asks for the phrase, call again with it (what a model does once the user agrees)."""
    first = await client.call_tool(tool, args)
    data = first.structured_content or {}
    if not data.get("confirmation_required"):
        return first
    return await client.call_tool(tool, {**args, "confirm": data["phrase"]})


@pytest.mark.slow
@needs_shared
async def test_no_secret_leaks_anywhere(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    stderr_path = tmp_path / "stderr.log"
    seen: list[str] = []  # every text and structured answer the model saw, but the shown-once answer
    with Simulator(WALK_420, job_seconds=0).running() as sim:
        params = server_params(
            tmp_path,
            "--api-spec", str(WALK_420), "--toolsets", "all", "--log-level", "debug", "--audit-log", str(audit),
            sim=sim,
            CLOUDSTACK_MCP_CONFIRM_MODE="phrase",
        )  # fmt: skip
        with stderr_path.open("w") as errlog:
            async with Client(stdio_client(params, errlog=errlog)) as client:
                # S3 secondary storage: dedicated API, and the generic one with a details map
                r = await client.call_tool(
                    "add_image_store_s3",
                    {"accesskey": S3_ACCESS, "secretkey": S3_SECRET, "endpoint": "s3.example", "bucket": "tpl"},
                )
                seen.append(everything(r))
                r = await client.call_tool(
                    "add_image_store",
                    {
                        "name": "s3-map",
                        "provider": "S3",
                        "details": [
                            {"key": "accesskey", "value": MAP_ACCESS},
                            {"key": "secretkey", "value": MAP_SECRET},
                            {"key": "bucket", "value": "tpl2"},
                        ],
                    },
                )
                seen.append(everything(r))
                # dry run and a bad argument echo nothing
                r = await client.call_tool(
                    "add_image_store_s3",
                    {"accesskey": S3_ACCESS, "secretkey": S3_SECRET, "endpoint": "e", "bucket": "b", "dry_run": True},
                )
                assert "nothing was sent" in text(r)
                seen.append(everything(r))
                r = await client.call_tool(
                    "add_image_store_s3",
                    {"accesskey": S3_ACCESS, "secretkey": [BAD_SECRET], "endpoint": "e", "bucket": "b"},
                )
                assert r.is_error and "secretkey" in text(r)
                seen.append(everything(r))
                # a user with a password, logging in, changing the password
                accounts = await client.call_tool("list_accounts", {"listall": True, "fields": ["*"]})
                account = accounts.structured_content["account"][0]
                r = await confirmed(  # a new user changes who may do what: confirmed by default (issue 11)
                    client,
                    "create_user",
                    {"account": account["name"], "domainid": account["domainid"], "email": "leak@example.com",
                     "firstname": "Leak", "lastname": "Test", "username": "leaktest", "password": USER_PASSWORD},
                )  # fmt: skip
                seen.append(everything(r))
                user_id = r.structured_content["user"]["id"]
                r = await client.call_tool("login", {"username": "leaktest", "password": USER_PASSWORD})
                seen.append(everything(r))
                r = await client.call_tool("login", {"username": "leaktest", "password": USER_PASSWORD + "-wrong"})
                seen.append(everything(r))
                r = await confirmed(client, "update_user", {"id": user_id, "password": NEW_PASSWORD})
                seen.append(everything(r))
                # a certificate with its private key and password
                r = await client.call_tool(
                    "upload_ssl_cert",
                    {"name": "leak-cert", "certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
                     "privatekey": PRIVATE_KEY, "password": CERT_PASSWORD},
                )  # fmt: skip
                seen.append(everything(r))
                # new API keys: shown once to the user, masked everywhere else
                keys = await confirmed(client, "register_user_keys", {"id": user_id})
                assert not keys.is_error, text(keys)
                r = await client.call_tool("list_users", {"id": user_id})
                seen.append(everything(r))
                r = await client.call_tool("call_api", {"name": "listImageStores", "arguments": {}})
                seen.append(everything(r))

    user = _from_sim(sim, user_id)
    new_keys = [user["apikey"], user["_secretkey"]]  # the simulator's own record of the keys it made
    assert all(len(k) > 20 for k in new_keys)
    shown = text(keys)
    assert all(key in shown for key in new_keys), "the new keys are shown to the user once"
    assert not any(key in json.dumps(keys.structured_content) for key in new_keys)
    logs = stderr_path.read_text()
    audit_text = audit.read_text()
    assert "addImageStoreS3" in audit_text and "registerUserKeys" in audit_text and len(logs) > 1000
    for secret in [*SECRETS, *new_keys]:
        assert secret not in logs, f"{secret} in the server's log"
        assert secret not in audit_text, f"{secret} in the audit log"
        for answer in seen:
            assert secret not in answer, f"{secret} in an answer: {answer[:300]}"
    # the simulator did receive the real values (they were masked only on our side)
    received = json.dumps([r.params for r in sim.requests])
    assert S3_SECRET in received and MAP_SECRET in received and "privkey-leak-0008" in received
    # ... in a POST form, never in a URL (where access logs on the way would keep them)
    carrying = [
        r for r in sim.requests if any(x in json.dumps(r.params) for x in (S3_SECRET, MAP_SECRET, NEW_PASSWORD))
    ]
    assert carrying and all(r.method == "POST" for r in carrying)


def _from_sim(sim: Simulator, user_id: str) -> Any:
    return next(u for u in sim.cloud.store.all("UserResponse") if u["id"] == user_id)
