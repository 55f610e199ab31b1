"""Local government "sites" on several loopback hosts (127.0.0.1, 127.0.0.2 …), each its own server, that
note when every request to them started and ended: what a queued reading's politeness is measured by."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tests.support.local_site import Answer, Hit, LocalSite

PAGE = """<html><head><meta charset="utf-8"><title>部门动态</title></head><body>
<ul class="list">{rows}</ul><div class="foot">©2026 县人民政府 ICP备05001234号</div></body></html>"""
ROW = '<li><a href="/a/{n}.html">关于做好第{n}项工作的通知</a><span class="date">{d}</span></li>'
DATES = ("2026-11-20", "2026-11-18", "2026-11-02", "2026-10-30")


@dataclass
class Hosts:
    """`slow`: seconds each answer takes (a small server), so that two requests at once would overlap."""

    count: int
    slow: float = 0.05
    sites: list[LocalSite] = field(default_factory=list)

    def start(self) -> Hosts:
        page = Answer(200, PAGE.format(rows="".join(ROW.format(n=n, d=d) for n, d in enumerate(DATES))))
        answer = Answer(page.status, page.body, wait=self.slow)
        self.sites = [
            LocalSite(lambda method, path: answer, host=f"127.0.0.{n + 1}").start() for n in range(self.count)
        ]
        return self

    def stop(self) -> None:
        for site in self.sites:
            site.stop()

    @property
    def bases(self) -> list[str]:
        return [site.base for site in self.sites]

    def requests(self) -> Counter[str]:
        """How many times each page (host and path) was asked for."""
        out: Counter[str] = Counter()
        for site in self.sites:
            for (_, path), times in site.asked().items():
                out[f"{site.host}{path}"] += times
        return out

    def by_host(self) -> dict[str, list[Hit]]:
        """Each host's requests in the order they started."""
        out: dict[str, list[Hit]] = {}
        for site in self.sites:
            with site.lock:
                if site.hits:
                    out[site.host] = sorted(site.hits, key=lambda h: h.start)
        return out
