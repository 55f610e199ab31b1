"""Local web sites for the tests that read, probe and check government sites: a real HTTP/1.0 server
(stdlib `ThreadingHTTPServer`, a free port, a daemon thread) on a loopback address, answering each request
as its `answer(method, path)` says, and noting every request: when it started and ended, and how many were
in flight at once (what the politeness assertions measure).

A site is either given its answers as a function, `LocalSite(lambda method, path: Answer(...))`, or is a
subclass that overrides `answer` when the answers depend on the site's own state (a mode a test switches).
Use it as a context manager, or `start()`/`stop()`; `base` is its address, `http://127.0.0.N:PORT`."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass(frozen=True)
class Answer:
    """What the site does with one request: waits `wait` seconds, then answers `status` with `body` (to a GET;
    a HEAD gets the headers only), or with `hang_up` closes the connection without a word."""

    status: int = 200
    body: str | bytes = ""
    wait: float = 0.0
    hang_up: bool = False
    content_type: str = "text/html; charset=utf-8"


NOT_FOUND = Answer(404, "<html><body>404 Not Found</body></html>")


@dataclass
class Hit:
    """One request, noted as it arrives (so that one the client gave up on counts at once); `end` is set when
    the site is done with it."""

    method: str
    host: str
    path: str
    start: float  # time.monotonic(): one clock for every process on the machine
    end: float = float("inf")


def _client_waits(request: BaseHTTPRequestHandler, seconds: float) -> bool:
    """Wait `seconds` before answering, unless the client gives up first (closes its side: a time limit
    under test). False when it did: a request the client no longer waits for is not in flight, as the
    politeness assertions count them."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([request.connection], [], [], min(left, 0.02))
        if readable:
            try:
                if not request.connection.recv(1, socket.MSG_PEEK):
                    return False  # end of stream: the client closed the connection
            except OSError:
                return False
            time.sleep(min(left, 0.02))  # bytes of a next request (not HTTP/1.0's way): keep waiting
    return True


class LocalSite:
    def __init__(self, route: Callable[[str, str], Answer] | None = None, *, host: str = "127.0.0.1") -> None:
        self._route = route
        self.host = host
        self.base = ""
        self.hits: list[Hit] = []  # in the order the requests arrived
        self.active = 0
        self.most = 0  # the most requests in flight at once since the start (or the last `reset`)
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def answer(self, method: str, path: str) -> Answer:
        if self._route is None:
            raise NotImplementedError("give LocalSite a route, or override answer()")
        return self._route(method, path)

    # -- what the tests read

    def asked(self) -> Counter[tuple[str, str]]:
        """How many times each (method, path) was asked for."""
        with self.lock:
            return Counter((h.method, h.path) for h in self.hits)

    def starts(self) -> list[float]:
        with self.lock:
            return sorted(h.start for h in self.hits)

    def reset(self, settle: float = 5.0) -> None:
        """Forget the requests so far, once those still being answered are done (a client that has its answer
        may be on to its next step while the server thread is still closing the last one), waiting at most
        `settle` seconds; any still in flight then count towards `most` from now."""
        deadline = time.monotonic() + settle
        while True:
            with self.lock:
                if self.active == 0 or time.monotonic() > deadline:
                    self.hits.clear()
                    self.most = self.active
                    return
            time.sleep(0.01)

    # -- serving

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        hit = Hit(method, self.host, request.path, time.monotonic())
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
            self.hits.append(hit)
        try:
            answer = self.answer(method, request.path)
            if answer.wait and not _client_waits(request, answer.wait):
                return  # the client stopped waiting (a time limit under test): no longer in flight
            if answer.hang_up:
                request.close_connection = True
                return
            data = answer.body.encode("utf-8") if isinstance(answer.body, str) else answer.body
            request.send_response(answer.status)
            request.send_header("Content-Type", answer.content_type)
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            if method == "GET":
                request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped waiting (a time limit under test): that is the point
        finally:
            with self.lock:
                self.active -= 1
                hit.end = time.monotonic()

    def start(self) -> LocalSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site._serve(self, "GET")

            def do_HEAD(self) -> None:
                site._serve(self, "HEAD")

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer((self.host, 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name=f"site-{self.host}", daemon=True).start()
        self._server = server
        self.base = f"http://{self.host}:{server.server_address[1]}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LocalSite:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
