"""Local government "sites" on several loopback hosts (127.0.0.1, 127.0.0.2 …), each its own server, that
note when every request to them started and ended: what a queued reading's politeness is measured by."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = """<html><head><meta charset="utf-8"><title>部门动态</title></head><body>
<ul class="list">{rows}</ul><div class="foot">©2026 县人民政府 ICP备05001234号</div></body></html>"""
ROW = '<li><a href="/a/{n}.html">关于做好第{n}项工作的通知</a><span class="date">{d}</span></li>'
DATES = ("2026-11-20", "2026-11-18", "2026-11-02", "2026-10-30")


@dataclass(frozen=True)
class Hit:
    host: str
    path: str
    start: float  # time.monotonic(): one clock for every process on the machine
    end: float


@dataclass
class Hosts:
    """`slow`: seconds each answer takes (a small server), so that two requests at once would overlap."""

    count: int
    slow: float = 0.05
    hits: list[Hit] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _servers: list[ThreadingHTTPServer] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)

    def start(self) -> Hosts:
        hosts = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                started = time.monotonic()
                time.sleep(hosts.slow)
                data = PAGE.format(rows="".join(ROW.format(n=n, d=d) for n, d in enumerate(DATES))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                hit = Hit(str(self.server.server_address[0]), self.path, started, time.monotonic())
                with hosts._lock:
                    hosts.hits.append(hit)

            def log_message(self, *args: object) -> None:
                pass

        for n in range(self.count):
            server = ThreadingHTTPServer((f"127.0.0.{n + 1}", 0), Handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self._servers.append(server)
            self.bases.append(f"http://127.0.0.{n + 1}:{server.server_address[1]}")
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def requests(self) -> Counter[str]:
        """How many times each page (host and path) was asked for."""
        with self._lock:
            return Counter(f"{h.host}{h.path}" for h in self.hits)

    def by_host(self) -> dict[str, list[Hit]]:
        with self._lock:
            hits = sorted(self.hits, key=lambda h: h.start)
        out: dict[str, list[Hit]] = {}
        for hit in hits:
            out.setdefault(hit.host, []).append(hit)
        return out
