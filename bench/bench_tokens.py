"""Answer size benchmark: the text a model reads against the raw JSON CloudStack sends.

    python bench/bench_tokens.py [--vms 50] [--runs 7]

Fills the simulator (4.20 spec) over its HTTP API until it holds N VMs (each with its NICs
(a second one where the simulator models addNicToVirtualMachine) and two tags), N hosts, N volumes and N networks, then calls list_virtual_machines, list_hosts,
list_volumes and list_networks through the real call pipeline (validate -> client -> render),
exactly as an MCP tool call runs them. For each list it prints:

- the raw answer: the HTTP body the simulator sent, in bytes (and the answer as compact JSON,
  which drops the envelope);
- the text part of the tool result (default output mode `text`), in bytes and as a share of
  the raw body (target: at most 25%);
- whether the text still holds every item's id, name and state, and its IP addresses
  (VM NIC addresses, host address, network CIDR; volumes have none);
- the median time to render the answer (render_answer alone), over --runs runs.

Sizes are bytes of UTF-8 (no tokenizer is bundled; ~tokens = bytes / 4, as elsewhere in
BENCHMARKS.md); JSON with uuids tokenizes no better than text, so the byte share is a fair
stand-in for the token share.
Figures go to BENCHMARKS.md ("Answers").
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx2 as httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cloudstack_mcp.cloudstack.signing import sign  # noqa: E402
from cloudstack_mcp.config import Settings  # noqa: E402
from cloudstack_mcp.render import render_answer  # noqa: E402
from cloudstack_mcp.server.app import open_app  # noqa: E402
from cloudstack_mcp.simulator import Simulator  # noqa: E402
from tests.apidata import bench_spec_420  # noqa: E402

TARGET = 0.25


class Http:
    """A small signed client for filling the simulator (not the code under test)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.cred = sim.credentials["admin"]
        self.http = httpx.Client(timeout=30)

    def raw(self, command: str, **params: Any) -> httpx.Response:
        p = {"command": command, "response": "json", "apiKey": self.cred.api_key}
        p.update({k: str(v) for k, v in params.items()})
        p["signature"] = sign(p, self.cred.secret_key)
        return self.http.post(self.sim.endpoint, data=p)

    def call(self, command: str, **params: Any) -> dict[str, Any]:
        r = self.raw(command, **params)
        if r.status_code != 200:
            raise SystemExit(f"{command} failed while filling the simulator: {r.status_code} {r.text[:300]}")
        (body,) = r.json().values()
        if isinstance(body, dict) and body.get("jobid") and set(body) <= {"id", "jobid"}:
            job = self.wait(str(body["jobid"]))
            if job.get("jobstatus") != 1:
                raise SystemExit(f"{command} job failed while filling the simulator: {job}")
        return body

    def wait(self, jobid: str) -> dict[str, Any]:
        deadline = time.monotonic() + 30
        while True:
            (job,) = self.raw("queryAsyncJobResult", jobid=jobid).json().values()
            if job.get("jobstatus") != 0 or time.monotonic() > deadline:
                return job
            time.sleep(0.005)

    def items(self, command: str, key: str, **params: Any) -> list[dict[str, Any]]:
        api = self.sim.catalog[command]
        if api.param("listall"):
            params["listall"] = "true"
        return list(self.call(command, **params).get(key, []))


def fill(h: Http, n: int) -> None:
    """Grow the seeded cloud to n VMs (with NICs and 2 tags each), n hosts, n volumes and n networks."""
    zone = h.items("listZones", "zone")[0]["id"]
    pod = h.items("listPods", "pod")[0]["id"]
    cluster = h.items("listClusters", "cluster")[0]["id"]
    offering = h.items("listServiceOfferings", "serviceoffering")[0]["id"]
    template = h.items("listTemplates", "template", templatefilter="all")[0]["id"]
    net_offering = next(
        o["id"] for o in h.items("listNetworkOfferings", "networkoffering") if o.get("guestiptype") == "Isolated"
    )
    networks = h.items("listNetworks", "network")
    for i in range(len(networks), n):
        h.call("createNetwork", zoneid=zone, networkofferingid=net_offering, name=f"bench-net-{i}", displaytext="bench")
    networks = h.items("listNetworks", "network")
    vms = h.items("listVirtualMachines", "virtualmachine")
    for i in range(len(vms), n):
        pair = [networks[i % len(networks)]["id"], networks[(i + 1) % len(networks)]["id"]]
        h.call(
            "deployVirtualMachine",
            zoneid=zone,
            serviceofferingid=offering,
            templateid=template,
            networkids=",".join(pair),
            name=f"bench-vm-{i:02d}",
        )
    for i, vm in enumerate(h.items("listVirtualMachines", "virtualmachine")):
        if _simulates("addNicToVirtualMachine"):  # a second NIC on every VM, where the simulator models it
            have = {nic["networkid"] for nic in vm.get("nic", [])}
            other = next((net for net in networks if net["id"] not in have), None)
            if other is not None:
                h.call("addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=other["id"])
        h.call(
            "createTags",
            resourcetype="userVm",
            resourceids=vm["id"],
            **{"tags[0].key": "env", "tags[0].value": "prod" if i % 2 else "dev", "tags[1].key": "owner"},
            **{"tags[1].value": f"team-{i % 5}"},
        )
    for i in range(len(h.items("listHosts", "host")), n):
        h.call(
            "addHost",
            zoneid=zone,
            podid=pod,
            clusterid=cluster,
            url=f"http://10.0.34.{i}",
            username="root",
            password="bench",
            hypervisor="KVM",
        )
    for i in range(len(h.items("listVolumes", "volume")), n):
        h.call("createVolume", zoneid=zone, diskofferingid=_disk_offering(h), name=f"bench-vol-{i}")


def _simulates(api: str) -> bool:
    """Whether the simulator has a domain handler for `api` (else its generic engine answers)."""
    from cloudstack_mcp.simulator.backend.domain import load_all

    return api in load_all()


def _disk_offering(h: Http) -> str:
    return h.items("listDiskOfferings", "diskoffering")[0]["id"]


CASES = (
    # (tool, API, item key, how to read an item's addresses)
    ("list_virtual_machines", "listVirtualMachines", "virtualmachine", lambda i: [n["ipaddress"] for n in i["nic"]]),
    ("list_hosts", "listHosts", "host", lambda i: [i["ipaddress"]]),
    ("list_volumes", "listVolumes", "volume", lambda i: []),
    ("list_networks", "listNetworks", "network", lambda i: [i["cidr"]]),
)


async def measure(sim: Simulator, h: Http, runs: int) -> list[dict[str, Any]]:
    admin = sim.credentials["admin"]
    settings = Settings().with_connection(
        endpoint=sim.endpoint, api_key=admin.api_key, secret_key=admin.secret_key, source="bench"
    )
    rows = []
    async with open_app(settings, catalog=sim.catalog) as app:
        for tool, api_name, key, addresses in CASES:
            # By tool name through the same pipeline as tools/call (call_api runs tools outside the profile too).
            api = app.catalog[api_name]
            args = {"listall": True} if api.param("listall") else {}
            result = await app.pipeline.call_api(tool, args)
            text = result.content[0].text
            if result.is_error:
                raise SystemExit(f"{tool} failed: {text}")
            raw = h.raw(api_name, **{k: str(v).lower() for k, v in args.items()}).content
            # The answer as CloudStack sent it (the structured content of a long list is left out; see
            # bench_model_bytes.py for what each kind of client reads).
            (answer,) = json.loads(raw).values()
            items = answer[key]
            missing = []
            for item in items:
                for value in [item["id"], item["name"], item["state"], *addresses(item)]:
                    if str(value) not in text:
                        missing.append(f"{item['id']}:{value}")
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                render_answer(api, answer)
                times.append(time.perf_counter() - t0)
            rows.append(
                {
                    "tool": tool,
                    "items": len(items),
                    "raw": len(raw),
                    "structured": len(json.dumps(answer, separators=(",", ":"))),
                    "text": len(text.encode()),
                    "missing": missing,
                    "render_ms": statistics.median(times) * 1000,
                    "sample": text,
                }
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=50, help="items of each kind (default 50)")
    parser.add_argument("--runs", type=int, default=7, help="render timing runs (default 7)")
    parser.add_argument("--show", action="store_true", help="print the VM text as the model sees it")
    args = parser.parse_args()
    spec = bench_spec_420("the tokens per task include CloudStack's own descriptions")
    sim = Simulator(spec, job_seconds=0)
    with sim.running():
        h = Http(sim)
        t0 = time.perf_counter()
        fill(h, args.vms)
        filled = time.perf_counter() - t0
        rows = anyio.run(measure, sim, h, args.runs)
        h.http.close()
    print(f"simulator filled in {filled:.1f} s; render timings: median of {args.runs} runs")
    print(
        f"{'tool':<24}{'items':>6}{'raw B':>9}{'struct B':>9}{'text B':>8}{'text/raw':>9}{'~tokens':>16}"
        f"  {'ids/names/states/IPs kept':<26}{'render':>9}"
    )
    ok = True
    for r in rows:
        share = r["text"] / r["raw"]
        good = share <= TARGET and not r["missing"]
        ok &= good
        held = "yes" if not r["missing"] else f"NO ({len(r['missing'])} missing)"
        tokens = f"{r['raw'] // 4:,} -> {r['text'] // 4:,}"
        print(
            f"{r['tool']:<24}{r['items']:>6}{r['raw']:>9}{r['structured']:>9}{r['text']:>8}{share:>9.1%}{tokens:>16}"
            f"  {held:<26}{r['render_ms']:>7.1f}ms  {'ok' if good else 'FAIL'}"
        )
    print(
        f"target: text <= {TARGET:.0%} of the raw JSON and every id, name, state and IP kept: {'met' if ok else 'NOT met'}"
    )
    if args.show:
        print("\n" + rows[0]["sample"])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
