"""Small network helpers shared by the local stand-ins for outside services.

* :func:`unused_port`: a local port that nothing listens on, so connecting to it is refused.
* :func:`poll`: check a condition again and again until it is true or a timeout passes.
* :class:`TcpBlackhole`: accepts connections and then either stays silent or hangs up at once.
* :func:`wait_until_ready`: poll a server's readiness URL while watching its process.
* :func:`shared`: lend a session-wide stand-in to one test, reset before and after.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Protocol, Self, TypeVar

import httpx


def unused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound once by the OS, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def poll(condition: Callable[[], bool], timeout: float) -> bool:
    """Check ``condition`` every 10 ms until it is true (True) or ``timeout`` seconds have passed (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


class Resettable(Protocol):
    def start(self) -> Self: ...

    def reset(self) -> None: ...


S = TypeVar("S", bound=Resettable)


def shared(standin: S) -> Iterator[S]:
    """Lend ``standin`` (started once per session) to one test as if it were new: nothing seen, nothing
    programmed. Reset again afterwards, so what the test's own service still sends while it stops is
    not seen by the next test. Starting a stand-in per test cost 5-20 ms each (a server thread, a
    shutdown poll) for several hundred tests; none of them needs its own port."""
    standin.start()  # no-op while running; restarts one a test stopped
    standin.reset()
    try:
        yield standin
    finally:
        standin.reset()


# --------------------------------------------------------------------------- raw TCP


class TcpBlackhole:
    """A TCP server on 127.0.0.1 that accepts connections and then either says nothing ("hang")
    or closes them at once ("close")."""

    def __init__(self, mode: str = "hang") -> None:
        if mode not in ("hang", "close"):
            raise ValueError("mode is 'hang' or 'close'")
        self.mode = mode
        self._listener: socket.socket | None = None
        self._accepted: list[socket.socket] = []
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> Self:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name="tcp-blackhole", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.mode == "close":
                connection.close()
            else:
                self._accepted.append(connection)

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("not started")
        return int(self._listener.getsockname()[1])

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for connection in self._accepted:
            connection.close()
        self._accepted.clear()
        if self._listener is not None:
            self._listener.close()
        self._listener = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


READY_POLL_SECONDS = 0.02
"""Between two readiness probes: a refused connection costs microseconds, and the suite starts a
server process some sixty times, so probing every 100 ms wasted about 50 ms per start."""


class NotReady(Exception):
    """A server process exited, or did not answer 200, before its readiness deadline."""


def wait_until_ready(url: str, returncode: Callable[[], int | None], timeout: float) -> None:
    """Poll ``GET url`` until it answers 200; raise :class:`NotReady` saying why not."""
    deadline = time.monotonic() + timeout
    last = "no attempt yet"
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while True:
            code = returncode()
            if code is not None:
                raise NotReady(f"exited with status {code} before {url} answered")
            try:
                response = client.get(url)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    return
                last = f"HTTP {response.status_code}: {response.text[:200]}"
            if time.monotonic() >= deadline:
                raise NotReady(f"{url} did not answer 200 within {timeout:g}s (last: {last})")
            time.sleep(READY_POLL_SECONDS)
