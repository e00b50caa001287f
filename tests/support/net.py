"""Small network helpers shared by the local stand-ins for outside services.

* :func:`unused_port`: a local port that nothing listens on, so connecting to it is refused.
* :func:`poll`: check a condition again and again until it is true or a timeout passes.
* :class:`TcpBlackhole`: accepts connections and then either stays silent or hangs up at once.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self


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
