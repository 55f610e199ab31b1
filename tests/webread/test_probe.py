"""The availability probe against a local site: answered, refused, slow, failing; politely."""

from __future__ import annotations

from datetime import date, timedelta

from domain.availability import Level, ProbeResult, weekly
from tests.webread.server import Site
from webread.probe import Prober


async def test_each_kind_of_failure_counts_as_unreachable(site: Site, closed_port: int) -> None:
    async with Prober(timeout=0.5, host_delay=0) as prober:
        ok = await prober.probe(site.url("/corpus/em_date.html"))  # HEAD refused (501): a small GET
        error = await prober.probe(site.url("/status/503"))
        slow = await prober.probe(site.url("/slow"))
        refused = await prober.probe(f"http://127.0.0.1:{closed_port}/")
    assert (ok.reachable, ok.http_status, ok.reason) == (True, 200, "")
    assert (error.reachable, error.http_status, error.reason) == (False, 503, "HTTP 503")
    assert (slow.reachable, slow.http_status) == (False, None) and "0.5秒内没有响应" in slow.reason
    assert (refused.reachable, refused.http_status) == (False, None) and "无法连接" in refused.reason


async def test_probes_to_one_host_are_one_at_a_time_and_spaced(site: Site) -> None:
    paths = [f"/corpus/em_date.html?probe={n}" for n in range(4)]
    async with Prober(host_delay=0.2) as prober:
        outcomes = await prober.probe_many(site.url(p) for p in paths)
    assert all(o.reachable for o in outcomes)
    # this server refuses HEAD (501) and records GETs only; HEAD and GET are each paced 0.2 s apart, so four
    # probes' GETs span at least three probes of two delays each (endpoints only: the server's clock jitters)
    starts = sorted(t for path, t in site.starts if path == "/corpus/em_date.html")[-4:]
    assert starts[-1] - starts[0] >= 3 * 0.4 - 0.1


async def test_a_simulated_week_of_real_probe_outcomes_warns_then_escalates(
    site: Site, closed_port: int
) -> None:
    async with Prober(timeout=0.5, host_delay=0) as prober:
        good = await prober.probe(site.url("/corpus/em_date.html"))
        kinds = {
            "slow": await prober.probe(site.url("/slow")),
            "5xx": await prober.probe(site.url("/status/500")),
            "no answer": await prober.probe(f"http://127.0.0.1:{closed_port}/"),
        }
    assert good.reachable and not any(o.reachable for o in kinds.values())
    monday = date(2026, 11, 16)
    # 24 probes a day for two weeks; the second week fails now and then, each failure of a real kind
    plan = {monday + timedelta(days=8): ["no answer"] * 4, monday + timedelta(days=10): ["5xx"] * 3}
    plan[monday + timedelta(days=12)] = ["slow"] * 2
    results: list[ProbeResult] = []
    first: dict[Level, date] = {}
    for n in range(14):
        today = monday + timedelta(days=n)
        outcomes = [kinds[k] for k in plan.get(today, [])]
        outcomes += [good] * (24 - len(outcomes))
        results += [ProbeResult(today, o.reachable) for o in outcomes]
        first.setdefault(weekly(results, today).level, today)
    assert first[Level.WARN] == monday + timedelta(days=10)
    assert first[Level.ESCALATE] == monday + timedelta(days=12)
