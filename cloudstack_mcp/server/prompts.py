"""MCP prompts: the operator workflows of `prompt_data` rendered against this server's tools.

A workflow names CloudStack APIs; the rendered guide says, for each, how to reach it on *this*
server: its tool when the profile lists one, else `call_api` (with the toolset that would list it),
or that this CloudStack does not offer it or `--read-only` forbids it. So a guide never names a tool
the client cannot call.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from typing import Any

import mcp_types as types
from mcp import MCPError

from cloudstack_mcp.catalog.model import ApiSpec, Catalog
from cloudstack_mcp.config import Settings
from cloudstack_mcp.policy.classify import classify
from cloudstack_mcp.server.prompt_data import WORKFLOWS, Step, Workflow
from cloudstack_mcp.tools.inventory import Inventory
from cloudstack_mcp.tools.toolsets import category_for

__all__ = [
    "PromptError",
    "arguments_of",
    "complete_argument",
    "get_prompt",
    "list_prompts",
    "render",
    "server_handlers",
    "workflow",
]


class PromptError(ValueError):
    """An unknown prompt or a missing required argument (answered as a JSON-RPC invalid-params error)."""


def list_prompts() -> types.ListPromptsResult:
    return types.ListPromptsResult(
        prompts=[
            types.Prompt(
                name=w.name,
                title=w.title,
                description=w.description,
                arguments=[
                    types.PromptArgument(name=a.name, description=a.description, required=a.required)
                    for a in w.arguments
                ],
            )
            for w in WORKFLOWS
        ]
    )


def workflow(name: str) -> Workflow:
    for w in WORKFLOWS:
        if w.name == name:
            return w
    known = ", ".join(w.name for w in WORKFLOWS)
    raise PromptError(f"unknown prompt {name!r}; prompts/list offers: {known}")


def get_prompt(
    name: str, arguments: Mapping[str, str] | None, catalog: Catalog, inventory: Inventory, settings: Settings
) -> types.GetPromptResult:
    w = workflow(name)
    given = {k: str(v) for k, v in (arguments or {}).items() if v not in (None, "")}
    missing = [a.name for a in w.arguments if a.required and a.name not in given]
    if missing:
        raise PromptError(f"prompt {name!r} needs: {', '.join(missing)}")
    text = render(w, given, catalog, inventory, settings)
    return types.GetPromptResult(
        description=w.description,
        messages=[types.PromptMessage(role="user", content=types.TextContent(type="text", text=text))],
    )


class _Fill(dict[str, str]):
    """Placeholders the user did not fill stay visible as <name>."""

    def __missing__(self, key: str) -> str:
        return f"<{key}>"


def _fill(template: str, values: Mapping[str, str]) -> str:
    return string.Formatter().vformat(template, (), _Fill(values))


def render(w: Workflow, values: Mapping[str, str], catalog: Catalog, inventory: Inventory, settings: Settings) -> str:
    """The guide as one user message: goal, numbered steps with how to call each here, notes.

    Steps whose API has no tool here go through call_api; which toolsets would list them is said
    once at the end, not per step (a guide is read by a model: every repeated word costs tokens)."""
    values = {**{a.name: a.default for a in w.arguments if a.default}, **values}
    lines = [_fill(w.goal, values), "", "Steps (CloudStack APIs in order; <...> are values from earlier answers):"]
    via_call_api: list[str] = []
    for number, step in enumerate(w.steps, 1):
        text, toolset = _step(step, values, catalog, inventory, settings)
        lines.append(f"{number}. {text}")
        if toolset and toolset not in via_call_api:
            via_call_api.append(toolset)
    lines.append("")
    if via_call_api:
        lines.append(
            "call_api runs an API this profile lists no tool for (describe_api shows its parameters); "
            f"--toolsets {','.join(['default', *via_call_api])} would list them as tools."
        )
    lines += [_fill(note, values) for note in w.notes]
    lines.append(
        "Changes may ask for confirmation; pass dry_run=true first to see exactly what would be sent. "
        "search_apis finds any other API you need."
    )
    return "\n".join(lines)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def _step(
    step: Step, values: Mapping[str, str], catalog: Catalog, inventory: Inventory, settings: Settings
) -> tuple[str, str | None]:
    """(the step's line, the toolset that would list its API when it goes through call_api)."""
    why = _sentence(_fill(step.why, values))
    pairs = [(name, _fill(value, values)) for name, value in _pairs(step)]
    args = " ".join(f"{k}={_shown(v)}" for k, v in pairs)
    api = catalog.find(step.api)
    if api is None:
        return (
            f"{step.api}: {why} This CloudStack does not offer {step.api} (not in its listApis): skip this step.",
            None,
        )
    tool = inventory.tool_name_of(api.name)
    if tool is not None and tool in inventory:
        return f"`{tool}`: {why}" + (f" Arguments: {args}" if args else ""), None
    if settings.read_only and not classify(api).read_only:
        return f"{api.name}: {why} Not available: this server runs --read-only (the step changes something).", None
    if "call_api" not in inventory:
        return (
            f"{api.name}: {why} Not listed by this server: restart it with --toolsets {category_for(api.name)}.",
            None,
        )
    return f"{api.name}: {why} call_api({_call_api_args(api, pairs)})", category_for(api.name)


# name=value, where a value may hold <placeholders with spaces> and [lists]
_ITEM = re.compile(r"(\w+)=((?:<[^>]*>|\[[^\]]*\]|\S)+)")


def _pairs(step: Step) -> list[tuple[str, str]]:
    """A step's `name=value` items, split before the user's values (which may hold spaces) go in."""
    return _ITEM.findall(step.args)


def _shown(value: str) -> str:
    return json.dumps(value) if " " in value and not value.startswith(("<", "[")) else value


def _call_api_args(api: ApiSpec, pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return f"name={json.dumps(api.name)}"
    arguments = {name: _typed(api, name, value) for name, value in pairs}
    return f"name={json.dumps(api.name)}, arguments={json.dumps(arguments)}"


def _typed(api: ApiSpec, name: str, value: str) -> Any:
    """A step's value as JSON of its parameter's type (true, 7, ["id"]); placeholders stay text."""
    param = api.param(name)
    ptype = param.type if param is not None else "string"
    if value.startswith("[") and value.endswith("]"):
        return [value[1:-1]]
    if ptype == "boolean" and value in ("true", "false"):
        return value == "true"
    if ptype in ("integer", "long", "short") and value.isdigit():
        return int(value)
    return value


def arguments_of(step: Step) -> list[str]:
    """The parameter names a step's argument text uses (for checks against the catalog)."""
    return [name for name, _ in _pairs(step)]


# Prompt arguments whose values the cloud knows: argument -> (list API, extra parameters, answer field).
_COMPLETIONS: dict[str, tuple[str, dict[str, str], str]] = {
    "zone": ("listZones", {}, "name"),
    "host": ("listHosts", {"type": "Routing"}, "name"),
    "vm": ("listVirtualMachines", {"listall": "true"}, "name"),
    "network": ("listNetworks", {"listall": "true"}, "name"),
    "volume": ("listVolumes", {"listall": "true"}, "name"),
    "account": ("listAccounts", {"listall": "true"}, "name"),
    "cluster": ("listKubernetesClusters", {"listall": "true"}, "name"),
    "template": ("listTemplates", {"templatefilter": "executable"}, "name"),
}
_FIXED = {"interval": ["HOURLY", "DAILY", "WEEKLY", "MONTHLY"]}
_MAX_COMPLETIONS = 100  # the protocol's limit per answer


async def complete_argument(app: Any, prompt: str, argument: str, prefix: str) -> list[str]:
    """Names for a prompt argument from the cloud (zones, hosts, VMs, ...), matching what was typed.

    Read-only list calls through the client; any failure (an API the role lacks, the server down)
    simply offers nothing: completion is a convenience and must never get in the way."""
    if prompt not in {w.name for w in WORKFLOWS}:
        return []
    if argument in _FIXED:
        return [v for v in _FIXED[argument] if v.startswith(prefix.upper())]
    if argument not in _COMPLETIONS:
        return []
    api, extra, field = _COMPLETIONS[argument]
    if app.catalog.find(api) is None:
        return []
    params = dict(extra, **({"keyword": prefix} if prefix else {}))
    try:
        answer = await app.client.call(api, params, idempotent=True)
    except Exception:  # noqa: BLE001 - see the docstring
        return []
    rows = next((v for v in answer.values() if isinstance(v, list)), []) if isinstance(answer, dict) else []
    names = sorted({str(r[field]) for r in rows if isinstance(r, dict) and r.get(field)})
    return [n for n in names if n.lower().startswith(prefix.lower())] or names


def server_handlers(app: Any) -> dict[str, Any]:
    """on_list_prompts / on_get_prompt / on_completion for the SDK's low-level Server."""
    listing = list_prompts()

    async def on_list_prompts(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListPromptsResult:
        return listing

    async def on_get_prompt(ctx: Any, params: types.GetPromptRequestParams) -> types.GetPromptResult:
        try:
            return get_prompt(params.name, params.arguments, app.catalog, app.inventory, app.settings)
        except PromptError as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from None

    async def on_completion(ctx: Any, params: types.CompleteRequestParams) -> types.CompleteResult:
        ref, arg = params.ref, params.argument
        values: list[str] = []
        if isinstance(ref, types.PromptReference):
            values = await complete_argument(app, ref.name, arg.name, arg.value or "")
        return types.CompleteResult(
            completion=types.Completion(
                values=values[:_MAX_COMPLETIONS], total=len(values), has_more=len(values) > _MAX_COMPLETIONS
            )
        )

    return {"on_list_prompts": on_list_prompts, "on_get_prompt": on_get_prompt, "on_completion": on_completion}
