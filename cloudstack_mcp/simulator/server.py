"""`Simulator`: the in-process handle on a running simulated management server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

from cloudstack_mcp.catalog.model import Catalog
from cloudstack_mcp.simulator.backend.accounts import Credentials
from cloudstack_mcp.simulator.backend.builtin import builtin_catalog
from cloudstack_mcp.simulator.backend.cloud import Cloud
from cloudstack_mcp.simulator.backend.persist import StateFile, state_file_for
from cloudstack_mcp.simulator.wire.faults import FaultRule, FaultSet
from cloudstack_mcp.simulator.wire.http import HttpServer
from cloudstack_mcp.simulator.wire.protocol import ApiProtocol, RequestRecord

__all__ = ["Simulator"]


def _command_classes(spec_path: Path) -> dict[str, list[str]]:
    """Java command classes per API from apis-meta.json beside a spec file (decides role access)."""
    meta = spec_path.with_name("apis-meta.json")
    if not meta.exists() or meta == spec_path:
        return {}
    try:
        apis = json.loads(meta.read_text(encoding="utf-8")).get("apis", {})
    except (OSError, json.JSONDecodeError):
        return {}
    return {name: [m.get("class", ""), *m.get("alternatives", [])] for name, m in apis.items() if isinstance(m, dict)}


class Simulator:
    """A stateful CloudStack management server on a local port.

    `spec`: None (the built-in API), a Catalog, or a path to a listApis JSON file (with
    `apis-meta.json` beside it when present). `faults`: None, a faults JSON file, or rules.
    `state_dir`: keep the cloud in a file there, one per API catalog (backend/persist.py;
    `reset_state` starts it afresh); None: in memory only.
    """

    def __init__(
        self,
        spec: Catalog | str | Path | None = None,
        *,
        api_key: str | None = None,
        secret_key: str | None = None,
        faults: str | Path | list[FaultRule] | None = None,
        job_seconds: float = 0.2,
        state_dir: str | Path | None = None,
        reset_state: bool = False,
        seed: str = "default",
    ) -> None:
        classes: dict[str, list[str]] = {}
        if spec is None:
            catalog = builtin_catalog()
        elif isinstance(spec, Catalog):
            catalog = spec
        else:
            catalog = Catalog.load(spec)
            classes = _command_classes(Path(spec))
        if (api_key is None) != (secret_key is None):
            raise ValueError("give both api_key and secret_key, or neither")
        self.catalog = catalog
        self.cloud = Cloud(catalog, api_key=api_key, secret_key=secret_key, command_classes=classes, seed=seed)
        self.cloud.job_seconds = job_seconds
        if faults is None:
            self.faults = FaultSet()
        elif isinstance(faults, (str, Path)):
            self.faults = FaultSet.load(faults)
        else:
            self.faults = FaultSet(faults)
        self.protocol = ApiProtocol(self.cloud, self.faults)
        self.state: StateFile | None = None
        if state_dir is not None:
            path = state_file_for(Path(state_dir), catalog)
            if seed != "default":  # another profile is another cloud: its own file
                path = path.with_name(f"{path.stem}-{seed}{path.suffix}")
            self.state = StateFile(path, catalog)
            self.state.open(self.cloud, reset=reset_state)
        self.host = "127.0.0.1"
        self.port = 0
        self._server: HttpServer | None = None

    # ---- what tests and the main server read ---------------------------------------------------------
    @property
    def endpoint(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/client/api"

    @property
    def credentials(self) -> dict[str, Credentials]:
        """Seeded users by role label: "admin" (root admin), "domainadmin", "user"; current keys
        (after registerUserKeys the new ones)."""
        return self.cloud.accounts.current_credentials()

    @property
    def requests(self) -> list[RequestRecord]:
        return self.protocol.requests

    @property
    def internal_errors(self) -> list[str]:
        """Exceptions raised inside the simulator (answered as 530); empty unless it has a bug."""
        return self.protocol.internal_errors

    @property
    def clock_offset(self) -> float:
        """Seconds the simulated server's clock is ahead of this machine's (its Date header and `expires`
        check follow it): set to simulate clock skew."""
        return self.protocol.clock_offset

    @clock_offset.setter
    def clock_offset(self, value: float) -> None:
        self.protocol.clock_offset = float(value)

    @property
    def job_seconds(self) -> float:
        return self.cloud.job_seconds

    @job_seconds.setter
    def job_seconds(self, value: float) -> None:
        self.cloud.job_seconds = float(value)

    # ---- serving -------------------------------------------------------------------------------------
    async def _start(self, host: str, port: int) -> HttpServer:
        server = HttpServer(self.protocol.handle if self.state is None else self._handle_persisted)
        self.port = await server.start(host, port)
        self.host = host
        self._server = server
        return server

    def _handle_persisted(self, req: Any) -> Any:
        assert self.state is not None
        with self.state.sync(self.cloud):
            return self.protocol.handle(req)

    def close_state(self) -> None:
        """Save the cloud with this process's pending jobs finished (a no-op without a state file)."""
        if self.state is not None:
            self.state.close(self.cloud)

    @contextlib.asynccontextmanager
    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[Simulator]:
        """Serve on the current event loop for the duration of the block."""
        server = await self._start(host, port)
        try:
            yield self
        finally:
            await server.close()
            self._server = None
            self.close_state()

    @contextlib.contextmanager
    def running(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[Simulator]:
        """Serve on a background thread (its own event loop) for the duration of the block."""
        ready = threading.Event()
        stop: dict[str, asyncio.AbstractEventLoop | asyncio.Event] = {}
        failure: list[BaseException] = []

        async def main() -> None:
            try:
                server = await self._start(host, port)
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            done = asyncio.Event()
            stop["loop"], stop["event"] = asyncio.get_running_loop(), done
            ready.set()
            await done.wait()
            await server.close()

        thread = threading.Thread(target=asyncio.run, args=(main(),), name="cloudstack-simulator", daemon=True)
        thread.start()
        ready.wait()
        if failure:
            thread.join()
            raise failure[0]
        try:
            yield self
        finally:
            loop, event = stop["loop"], stop["event"]
            loop.call_soon_threadsafe(event.set)  # type: ignore[union-attr]
            thread.join(timeout=5)
            self._server = None
            self.close_state()

    def serve_forever(
        self, host: str = "127.0.0.1", port: int = 8080, on_ready: Callable[[Simulator], None] | None = None
    ) -> None:
        """Serve until Ctrl-C or SIGTERM; `on_ready(sim)` runs once the port is bound."""

        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(sig, stop.set)
            async with self.serve(host, port):
                if on_ready is not None:
                    on_ready(self)
                await stop.wait()

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main())
