"""The server key confirmation phrases are derived from (a keyed MAC: nobody without it can make one).

Where it comes from, first found wins:

1. `CLOUDSTACK_MCP_CONFIRM_KEY` (at least 32 characters): for instances that share no disk;
2. the key file (`--confirm-key-file`, default `$XDG_STATE_HOME/cloudstack-mcp/confirm.key`),
   created on first use with 32 random bytes, mode 0600. Several instances pointed at one file
   (or given one variable) verify each other's phrases; another install has another key.

A key file that others may read is tightened to 0600 (with a warning): a key another local user
can read lets them confirm calls in the server's name.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from pathlib import Path

__all__ = ["KEY_BYTES", "KeyError_", "load_key"]

log = logging.getLogger(__name__)

KEY_BYTES = 32
_MIN_VARIABLE = 32


class KeyError_(Exception):  # noqa: N801  (not the builtin KeyError)
    """The phrase key could not be read or created (the message says where and why)."""


def load_key(variable: str | None, path: Path) -> bytes:
    """The phrase key from the variable's text, else from the file at `path` (created when missing)."""
    if variable:
        if len(variable) < _MIN_VARIABLE:
            raise KeyError_(f"CLOUDSTACK_MCP_CONFIRM_KEY is too short: use at least {_MIN_VARIABLE} random characters")
        return variable.encode("utf-8")
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise KeyError_(f"cannot read the confirmation key {path}: {exc.strerror or exc}") from None
    key = secrets.token_bytes(KEY_BYTES)
    # Written in full under a temporary name, then linked into place: another instance starting at the same
    # moment either finds no file or a whole one, and the first link wins.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.hex().encode())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return _read(path)
    except OSError as exc:
        raise KeyError_(f"cannot create the confirmation key {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return key


def _read(path: Path) -> bytes:
    st = path.stat()
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("confirmation key %s was readable by others: set to mode 0600", path)
        with contextlib.suppress(OSError):
            path.chmod(0o600)
    text = path.read_bytes().strip()
    if len(text) < _MIN_VARIABLE:
        raise KeyError_(f"the confirmation key {path} is too short (delete it to make a new one)")
    try:
        return bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return text  # a key written by hand: its bytes are the key
