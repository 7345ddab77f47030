"""Reading every page of a list API as a stream: `fetch_all` and `count_by`.

A big cloud (20,000 VMs) answers in dozens of pages of several MB each. Holding every page made the
server's memory grow with the cloud (363 MB for 20,000 VMs) to show the model at most a screenful.
Here pages are read a few at a time, in order, and each page is consumed as it arrives: `fetch_all`
keeps the rows the answer can show (the renderer's row limit) and counts the rest; `count_by` keeps
only counters. Memory is bounded by the pages in flight, whatever the size of the cloud.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio

from cloudstack_mcp.cloudstack.client import CloudStackClient
from cloudstack_mcp.errors import CloudStackMcpError

__all__ = ["CONCURRENCY", "Counts", "Listing", "PagingFailed", "count_pages", "fetch_pages", "read_pages"]

CONCURRENCY = 4  # pages in flight: enough to hide latency, few enough not to load the management server
TOP_VALUES = 12  # values shown per field in a count; the rest are summed as "other values"


@dataclass
class Listing:
    """What paging saw: the first page's envelope, the rows kept, how many there are and were read."""

    first: dict[str, Any]
    key: str | None
    count: int  # what the server says the list holds
    rows: list[Any] = field(default_factory=list)
    read: int = 0  # rows read over every page
    pages: int = 1
    total_pages: int = 1

    @property
    def capped(self) -> bool:
        return self.pages < self.total_pages

    def answer(self) -> dict[str, Any]:
        if self.key is None:
            return self.first
        return {**self.first, self.key: self.rows}


class PagingFailed(CloudStackMcpError):
    """A page after the first failed: the cause (CloudStack's or the transport's error) and what was read."""

    def __init__(self, cause: CloudStackMcpError, listing: Listing, page: int):
        self.cause = cause
        self.listing = listing
        self.page = page
        super().__init__(str(cause))

    def note(self, what: str) -> str:
        got = self.listing
        return (
            f"{what}: page {self.page} of {got.pages} failed after {got.read} of {got.count} rows had been read; "
            "nothing is shown from a partial list. Try again, or narrow the list with filters."
        )


def _list_key(answer: Mapping[str, Any]) -> str | None:
    return next((k for k, v in answer.items() if isinstance(v, list)), None)


def _count_of(answer: Mapping[str, Any]) -> int:
    try:
        return int(answer.get("count", 0))
    except (TypeError, ValueError):
        return 0


async def read_pages(
    client: CloudStackClient,
    api: str,
    params: Mapping[str, str],
    on_page: Callable[[Listing, list[Any]], None],
    *,
    page_size: int,
    max_pages: int,
    post: bool = False,
) -> Listing:
    """Read page 1, 2, ... (at most `max_pages`), handing each page's rows to `on_page` in order.

    Pages are fetched CONCURRENCY at a time ahead of the consumer; a page is dropped as soon as
    `on_page` has seen it. The first failure (in page order) is raised as it is, after the other
    requests are stopped; `listing.read` then says how many rows had been read.
    """
    first = await client.call(api, {**params, "page": "1", "pagesize": str(page_size)}, idempotent=True, post=post)
    if not isinstance(first, dict):
        return Listing(first={"value": first}, key=None, count=0)
    key = _list_key(first)
    count = _count_of(first)
    rows = list(first.get(key, [])) if key else []
    total = max(1, math.ceil(count / page_size)) if key and count > len(rows) else 1
    listing = Listing(first={k: v for k, v in first.items() if k != key}, key=key, count=count)
    listing.total_pages = total
    listing.pages = min(total, max_pages)
    listing.read = len(rows)
    on_page(listing, rows)
    if listing.pages <= 1:
        return listing

    arrived: dict[int, Any] = {}
    ready = anyio.Event()
    failure: list[PagingFailed] = []

    async def fetch(page: int, limiter: anyio.Semaphore) -> None:
        nonlocal ready
        try:
            arrived[page] = await client.call(
                api, {**params, "page": str(page), "pagesize": str(page_size)}, idempotent=True, post=post
            )
        except CloudStackMcpError as exc:  # handed to the consumer, which raises the first one in page order
            arrived[page] = exc
        finally:
            limiter.release()
            ready.set()

    async with anyio.create_task_group() as tg:
        limiter = anyio.Semaphore(CONCURRENCY)

        async def produce() -> None:
            for page in range(2, listing.pages + 1):
                await limiter.acquire()
                tg.start_soon(fetch, page, limiter)

        tg.start_soon(produce)
        for wanted in range(2, listing.pages + 1):
            while wanted not in arrived:
                await ready.wait()
                ready = anyio.Event()
            answer = arrived.pop(wanted)
            if isinstance(answer, CloudStackMcpError):
                failure.append(PagingFailed(answer, listing, wanted))
                break
            page_rows = list(answer.get(key, [])) if isinstance(answer, dict) and key else []
            listing.read += len(page_rows)
            on_page(listing, page_rows)
        tg.cancel_scope.cancel()
    if failure:
        raise failure[0]
    return listing


async def fetch_pages(
    client: CloudStackClient,
    api: str,
    params: Mapping[str, str],
    *,
    page_size: int,
    max_pages: int,
    keep: int,
    post: bool = False,
) -> Listing:
    """Every page (up to the cap), keeping the first `keep` rows: what `fetch_all` shows."""

    def keep_rows(listing: Listing, rows: list[Any]) -> None:
        room = keep - len(listing.rows)
        if room > 0:
            listing.rows.extend(rows[:room])

    return await read_pages(client, api, params, keep_rows, page_size=page_size, max_pages=max_pages, post=post)


@dataclass
class Counts:
    """Counts of a list's rows by one or two fields, over every page read."""

    fields: tuple[str, ...]
    listing: Listing
    by_value: Counter[tuple[str, ...]] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        """Structured form: total, per field totals, and the pairs for two fields (top values only)."""
        out: dict[str, Any] = {"count": self.listing.read, "listed": self.listing.count, "by": list(self.fields)}
        for i, name in enumerate(self.fields):
            totals: Counter[str] = Counter()
            for values, n in self.by_value.items():
                totals[values[i]] += n
            out[name] = dict(_top(totals))
        if len(self.fields) == 2:
            pairs = _top(Counter({" / ".join(k): n for k, n in self.by_value.items()}), TOP_VALUES * 2)
            out[" / ".join(self.fields)] = dict(pairs)
        return out


def _top(counter: Counter[str], n: int = TOP_VALUES) -> list[tuple[str, int]]:
    common = counter.most_common(n)
    rest = sum(counter.values()) - sum(c for _, c in common)
    if rest:
        common.append((f"({len(counter) - len(common)} other values)", rest))
    return common


def _value(row: Any, path: Sequence[str]) -> str:
    value: Any = row
    for part in path:
        if isinstance(value, list):  # nic.networkname: the first NIC's, as a table column shows it
            value = value[0] if value else None
        value = value.get(part) if isinstance(value, Mapping) else None
    if value is None or value == "":
        return "(none)"
    return str(value)


async def count_pages(
    client: CloudStackClient,
    api: str,
    params: Mapping[str, str],
    fields: Sequence[str],
    *,
    page_size: int,
    max_pages: int,
    post: bool = False,
) -> Counts:
    """Count rows by `fields` (dotted paths allowed) over every page; no row is kept."""
    paths = [tuple(f.lower().split(".")) for f in fields]
    counter: Counter[tuple[str, ...]] = Counter()

    def count_rows(_listing: Listing, rows: list[Any]) -> None:
        for row in rows:
            lowered = {k.lower(): v for k, v in row.items()} if isinstance(row, Mapping) else {}
            counter[tuple(_value(lowered, p) for p in paths)] += 1

    listing = await read_pages(client, api, params, count_rows, page_size=page_size, max_pages=max_pages, post=post)
    return Counts(tuple(fields), listing, counter)
