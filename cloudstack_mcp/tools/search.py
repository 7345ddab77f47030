"""Find CloudStack APIs from plain words: "stop the web server VM" -> stopVirtualMachine.

A small BM25 ranker over three fields of every API (its name, split at camelCase; its
description; its parameters), after the same normalisation on both sides: lower case,
singular, multi-word terms joined into one concept ("virtual machine" -> vm, "primary
storage" -> storagepool), and, for the query only, a synonyms table of our own
("instance", "server" -> vm; "disk" -> volume; "show", "which" -> list). Built once per
catalog at server start (a few tens of milliseconds for 864 APIs).
"""

from __future__ import annotations

import concurrent.futures
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

from cloudstack_mcp.catalog.model import ApiSpec
from cloudstack_mcp.catalog.naming import tool_name
from cloudstack_mcp.errors import SearchError
from cloudstack_mcp.policy.classify import classify
from cloudstack_mcp.tools.toolsets import DEFAULT_PROFILE_APIS, TOOLSETS, category_for

__all__ = ["SearchError", "SearchHit", "SearchIndex", "clear_caches", "summary_of", "terms"]


@dataclass(frozen=True, slots=True)
class SearchHit:
    api: str
    tool: str
    category: str
    summary: str
    score: float
    read_only: bool
    isasync: bool


# ---------------------------------------------------------------- text normalisation

# Words of a text, camelCase split with acronyms kept whole: "addImageStoreS3" -> add Image Store S3,
# "listVPCOfferings" -> list VPC Offerings, "ipv4", "k8s" and "s3" stay one word.
_WORD = re.compile(r"[A-Z]{2,}(?=[A-Z][a-z])|[A-Z]?[a-z]+(?:[0-9]+[a-z]*)?|[A-Z]+[0-9]*|[0-9]+[a-z]*")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP = _wordset(
    "a an the to of for in on at by with from into onto and or is are be been it its this that these those "
    "my our your their me i we you us can could would should please do does did how so as via any some "
    "whose who where when there here currently again also just now one up out off"
)
# Kept as they are: a trailing "s" that is not a plural.
_KEEP_S = _wordset(
    "dns nas os status bus https iops gbps mbps kbps ips has was this alias ssl tls vpns aws "
    "kubernetes k8s cks acls sas redis gps analysis basis chaos"
)
# Words a trailing "s" was stripped from that really end in "s" (plural only for the list above).
_PLURAL_FIX = {"ips": "ip", "vpns": "vpn", "acls": "acl", "cks": "kubernetes"}

# Word families read as one word.
_FAMILY = {
    "configuration": "config",
    "authentication": "auth",
    "authenticate": "auth",
    "authorization": "authorize",
    "utilisation": "utilization",
    "statistic": "stats",
    "instance": "vm",
}


# Multi-word terms joined into one concept, on both sides (longest first).
_PHRASES: dict[tuple[str, ...], str] = {
    ("virtual", "machine"): "vm",
    ("virtual", "server"): "vm",
    ("system", "vm"): "systemvm",
    ("secondary", "storage", "vm"): "systemvm",
    ("console", "proxy"): "consoleproxy",
    ("virtual", "router"): "router",
    ("load", "balancer"): "loadbalancer",
    ("load", "balancing"): "loadbalancer",
    ("ip", "address"): "ip",
    ("image", "store"): "imagestore",
    ("secondary", "storage"): "imagestore",
    ("secondary", "staging", "store"): "stagingstore",
    ("storage", "pool"): "storagepool",
    ("primary", "storage"): "storagepool",
    ("primary", "storage", "pool"): "storagepool",
    ("service", "offering"): "serviceoffering",
    ("compute", "offering"): "serviceoffering",
    ("disk", "offering"): "diskoffering",
    ("network", "offering"): "networkoffering",
    ("vpc", "offering"): "vpcoffering",
    ("backup", "offering"): "backupoffering",
    ("port", "forwarding"): "portforwarding",
    ("ip", "forwarding"): "ipforwarding",
    ("static", "nat"): "staticnat",
    ("security", "group"): "securitygroup",
    ("affinity", "group"): "affinitygroup",
    ("anti", "affinity"): "affinitygroup",
    ("instance", "group"): "instancegroup",
    ("ssh", "key", "pair"): "sshkey",
    ("ssh", "key"): "sshkey",
    ("ssh", "keypair"): "sshkey",
    ("key", "pair"): "sshkey",
    ("user", "data"): "userdata",
    ("async", "job"): "job",
    ("asynchronous", "job"): "job",
    ("out", "of", "band"): "oobm",
    ("out", "of", "band", "management"): "oobm",
    ("vm", "snapshot"): "vmsnapshot",
    ("snapshot", "policy"): "snapshotpolicy",
    ("physical", "network"): "physicalnetwork",
    ("guest", "network"): "network",
    ("network", "acl"): "acl",
    ("access", "control", "list"): "acl",
    ("remote", "access", "vpn"): "remotevpn",
    ("site", "to", "site"): "s2s",
    ("vpn", "gateway"): "vpngateway",
    ("customer", "gateway"): "customergateway",
    ("private", "gateway"): "privategateway",
    ("static", "route"): "staticroute",
    ("health", "check"): "healthcheck",
    ("object", "storage"): "objectstorage",
    ("object", "store"): "objectstore",
    ("shared", "file", "system"): "sharedfs",
    ("shared", "filesystem"): "sharedfs",
    ("file", "share"): "sharedfs",
    ("resource", "limit"): "limit",
    ("management", "server"): "managementserver",
    ("usage", "record"): "usagerecord",
    ("public", "ip"): "publicip",
    ("host", "tag"): "hosttag",
    ("storage", "tag"): "storagetag",
    ("guest", "os"): "ostype",
    ("os", "type"): "ostype",
    ("operating", "system"): "ostype",
    ("vlan", "ip", "range"): "iprange",
    ("ip", "range"): "iprange",
    ("traffic", "type"): "traffictype",
    ("api", "key"): "apikey",
    ("secret", "key"): "apikey",
    ("two", "factor"): "2fa",
    ("role", "permission"): "rolepermission",
    ("global", "setting"): "configuration",
    ("global", "configuration"): "configuration",
    ("ca", "certificate"): "cacertificate",
    ("root", "disk"): "rootdisk",
    ("data", "disk"): "datadisk",
    ("cd", "drive"): "iso",
    ("cd", "rom"): "iso",
    ("power", "off"): "stop power",
    ("power", "on"): "start power",
    ("back", "up"): "backup",
    ("shut", "down"): "stop",
    ("turn", "off"): "stop",
    ("turn", "on"): "start",
    ("spin", "up"): "deploy",
    ("roll", "back"): "revert",
    ("how", "many"): "list",
    ("set", "up"): "create",
    ("kube", "config"): "kubeconfig",
}
# Texts are family-mapped word by word before phrases are joined: keys and values are too.
_PHRASE_BY_TEXT = {
    " ".join(_FAMILY.get(w, w) for w in k): " ".join(_FAMILY.get(w, w) for w in v.split()) for k, v in _PHRASES.items()
}
_PHRASE_RE = re.compile(
    r"(?<!\S)(?:" + "|".join(re.escape(p) for p in sorted(_PHRASE_BY_TEXT, key=len, reverse=True)) + r")(?!\S)"
)
# The words a joined concept was made of ("vmsnapshot" -> vm snapshot), matched at a lower weight.
_PARTS: dict[str, tuple[str, ...]] = {}
for _words, _joined in _PHRASES.items():
    if " " not in _joined and _joined not in _words and not any(w in _STOP for w in _words):
        _PARTS.setdefault(_joined, _words)
_PARTS = {k: v for k, v in _PARTS.items() if k not in ("list", "create", "deploy", "revert", "stop", "start")}

# Query-only synonyms: word -> [(term it may mean, weight)]. The word itself always counts fully.
_SYN: dict[str, tuple[tuple[str, float], ...]] = {}


def _syn(words: str, *targets: tuple[str, float]) -> None:
    for w in words.split():
        _SYN[w] = _SYN.get(w, ()) + targets


# things
_syn("instance server machine guest box node", ("vm", 0.7))
_syn("disk drive hdd ssd lun", ("volume", 0.8))
_syn("rootdisk datadisk", ("volume", 1.0))
_syn("image golden", ("template", 0.7), ("iso", 0.4))
_syn("cdrom dvd", ("iso", 1.0))
_syn("ip ips", ("publicip", 0.6), ("address", 0.4))
_syn("publicip", ("ip", 0.6))
_syn("port", ("firewall", 0.5), ("portforwarding", 0.5))
_syn("forward", ("portforwarding", 0.8))
_syn("lb balancer", ("loadbalancer", 1.0))
_syn("sticky stickiness", ("stickiness", 1.0))
_syn("hypervisor kvm xenserver xcp esxi vsphere", ("host", 0.6))
_syn("datacenter dc", ("zone", 0.7))
_syn("rack", ("pod", 0.7))
_syn("primary", ("storagepool", 0.6))
_syn("secondary", ("imagestore", 0.6))
_syn("flavor flavour plan size", ("serviceoffering", 0.6), ("offering", 0.4))
_syn("compute", ("serviceoffering", 0.5))
_syn("tenant customer org organisation organization", ("account", 0.8))
_syn("person login", ("user", 0.6))
_syn("permission access", ("role", 0.4), ("permission", 0.6))
_syn("setting settings option parameter global", ("config", 0.8))
_syn("log audit activity history", ("event", 0.7))
_syn("alarm warning notification", ("alert", 0.8))
_syn("billing consumption cost metering", ("usage", 0.8), ("quota", 0.5))
_syn("credit balance tariff", ("quota", 0.6))
_syn("task operation progress", ("job", 0.7))
_syn("k8s kube cks", ("kubernetes", 1.0))
_syn("kubeconfig", ("config", 0.8), ("kubernetes", 0.6))
_syn("cert ssl tls", ("certificate", 0.8), ("sslcert", 0.6), ("ssl", 0.4))
_syn("vr", ("router", 1.0))
_syn("ssvm cpvm consoleproxy", ("systemvm", 1.0))
_syn("cpu memory ram utilisation utilization performance stats statistics", ("metrics", 0.6))
_syn("free left remaining space headroom", ("capacity", 0.8))
_syn("tunnel ipsec s2s", ("vpnconnection", 0.5), ("vpn", 0.8))
_syn("label metadata", ("tag", 0.8))
_syn("key keypair pubkey", ("sshkey", 0.6))
_syn("cloudinit", ("userdata", 1.0))
_syn("passwd", ("password", 1.0))
_syn("vnc novnc", ("console", 1.0))
_syn("schedule nightly daily weekly hourly monthly cron recurring", ("schedule", 0.6), ("policy", 0.6))
_syn("nic interface card", ("nic", 1.0))
_syn("subnet cidr", ("network", 0.5), ("iprange", 0.4))
_syn("ipmi bmc idrac ilo", ("oobm", 0.8))
_syn("outbound", ("egress", 1.0))
_syn("inbound", ("ingress", 1.0))
_syn("s3", ("imagestore", 0.3))
_syn("nfs", ("imagestore", 0.3), ("storagepool", 0.3))
_syn("drs rebalance balance", ("drs", 1.0), ("cluster", 0.3))
_syn("dedicated dedicate", ("dedicate", 1.0))
_syn("lun iscsi", ("storagepool", 0.3))
_syn("bucket", ("objectstorage", 0.5))
# actions (API verbs)
_syn("show display view see enumerate browse find which what all", ("list", 0.8))
_syn("get fetch retrieve read", ("list", 0.5))
_syn("status state", ("list", 0.3), ("query", 0.4))
_syn("check", ("query", 0.5), ("list", 0.3), ("check", 1.0))
_syn("new make build provision allocate", ("create", 0.8), ("add", 0.6), ("deploy", 0.4))
_syn("launch", ("deploy", 0.8), ("create", 0.5), ("start", 0.3))
_syn("add", ("create", 0.6), ("register", 0.4), ("assign", 0.4))
_syn("create", ("add", 0.6), ("register", 0.3), ("deploy", 0.8))  # a VM is "deployed"
_syn("remove drop erase kill terminate", ("delete", 0.8), ("destroy", 0.6), ("remove", 0.6))
_syn("delete", ("destroy", 0.7), ("remove", 0.6))
_syn("destroy", ("delete", 0.6))
_syn("boot resume", ("start", 0.8))
_syn("shutdown halt", ("stop", 0.9))
_syn("restart bounce cycle", ("reboot", 0.8), ("restart", 0.8))
_syn("reboot", ("restart", 0.6))
_syn("change modify edit rename alter set", ("update", 0.8), ("change", 0.5))
_syn("grow extend expand enlarge increase bigger shrink", ("resize", 0.8), ("scale", 0.6))
_syn("resize", ("scale", 0.5))
_syn("more upgrade", ("scale", 0.5), ("upgrade", 0.5))
_syn("move relocate transfer evacuate", ("migrate", 0.8))
_syn("duplicate replicate clone", ("copy", 0.8))
_syn("mount plug insert connect", ("attach", 0.8))
_syn("unmount unplug eject disconnect", ("detach", 0.8))
_syn("acquire reserve", ("associate", 0.8), ("acquire", 0.8))
_syn("release free", ("disassociate", 0.6), ("release", 0.8))
_syn("rollback undo", ("revert", 0.8))
_syn("reinstall rebuild reimage reset", ("restore", 0.6), ("reset", 0.6))
_syn("undelete undestroy", ("recover", 1.0))
_syn("download export", ("extract", 0.8))
_syn("import", ("upload", 0.5), ("register", 0.4))
_syn("upload", ("register", 0.5), ("upload", 1.0))
_syn("open allow permit", ("create", 0.4), ("authorize", 0.5), ("firewall", 0.3))
_syn("block deny close", ("revoke", 0.5), ("delete", 0.4))
_syn("share", ("permission", 0.6))
_syn("configure setup", ("config", 0.8))
_syn("generate", ("create", 0.5), ("register", 0.5))


@lru_cache(maxsize=16384)
def _singular(word: str) -> str:
    """The singular of a word, then its family's name ("configurations" -> config)."""
    if word in _PLURAL_FIX:
        word = _PLURAL_FIX[word]
    elif len(word) < 3 or word in _KEEP_S or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        pass
    elif word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes", "zes")):
        word = word[:-2]
    else:
        word = word[:-1]
    return _FAMILY.get(word, word)


_SEP = "QQSEPQQ"  # a word no text contains: keeps texts apart when normalised in one pass
_TERMS: dict[str, tuple[str, ...]] = {}  # text -> its terms (memo; texts repeat across APIs)


def _normalise(texts: list[str]) -> list[tuple[str, ...]]:
    """The terms of many texts at once: one regex pass over all of them (fast at index build)."""
    found = [w.lower() for w in _WORD.findall(f" {_SEP} ".join(texts).replace("IPv", "Ipv"))]
    single = {w: _singular(w) for w in set(found)}
    words = " ".join([single[w] for w in found])
    for _ in range(2):  # twice: "virtual machine snapshot" -> vm snapshot -> vmsnapshot
        words = _PHRASE_RE.sub(lambda m: _PHRASE_BY_TEXT[m.group(0)], words)
    out = []
    for chunk in words.split(_SEP.lower()):  # a word of its own: no other word contains it
        out.append(tuple(w for w in chunk.split() if w not in _STOP))  # joined concepts are singular already
    return out


def _terms(text: str) -> tuple[str, ...]:
    found = _TERMS.get(text)
    if found is None:
        if len(_TERMS) > 50_000:
            _TERMS.clear()
        found = _TERMS[text] = _normalise([text])[0]
    return found


def _prime(texts: set[str]) -> None:
    todo = [t for t in texts if t not in _TERMS]
    for i in range(0, len(todo), 2000):
        batch = todo[i : i + 2000]
        _TERMS.update(zip(batch, _normalise(batch), strict=True))


def terms(text: str) -> list[str]:
    """The normalised terms of a text (API name, description or query), stop words dropped."""
    return list(_terms(text))


def clear_caches() -> None:
    """Forget the memoised text normalisation (for benchmarks that time a cold build)."""
    _TERMS.clear()
    _singular.cache_clear()


def summary_of(api: ApiSpec, width: int = 110) -> str:
    """One line saying what an API does: the first sentence of its description, shortened."""
    text = " ".join(api.description.split()) or api.name
    cut = re.search(r"(?<=[a-z0-9)\]])\.\s", text)
    if cut:
        text = text[: cut.start()]
    text = text.rstrip(". ")
    return text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"


# ---------------------------------------------------------------- the index

# field -> weight; BM25 constants.
_FIELDS = {"name": 3.0, "part": 1.2, "desc": 1.0, "param": 0.25}
_K1 = 1.2
_B = {"name": 0.75, "part": 0.75, "desc": 0.6, "param": 0.3}
_PART_WEIGHT = 0.6  # a query concept's own words, when the API spells it differently
_VENDOR_TOOLSETS = frozenset({"sdn", "network-device", "baremetal", "simulator"})


@dataclass(frozen=True, slots=True)
class _Doc:
    api: ApiSpec
    category: str
    name_terms: Counter[str]
    verb: str
    prior: float


def _param_terms(api: ApiSpec) -> Counter[str]:
    # descriptions repeat across APIs ("the ID of the zone"): _terms remembers them
    return Counter(chain.from_iterable(_terms(x) for p in api.params for x in (p.name, p.description)))


def _prior(api: ApiSpec, category: str) -> float:
    prior = 1.0
    if "deprecated" in api.description[:80].lower():
        prior *= 0.75
    if category in _VENDOR_TOOLSETS:
        prior *= 0.85
    if api.name in DEFAULT_PROFILE_APIS:
        prior *= 1.1
    return prior


_NO_POSTINGS: tuple[list[int], list[float]] = ([], [])


class SearchIndex:
    """Ranked search over a catalog's APIs. Build once; `search` is cheap and never mutates it."""

    def __init__(self, apis: Mapping[str, ApiSpec] | Iterable[ApiSpec]):
        specs = sorted(apis.values() if isinstance(apis, Mapping) else apis, key=lambda a: a.name)
        self._docs: list[_Doc] = []
        self._by_key: dict[str, int] = {}
        self._read_only: dict[str, bool] = {}
        per_field: dict[str, list[Counter[str]]] = {f: [] for f in _FIELDS}
        _prime(
            {t for a in specs for t in (a.name, a.description, *(x for p in a.params for x in (p.name, p.description)))}
        )
        for i, api in enumerate(specs):
            category = category_for(api.name)
            name_list = _terms(api.name)
            name_terms = Counter(name_list)
            per_field["name"].append(name_terms)
            per_field["part"].append(Counter(w for t in name_list for w in _PARTS.get(t, ())))
            per_field["desc"].append(Counter(_terms(api.description)))
            per_field["param"].append(_param_terms(api))
            self._by_key[api.name.lower()] = i
            self._by_key[tool_name(api.name)] = i
            self._docs.append(_Doc(api, category, name_terms, name_list[0] if name_list else "", _prior(api, category)))
        # postings: term -> {doc index: BM25 weight of the term in that doc, all fields summed}
        postings: dict[str, dict[int, float]] = {}
        n = max(1, len(specs))
        # An API verb is a first word shared by a few APIs (list, create, stop...; not configTungsten...).
        self._verbs = frozenset(v for v, k in Counter(d.verb for d in self._docs).items() if k >= 3)
        for f, weight in _FIELDS.items():
            counters = per_field[f]
            lengths = [max(1, sum(c.values())) for c in counters]
            avg = sum(lengths) / n
            df: Counter[str] = Counter()
            for c in counters:
                df.update(c.keys())
            idf = {t: math.log(1 + (n - k + 0.5) / (k + 0.5)) for t, k in df.items()}
            b = _B[f]
            top = weight * (_K1 + 1)
            for i, c in enumerate(counters):
                norm = _K1 * (1 - b + b * lengths[i] / avg)
                for t, tf in c.items():
                    post = postings.get(t)
                    if post is None:
                        post = postings[t] = {}
                    post[i] = post.get(i, 0.0) + top * idf[t] * tf / (tf + norm)
        # kept as (doc indexes, weights): the form a search walks and the one JSON reads back as it is
        self._postings: dict[str, tuple[list[int], list[float]]] = {
            t: (list(p.keys()), list(p.values())) for t, p in postings.items()
        }

    def __len__(self) -> int:
        return len(self._docs)

    # -- as data (tools/search_cache.py keeps it on disk beside the catalog) ---------------------

    def to_data(self) -> dict[str, Any]:
        """The built index as JSON-ready data: per document its API name and ranking facts; postings."""
        return {
            "docs": [[d.api.name, d.category, dict(d.name_terms), d.verb, d.prior] for d in self._docs],
            "verbs": sorted(self._verbs),
            "postings": {t: [ids, weights] for t, (ids, weights) in self._postings.items()},
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any], apis: Mapping[str, ApiSpec]) -> SearchIndex:
        """An index from `to_data` over the same catalog (KeyError/ValueError/TypeError when it does not fit)."""
        index = cls.__new__(cls)
        index._docs = []
        index._by_key = {}
        index._read_only = {}
        for i, (name, category, name_terms, verb, prior) in enumerate(data["docs"]):
            api = apis[name]
            index._docs.append(_Doc(api, str(category), Counter(name_terms), str(verb), float(prior)))
            index._by_key[name.lower()] = i
            index._by_key[tool_name(name)] = i
        if len(index._docs) != len(apis):
            raise ValueError("the cached index covers another catalog")
        index._verbs = frozenset(data["verbs"])
        index._postings = data["postings"]  # term -> [doc indexes, weights], as built
        return index

    # -- query side

    def _known(self, word: str) -> tuple[str, bool]:
        """A query word as the index knows it (a few suffixes tried when the word itself is unknown),
        and whether it may name the action: a past participle ("attached", "stopped") describes a state."""
        if word in self._postings or word in _SYN:
            return word, True
        for cut, add in (("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("d", ""), ("er", ""), ("e", "")):
            if word.endswith(cut) and len(word) - len(cut) >= 3:
                base = word[: -len(cut)] + add
                if base in self._postings or base in _SYN:
                    return base, not cut.endswith("d")
        return word, True

    def _expand(self, query: str) -> tuple[list[dict[str, float]], dict[str, float]]:
        """Per query word, the terms it may mean with their weights; and the actions (API verbs) asked for."""
        words: list[dict[str, float]] = []
        verbs: dict[str, float] = {}
        for raw in _terms(query):
            word, action = self._known(raw)
            alts = {word: 1.0}
            for target, weight in _SYN.get(word, ()):
                target = _singular(target)
                alts[target] = max(alts.get(target, 0.0), weight)
            for term, weight in list(alts.items()):
                for part in _PARTS.get(term, ()):
                    alts.setdefault(part, weight * _PART_WEIGHT)
            if action:
                for term, weight in alts.items():
                    if term in self._verbs and weight > verbs.get(term, 0.0):
                        verbs[term] = weight
            words.append(alts)
        return words, verbs

    def _scores(self, query: list[dict[str, float]], verbs: dict[str, float]) -> dict[int, float]:
        totals: dict[int, float] = {}
        matched: Counter[int] = Counter()
        for alts in query:
            best: dict[int, float] = {}
            for term, qweight in alts.items():
                ids, weights = self._postings.get(term, _NO_POSTINGS)
                for i, w in zip(ids, weights, strict=True):
                    if w * qweight > best.get(i, 0.0):
                        best[i] = w * qweight
            for i, w in best.items():
                totals[i] = totals.get(i, 0.0) + w
            matched.update(best.keys())
        said = set().union(*query) if query else set()
        out = {}
        for i, total in totals.items():
            doc = self._docs[i]
            # Unmatched name words mean the API is about something the query did not say.
            extra = sum(c for t, c in doc.name_terms.items() if t not in said)
            score = total * (0.5 + 0.5 * matched[i] / len(query)) * doc.prior / (1 + 0.08 * extra)
            if verbs:  # the query says what to do: APIs doing something else rank lower
                score *= 1 + 0.4 * verbs[doc.verb] if doc.verb in verbs else 0.85
            out[i] = score
        return out

    def search(
        self, query: str, category: str | None = None, read_only: bool | None = None, limit: int = 10
    ) -> list[SearchHit]:
        """APIs best matching `query`, best first; filtered by toolset id and/or read-only-ness."""
        if category is not None and category not in TOOLSETS:
            known = ", ".join(sorted(TOOLSETS))
            raise SearchError(f"unknown category {category!r}: use one of {known}")
        if limit < 1:
            raise SearchError("limit must be at least 1")
        query = (query or "").strip()

        def wanted(doc: _Doc) -> bool:
            return (category is None or doc.category == category) and (
                read_only is None or self.read_only(doc.api.name) == read_only
            )

        if not query:
            if category is None:
                raise SearchError("say what you are looking for, e.g. 'stop a virtual machine', or give a category")
            return [self._hit(d, 0.0) for d in self._docs if wanted(d)][:limit]
        scores = self._scores(*self._expand(query))
        exact = self._by_key.get(query.lower(), self._by_key.get(re.sub(r"[\s_-]+", "", query.lower())))
        if exact is not None:
            scores[exact] = scores.get(exact, 0.0) + 1000.0
        ranked = sorted(
            ((s, i) for i, s in scores.items() if s > 0 and wanted(self._docs[i])),
            key=lambda si: (-si[0], self._docs[si[1]].api.name),
        )
        return [self._hit(self._docs[i], s) for s, i in ranked[:limit]]

    def read_only(self, api_name: str) -> bool:
        """Whether an API only reads (the safety policy's verdict, asked once per API)."""
        found = self._read_only.get(api_name)
        if found is None:
            found = self._read_only[api_name] = classify(self._docs[self._by_key[api_name.lower()]].api).read_only
        return found

    def _hit(self, doc: _Doc, score: float) -> SearchHit:
        return SearchHit(
            api=doc.api.name,
            tool=tool_name(doc.api.name),
            category=doc.category,
            summary=summary_of(doc.api),
            score=round(score, 3),
            read_only=self.read_only(doc.api.name),
            isasync=doc.api.isasync,
        )


# -- built before the first search ---------------------------------------------------------------
# Building the index takes ~0.4 s of CPU for 864 APIs (and the first query warms the term caches).
# A server builds it in a daemon thread shortly after start-up, off the path to the first tools/list,
# so the model's first search does not wait for it. One index per catalog object.
# id(catalog) -> (the catalog, its index): holding the catalog keeps its id from being reused by another
_PREBUILT: dict[int, tuple[Mapping[str, ApiSpec], concurrent.futures.Future[SearchIndex]]] = {}
_PREBUILT_LOCK = threading.Lock()


def prebuild(
    apis: Mapping[str, ApiSpec],
    *,
    delay: float = 0.0,
    load: Callable[[], SearchIndex | None] | None = None,
    store: Callable[[SearchIndex], None] | None = None,
    after: threading.Event | None = None,
    wait_at_most: float = 2.0,
) -> concurrent.futures.Future[SearchIndex]:
    """Start making the index of `apis` in a daemon thread (once per catalog): once `after` is set (or
    `wait_at_most` seconds have passed), `load()` it (a cache), or build it after `delay` more seconds and
    `store` it."""
    with _PREBUILT_LOCK:
        found = _PREBUILT.get(id(apis))
        if found is not None:
            return found[1]
        future: concurrent.futures.Future[SearchIndex] = concurrent.futures.Future()
        _PREBUILT[id(apis)] = (apis, future)

    def build() -> None:
        try:
            if after is not None:  # e.g. the first tools/list answered: start-up's own work comes first
                after.wait(wait_at_most)
            index = load() if load is not None else None  # ~50 ms of CPU
            if index is None:
                time.sleep(delay)  # a build is ~0.4 s of CPU: let start-up and the first tools/list go first
                index = SearchIndex(apis)
                if store is not None:
                    store(index)
            index.search("list virtual machines")  # warms the per-word caches the first query would fill
            future.set_result(index)
        except BaseException as exc:  # the caller's await sees it
            future.set_exception(exc)

    threading.Thread(target=build, name="search-index", daemon=True).start()
    return future


def prebuilt(apis: Mapping[str, ApiSpec]) -> concurrent.futures.Future[SearchIndex] | None:
    """The future of an index `prebuild` started for `apis`, if any."""
    with _PREBUILT_LOCK:
        found = _PREBUILT.get(id(apis))
    return found[1] if found is not None else None
