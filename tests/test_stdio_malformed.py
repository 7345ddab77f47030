"""Malformed lines on stdio: each gets a JSON-RPC error reply within a second, and the next call is served.

The real server (`python -m cloudstack_mcp`, built-in simulator) over raw pipes: the inputs an SDK client
would never send, written as bytes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cloudstack_mcp.server.wire import MAX_LINE_BYTES, check_line
from tests.core_helpers import isolated_env

INIT = {
    "jsonrpc": "2.0", "id": 0, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}},
}  # fmt: skip
DEEP = b"[" * 5000 + b"]" * 5000
# (input, expected code, expected id)
MALFORMED: list[tuple[str, bytes, int, Any]] = [
    ("not json", b"this is not json", -32700, None),
    ("truncated", b'{"jsonrpc": "2.0", "id": ', -32700, None),
    ("lone surrogate, escaped", b'{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"\\ud800"}}', -32602, 11),
    ("lone surrogate, raw bytes", b'{"jsonrpc":"2.0","id":"s","method":"ping","params":{"x":"\xed\xa0\x80"}}', -32602, "s"),
    ("lone surrogate, no id", b'"\\udc00"', -32700, None),
    ("nesting of 5000", DEEP, -32700, None),
    ("nesting of 5000 in params", b'{"jsonrpc":"2.0","id":12,"method":"ping","params":{"a":' + DEEP + b"}}", -32602, 12),
    ("5000-digit id", b'{"jsonrpc":"2.0","id":' + b"7" * 5000 + b',"method":"ping"}', -32700, None),
    ("float id", b'{"jsonrpc":"2.0","id":1.5,"method":"ping"}', -32600, None),
    ("no method", b'{"jsonrpc":"2.0","id":13}', -32600, 13),
    ("params not an object", b'{"jsonrpc":"2.0","id":14,"method":"ping","params":[1]}', -32602, 14),
    ("batch array", b'[{"jsonrpc":"2.0","id":15,"method":"ping"}]', -32600, 15),
]  # fmt: skip


class Wire:
    """The server's stdin and stdout as bytes; `reply` waits at most `timeout` seconds for one line."""

    def __init__(self, proc: subprocess.Popen[bytes]):
        self.proc = proc

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data + b"\n")
        self.proc.stdin.flush()

    def reply(self, timeout: float = 1.0) -> dict[str, Any]:
        import selectors

        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            assert sel.select(timeout), f"no reply within {timeout} s"
        line = self.proc.stdout.readline()
        assert line, "the server closed stdout"
        return json.loads(line)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("malformed")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloudstack_mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, env=isolated_env(tmp), cwd=tmp,
    )  # fmt: skip
    w = Wire(proc)
    try:
        w.send(json.dumps(INIT).encode())
        assert w.reply(timeout=60)["result"]["serverInfo"]["name"] == "cloudstack-mcp"
        w.send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}')
        yield w
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=30)
        proc.stdout.close()  # type: ignore[union-attr]


@pytest.mark.parametrize(("line", "code", "ident"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_each_malformed_line_gets_an_error_reply_and_the_next_call_works(
    wire: Wire, line: bytes, code: int, ident: Any
) -> None:
    started = time.monotonic()
    wire.send(line)
    answer = wire.reply(timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert answer["jsonrpc"] == "2.0" and answer["id"] == ident and answer["error"]["code"] == code
    assert answer["error"]["message"]
    wire.send(json.dumps({"jsonrpc": "2.0", "id": 99, "method": "tools/call",
                          "params": {"name": "list_zones", "arguments": {}}}).encode())  # fmt: skip
    served = wire.reply(timeout=10)
    assert served["id"] == 99 and served["result"]["isError"] is False
    assert "zone" in served["result"]["content"][0]["text"].lower()


def test_blank_lines_are_skipped_and_an_over_long_line_is_answered(wire: Wire) -> None:
    wire.send(b"   ")  # nothing to answer
    head = b'{"jsonrpc":"2.0","id":21,"method":"tools/call","params":{"name":"x","arguments":{"blob":"'
    wire.send(head + b"x" * (MAX_LINE_BYTES + 10) + b'"}}}')
    answer = wire.reply(timeout=5)
    assert answer["id"] == 21 and answer["error"]["code"] == -32600
    assert str(MAX_LINE_BYTES) in answer["error"]["message"]
    wire.send(b'{"jsonrpc":"2.0","id":22,"method":"ping"}')
    assert wire.reply() == {"jsonrpc": "2.0", "id": 22, "result": {}}


def test_a_good_line_is_one_parse_and_passes_unchanged() -> None:
    message, replies = check_line(b'{"jsonrpc":"2.0","id":"a","method":"tools/list"}')
    assert replies == [] and message is not None and message.id == "a"  # type: ignore[union-attr]
    note, replies = check_line(b'{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}')
    assert replies == [] and note is not None


def test_the_limits_are_documented() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "tools.md").read_text()
    assert "32 MiB" in docs and "200 levels" in docs and "64 characters" in docs
