"""`cloudstack-mcp config --client NAME`: the snippet that connects an MCP client to this server.

GUI clients start the server without the user's shell, so the snippet names the command by its
absolute path (inside a virtual environment too) and carries the settings now in effect. Secrets are
never printed: a connection read from cloudstack.ini is passed as CLOUDSTACK_CONFIG (the keys stay in
the file); one from environment variables is referenced the way each client can (VS Code asks with a
password input, Cursor reads `${env:...}`, Claude Code's line expands the shell's variables), and
Claude Desktop, which can do neither, gets a placeholder to replace.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cloudstack_mcp.config import Settings, connection_sources, default_audit_path, default_cache_dir

__all__ = ["CLIENTS", "client_snippet", "server_command"]

# client -> (what it is, where its configuration lives)
CLIENTS: dict[str, tuple[str, str]] = {
    "claude-desktop": (
        "Claude Desktop",
        "macOS: ~/Library/Application Support/Claude/claude_desktop_config.json; "
        "Windows: %APPDATA%\\Claude\\claude_desktop_config.json; Linux (unofficial builds): ~/.config/Claude/claude_desktop_config.json "
        "(Settings > Developer > Edit Config opens it); restart Claude Desktop after saving",
    ),
    "claude-code": ("Claude Code", "run the line in a shell; `claude mcp list` shows it"),
    "vscode": ("VS Code", ".vscode/mcp.json in the workspace (or MCP: Open User Configuration)"),
    "cursor": ("Cursor", "~/.cursor/mcp.json (every project) or .cursor/mcp.json (this project)"),
}

_SECRET_VARS = {"key": "CLOUDSTACK_KEY", "secret": "CLOUDSTACK_SECRET", "password": "CLOUDSTACK_PASSWORD"}


def server_command() -> list[str]:
    """The absolute command that runs this server as it is installed (a GUI client has no PATH of ours)."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name.startswith("cloudstack-mcp") and script.exists():
        return [str(script.resolve())]
    found = shutil.which("cloudstack-mcp")
    if found:
        return [str(Path(found).resolve())]
    return [sys.executable, "-m", "cloudstack_mcp"]  # run as `python -m cloudstack_mcp`


def _options(settings: Settings, env: Mapping[str, str]) -> dict[str, str]:
    """The server options now in effect that differ from the defaults, as CLOUDSTACK_MCP_* variables."""
    out: dict[str, str] = {}
    for name, var in (
        ("toolsets", "CLOUDSTACK_MCP_TOOLSETS"),
        ("tools", "CLOUDSTACK_MCP_TOOLS"),
        ("exclude_tools", "CLOUDSTACK_MCP_EXCLUDE_TOOLS"),
        ("allow_tools", "CLOUDSTACK_MCP_ALLOW_TOOLS"),
        ("deny_tools", "CLOUDSTACK_MCP_DENY_TOOLS"),
    ):
        if getattr(settings, name):
            out[var] = ",".join(getattr(settings, name))
    if settings.read_only:
        out["CLOUDSTACK_MCP_READ_ONLY"] = "true"
    if settings.api_spec is not None:
        out["CLOUDSTACK_MCP_API_SPEC"] = str(Path(settings.api_spec).resolve())
    defaults = Settings()
    if settings.confirm_mode != defaults.confirm_mode:
        out["CLOUDSTACK_MCP_CONFIRM_MODE"] = settings.confirm_mode
    if settings.confirm_level != defaults.confirm_level:
        out["CLOUDSTACK_MCP_CONFIRM_LEVEL"] = settings.confirm_level.name.lower()
    if settings.audit_log is None:
        out["CLOUDSTACK_MCP_AUDIT_LOG"] = "off"
    elif settings.audit_log != default_audit_path(env):
        out["CLOUDSTACK_MCP_AUDIT_LOG"] = str(Path(settings.audit_log).resolve())
    if settings.cache_dir != default_cache_dir(env):
        out["CLOUDSTACK_MCP_CACHE_DIR"] = str(Path(settings.cache_dir).resolve())
    if settings.output != "text":
        out["CLOUDSTACK_MCP_OUTPUT"] = settings.output
    if settings.simulator_state is None:
        out["CLOUDSTACK_MCP_SIMULATOR_STATE"] = "off"
    elif settings.simulator_state != default_audit_path(env).parent:
        out["CLOUDSTACK_MCP_SIMULATOR_STATE"] = str(Path(settings.simulator_state).resolve())
    return out


def _connection(settings: Settings, sources: Mapping[str, str], secret_ref: Any) -> tuple[dict[str, str], list[str]]:
    """(env entries, notes): values that are no secret as they are, secrets by reference."""
    if settings.use_simulator:
        return {}, ["No CloudStack is configured: the server will use its built-in simulator."]
    env: dict[str, str] = {}
    notes: list[str] = []
    ini = next((s for s in sources.values() if " key '" in s and "[" in s), None)
    if ini is not None:
        # cs convention: the ini file holds the keys; point at it instead of copying them.
        where = ini.split(" [", 1)[0].split(", ")[-1]
        env["CLOUDSTACK_CONFIG"] = str(Path(where).resolve())
        if settings.region:
            env["CLOUDSTACK_REGION"] = settings.region
        notes.append(f"The keys stay in {where} (passed as CLOUDSTACK_CONFIG); nothing secret is copied here.")
    for key, var in (("endpoint", "CLOUDSTACK_ENDPOINT"), ("username", "CLOUDSTACK_USERNAME")):
        source = sources.get(key, "")
        if source and "[" not in source and getattr(settings, key, None):
            env[var] = str(getattr(settings, key))
    if sources.get("domain") and "[" not in sources["domain"]:
        env["CLOUDSTACK_DOMAIN"] = settings.domain
    if isinstance(settings.verify, str) and "[" not in sources.get("verify", "["):
        env["CLOUDSTACK_VERIFY"] = str(Path(settings.verify).resolve())
    for key, var in _SECRET_VARS.items():
        source = sources.get(key, "")
        if source and "[" not in source:
            env[var] = secret_ref(var)
    return env, notes


def client_snippet(client: str, settings: Settings, flags: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """(snippet, where it goes) for `client`, with the current settings; secrets referenced."""
    if client not in CLIENTS:
        raise ValueError(f"unknown client {client!r}: use one of {', '.join(CLIENTS)}")
    sources = connection_sources(flags)
    command = server_command()
    env_now = dict(os.environ)
    options = _options(settings, env_now)
    title, where = CLIENTS[client]
    if client == "vscode":
        inputs: list[dict[str, Any]] = []

        def ask(var: str) -> str:
            ident = var.lower().replace("_", "-")
            inputs.append({"type": "promptString", "id": ident, "description": f"CloudStack: {var}", "password": True})
            return f"${{input:{ident}}}"

        env, notes = _connection(settings, sources, ask)
        server: dict[str, Any] = {"type": "stdio", "command": command[0], "args": command[1:]}
        if env or options:
            server["env"] = {**env, **options}
        doc: dict[str, Any] = {"servers": {"cloudstack": server}}
        if inputs:
            doc = {"inputs": inputs, **doc}
        return json.dumps(doc, indent=2), _where(title, where, notes)
    if client == "claude-code":
        env, notes = _connection(settings, sources, lambda var: f'"${var}"')
        parts = ["claude", "mcp", "add", "cloudstack", "--scope", "user"]
        for name, value in {**env, **options}.items():
            # a "$VAR" reference is left for the shell to expand; any other value is quoted as it is
            parts += ["-e", f"{name}={value}" if value.startswith('"$') else shlex.quote(f"{name}={value}")]
        line = " ".join(parts) + " -- " + " ".join(shlex.quote(c) for c in command)
        return line, _where(title, where, notes)
    if client == "cursor":
        env, notes = _connection(settings, sources, lambda var: f"${{env:{var}}}")
        notes.append("Secrets are read from Cursor's environment (${env:...}): start Cursor where they are set.")
    else:  # claude-desktop: no variable expansion
        env, notes = _connection(settings, sources, lambda var: f"<replace with your {var}>")
        if any(v.startswith("<replace") for v in env.values()):
            notes.append(
                "Claude Desktop cannot read variables: replace the <...> placeholders, or better, put the keys in "
                "~/.cloudstack.ini ([cloudstack] endpoint/key/secret) and drop them from env."
            )
    entry: dict[str, Any] = {"command": command[0]}
    if command[1:]:
        entry["args"] = command[1:]
    if env or options:
        entry["env"] = {**env, **options}
    return json.dumps({"mcpServers": {"cloudstack": entry}}, indent=2), _where(title, where, notes)


def _where(title: str, where: str, notes: list[str]) -> str:
    return "\n".join([f"{title}: {where}", *notes])
