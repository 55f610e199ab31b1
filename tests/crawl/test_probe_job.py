"""The availability probe on its schedule over a simulated fortnight, against a local site that answers,
answers slowly, does not answer at all, or answers 5xx: probes kept per slot and day, the week's share,
the warning and the escalation written to the outbox on the right day and never twice, the score fed with
the share, and one host never hit beyond the probe's limits. Time is passed in as `now`; the only waits
are the local server's slow answers against the probe's small time limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from datetime import time as dtime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from acts.availability import KeySet, mark_key
from domain.availability import probe_times
from domain.inspection import DEFAULT_THRESHOLDS
from domain.notice import MessageKind
from jobs.probe import ProbeConfig, probe_due
from storage.db import session_scope
from storage.models import AuditRecord, Item, Outbox, Probe, Site
from storage.probes import per_day, targets
from storage.queries import OPERATOR
from storage.score import score_of
from tests.support.local_site import Answer, LocalSite
from webread.probe import Prober

TZ = ZoneInfo("Asia/Shanghai")
ADMIN = 1000
PER_DAY = 20  # the indicator's minimum; a week is 140 probes
MONDAY = date(2026, 11, 2)
TIMEOUT = 1.5  # the indicator's 15 s, scaled down (with room for a loaded machine): "slow" takes 3 s


class _Site(LocalSite):
    """A local site whose every answer follows `mode`: ok, slow, none (closes without a word) or 5xx."""

    mode = "ok"

    def answer(self, method: str, path: str) -> Answer:
        if self.mode == "none":
            return Answer(hang_up=True)
        return Answer(
            503 if self.mode == "5xx" else 200,
            "<html><body>首页</body></html>",
            wait=3.0 if self.mode == "slow" else 0.0,
        )


@pytest.fixture
def local_site() -> Iterator[tuple[_Site, str]]:
    with _Site() as site:
        yield site, site.base


def _seed(engine, url: str, *, key_column: bool = False) -> int:
    created = datetime(2026, 10, 1, 9, 0, tzinfo=TZ)
    with session_scope(engine) as s:
        site = Site(name="示例市人民政府网站", home_url=f"{url}/", created_at=created)
        s.add(site)
        s.flush()
        assert site.id is not None
        for n in range(2 if key_column else 0):
            s.add(
                Item(
                    site_id=site.id,
                    kind="column",
                    key=f"column:首页/栏目{n}",
                    name=f"栏目{n}",
                    path=f"首页 / 栏目{n}",
                    level1="首页",
                    level2=f"栏目{n}",
                    url=f"{url}/c{n}/",
                    created_at=created,
                )
            )
        return site.id


def _config() -> ProbeConfig:
    return ProbeConfig(tz=TZ, per_day=PER_DAY, lines=DEFAULT_THRESHOLDS, admin_ids=(ADMIN,), timeout=TIMEOUT)


def _alerts(engine) -> list[Outbox]:
    with session_scope(engine) as s:
        rows = s.exec(select(Outbox).where(Outbox.kind == MessageKind.AVAILABILITY).order_by(col(Outbox.id)))
        out = list(rows)
        for r in out:
            s.expunge(r)
        return out


async def test_a_simulated_fortnight_warns_and_escalates_on_the_right_day_once(
    engine, judge, local_site
) -> None:
    site, url = local_site
    site_id = _seed(engine, url)
    with session_scope(engine) as s:
        (home,) = targets(s)
    # the second week fails now and then, each way a server fails: no answer on Tuesday (3 of 140: 2.1%),
    # 5xx on Wednesday (5 of 140: 3.6%, the warning that day), slow on Thursday (7 of 140: exactly 5%: the
    # veto line is inclusive, the escalation that day)
    plan = {MONDAY + timedelta(days=8): ["none"] * 3, MONDAY + timedelta(days=9): ["5xx"] * 2}
    plan[MONDAY + timedelta(days=10)] = ["slow"] * 2
    new_alerts: dict[date, list[str]] = {}
    async with Prober(timeout=TIMEOUT, per_host=1, host_delay=0) as prober:
        for n in range(12):
            day = MONDAY + timedelta(days=n)
            failing = plan.get(day, [])
            before = len(_alerts(engine))
            for i, t in enumerate(probe_times(day, per_day=PER_DAY, spread_key=home.spread)):
                site.mode = failing[i] if i < len(failing) else "ok"
                now = datetime.combine(day, t, tzinfo=TZ) + timedelta(seconds=30)
                report = await probe_due(engine, now, prober, _config())
                assert report.probed == 1
                again = await probe_due(engine, now + timedelta(minutes=5), prober, _config())
                assert (again.probed, again.notices) == (0, 0)  # the slot is kept once; nothing is told twice
            new_alerts[day] = [r.text.split("\n")[0] for r in _alerts(engine)[before:]]
    assert new_alerts[MONDAY + timedelta(days=8)] == []
    assert new_alerts[MONDAY + timedelta(days=9)] == ["【网站可访问性预警】示例市人民政府网站 首页"]
    assert new_alerts[MONDAY + timedelta(days=10)] == ["【网站可访问性督办】示例市人民政府网站 首页"]
    assert new_alerts[MONDAY + timedelta(days=11)] == []  # still at the line: the same episode, not again
    assert all(not v for d, v in new_alerts.items() if d < MONDAY + timedelta(days=9))

    warn, escalate = _alerts(engine)
    assert (warn.chat_id, warn.day) == (ADMIN, MONDAY + timedelta(days=9))
    assert escalate.day == MONDAY + timedelta(days=10)
    # told at the probe that crossed the line, with the week so far: Wednesday's first (4 of 121: 3.3%) and
    # Thursday's second (7 of 122: 5.7%)
    assert "共探测121次，4次无法访问" in warn.text and "已达到预警线（3%）" in warn.text
    assert "RemoteProtocolError（3次）" in warn.text and "HTTP 503（1次）" in warn.text
    assert "共探测122次，7次无法访问" in escalate.text and "单项否决线（5%）" in escalate.text
    assert "1.5秒内没有响应（2次）" in escalate.text  # the slow answers, with the others' reasons

    last = MONDAY + timedelta(days=11)
    with session_scope(engine) as s:
        days = {d.day: (d.probes, d.unreachable) for d in per_day(s, site_id, None, MONDAY, last)}
        assert days[MONDAY] == (20, 0) and days[MONDAY + timedelta(days=8)] == (20, 3)
        assert len(days) == 12
        # the score reads the home page's week (days 5 to 11: 7 of 140): no longer 无数据
        site_row = s.get(Site, site_id)
        assert site_row is not None
        score = score_of(s, datetime.combine(last, dtime(23, 59, 59), tzinfo=TZ), judge, site_row)
    line = {v.line: v for v in score.score.vetoes}["unreachable"]
    assert (line.value, line.triggered) == (5.0, True) and score.unreachable_known


async def test_key_columns_are_probed_with_the_home_page_and_one_host_is_never_hit_beyond_the_limits(
    engine, local_site
) -> None:
    site, url = local_site
    _seed(engine, url, key_column=True)
    with session_scope(engine) as s:
        assert len(targets(s)) == 1  # the home page only, until a column is marked key
        for n in range(2):
            marked = mark_key(
                s, datetime(2026, 11, 2, 8, 0, tzinfo=TZ), OPERATOR, [f"首页/栏目{n}"], key=True
            )
            assert isinstance(marked, KeySet) and marked.changed and marked.url == f"{url}/c{n}/"
        assert [r.kind for r in s.exec(select(AuditRecord))] == ["probe_key", "probe_key"]
        assert [t.page for t in targets(s)] == ["首页", "首页 / 栏目0", "首页 / 栏目1"]
    # every target has a slot due at any moment (the latest within one step): all three are probed at once,
    # yet the host sees one request at a time, their starts spaced by the probe's delay
    now = datetime(2026, 11, 2, 12, 0, tzinfo=TZ)
    async with Prober(timeout=TIMEOUT, per_host=1, host_delay=0.2) as prober:
        report = await probe_due(engine, now, prober, _config())
    assert report.probed == 3 and report.unreachable == 0
    assert site.most == 1
    starts = site.starts()
    assert all(b - a >= 0.2 - 0.02 for a, b in pairwise(starts))
    with session_scope(engine) as s:
        assert len(s.exec(select(Probe)).all()) == 3
