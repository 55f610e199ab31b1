"""A real local HTTP server for the reader tests: the corpus with each file's own Content-Type, and routes
for the ways a site fails (404/500, redirect loops, slowness, huge or non-HTML bodies)."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
LABELS: dict[str, dict[str, Any]] = json.loads((HERE / "labels.json").read_text(encoding="utf-8"))


@dataclass
class Site:
    base: str
    hits: dict[str, int] = field(default_factory=dict)
    user_agents: list[str] = field(default_factory=list)
    starts: list[tuple[str, float]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
            pass

        def _send(
            self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str
        ):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key.replace("_", "-"), value)
            self.end_headers()
            # the reader may have given up first (the timeout tests): that is the point
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def _redirect(self, status: int, location: str) -> None:
            self.send_response(status)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            with lock:
                site.hits[path] = site.hits.get(path, 0) + 1
                hits = site.hits[path]
                site.user_agents.append(self.headers.get("User-Agent", ""))
                site.starts.append((path, time.monotonic()))
            if path.startswith("/corpus/"):
                name = path.removeprefix("/corpus/")
                label = LABELS.get(name)
                if label is None or not (CORPUS / name).is_file():
                    self._send(404, b"<html><body>404 Not Found</body></html>")
                    return
                self._send(200, (CORPUS / name).read_bytes(), label["content_type"])
            elif path.startswith("/status/"):
                code = int(path.rsplit("/", 1)[1])
                self._send(code, f"<html><title>{code}</title><body>error {code}</body></html>".encode())
            elif path == "/loop/a":
                self._redirect(302, "/loop/b")
            elif path == "/loop/b":
                self._redirect(302, "/loop/a")
            elif path.startswith("/chain/"):
                self._redirect(302, f"/chain/{int(path.rsplit('/', 1)[1]) + 1}")
            elif path == "/moved":
                self._redirect(301, "/corpus/span_fbsj.html")
            elif path == "/slow":
                time.sleep(2.0)
                self._send(200, b"<html><body>late</body></html>")
            elif path == "/slow-once":
                if hits == 1:
                    time.sleep(1.5)  # the first try times out; the one retry gets the page
                self._send(200, (CORPUS / "em_date.html").read_bytes())
            elif path == "/big":
                row = '<li><a href="/x.html">楚雄市工作动态</a><span>2026-11-18</span></li>\n'.encode()
                self._send(200, b"<html><body><ul>" + row * 4000 + b"</ul></body></html>")
            elif path == "/pdf":
                self._send(200, b"%PDF-1.4 ...", "application/pdf")
            elif path == "/stub":
                stub = '<meta http-equiv="refresh" content="0;url=/corpus/em_date.html"><title></title>'
                self._send(200, stub.encode())
            else:
                self._send(404, b"<html><body>404 Not Found</body></html>")

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # a client that hangs up (the timeout tests, a closed keep-alive connection) is not a test failure
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


def start() -> tuple[Site, ThreadingHTTPServer]:
    """Serve on 127.0.0.1, a free port, in a daemon thread. Stop: server.shutdown(); server.server_close()."""
    state = Site("")
    server = _Server(("127.0.0.1", 0), _handler(state))
    host, port = server.server_address[:2]
    state.base = f"http://{host!s}:{port}"
    threading.Thread(target=server.serve_forever, name="corpus-server", daemon=True).start()
    return state, server
