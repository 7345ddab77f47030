// Runs a plan of MCP calls with the official TypeScript SDK client and prints one JSON line per step.
//
//   node ts_client.mjs '<plan JSON>'
//
// plan: {
//   transport: "stdio" | "http",
//   command, args, env, cwd   (stdio: the server to spawn)   |   url (http: http://127.0.0.1:PORT/mcp),
//   elicit: null | "accept" | "decline"   (declare elicitation and answer every request so),
//   steps: [
//     {op: "list"},
//     {op: "call", name, arguments, progress?: bool, timeoutMs?: number, repeatWhile?: "still_running", max?: n},
//   ]
// }
// A string argument "$N.path.to.value" is taken from the result of step N (e.g. "$0.structuredContent.jobid").
// Calls use the SDK's default request options (60 s timeout) unless timeoutMs is given.
// Output lines: {step, op, ms, ok, result?, error?, progress?, elicitations?, repeats?}; last: {done: true, versions}.

import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const plan = JSON.parse(process.argv[2]);
const sdkVersion = JSON.parse(
  readFileSync(new URL("./node_modules/@modelcontextprotocol/sdk/package.json", import.meta.url), "utf8"),
).version;

function emit(line) {
  process.stdout.write(JSON.stringify(line) + "\n");
}

function lookup(results, ref) {
  const [index, ...path] = ref.slice(1).split(".");
  let value = results[Number(index)];
  for (const key of path) value = value?.[key];
  return value;
}

function resolve(results, value) {
  if (typeof value === "string" && /^\$\d+\./.test(value)) return lookup(results, value);
  if (Array.isArray(value)) return value.map((v) => resolve(results, v));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(results, v)]));
  }
  return value;
}

const capabilities = plan.elicit ? { elicitation: { form: {} } } : {};
const client = new Client({ name: "cloudstack-mcp-ts-test", version: "1.0.0" }, { capabilities });
const elicitations = [];
if (plan.elicit) {
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    elicitations.push({ message: request.params.message, schema: request.params.requestedSchema });
    if (plan.elicit === "accept") return { action: "accept", content: { confirm: true } };
    return { action: "decline" };
  });
}

const transport =
  plan.transport === "http"
    ? new StreamableHTTPClientTransport(new URL(plan.url))
    : new StdioClientTransport({
        command: plan.command,
        args: plan.args ?? [],
        env: plan.env ?? {},
        cwd: plan.cwd,
        stderr: "inherit",
      });

await client.connect(transport);
const results = [];
for (const [step, spec] of plan.steps.entries()) {
  const start = Date.now();
  const line = { step, op: spec.op };
  try {
    if (spec.op === "list") {
      const listed = await client.listTools();
      line.result = { names: listed.tools.map((t) => t.name) };
    } else if (spec.op === "call") {
      const progress = [];
      const options = {};
      if (spec.progress) options.onprogress = (p) => progress.push({ ...p, at: Date.now() - start });
      if (spec.timeoutMs) options.timeout = spec.timeoutMs;
      const seen = elicitations.length;
      let repeats = 0;
      let result;
      for (;;) {
        result = await client.callTool(
          { name: spec.name, arguments: resolve(results, spec.arguments ?? {}) },
          undefined,
          options,
        );
        repeats += 1;
        const again = spec.repeatWhile && result.structuredContent?.[spec.repeatWhile];
        if (!again || repeats >= (spec.max ?? 10)) break;
      }
      line.result = result;
      line.repeats = repeats;
      if (spec.progress) line.progress = progress;
      line.elicitations = elicitations.slice(seen);
    } else {
      throw new Error(`unknown op ${spec.op}`);
    }
    line.ok = true;
  } catch (error) {
    line.ok = false;
    line.error = String(error?.message ?? error);
  }
  line.ms = Date.now() - start;
  results.push(line.result);
  emit(line);
}
const server = client.getServerVersion();
emit({ done: true, versions: { sdk: sdkVersion, node: process.version, server: server?.version } });
await client.close();
