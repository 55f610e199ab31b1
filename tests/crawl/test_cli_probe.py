"""`zhiri site --home`, `zhiri probe key` and `zhiri probe show`: the administrator's side of the probe."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.cli import main
from storage.db import make_engine, session_scope
from storage.models import Item, Site
from storage.probes import probe_key, record_probe, targets

TZ = ZoneInfo("Asia/Shanghai")


def test_home_key_columns_and_the_days_probed(sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(sqlite_url)
    created = datetime(2026, 10, 1, 9, 0, tzinfo=TZ)
    with session_scope(engine) as s:
        site = Site(name="示例市人民政府网站", created_at=created)
        s.add(site)
        s.flush()
        for n, kind in enumerate(("column", "column", "account")):
            s.add(
                Item(
                    site_id=site.id,
                    kind=kind,
                    key=f"{kind}:首页/栏目{n}",
                    name=f"栏目{n}",
                    path=f"首页 / 栏目{n}",
                    url=f"http://www.example.gov.cn/c{n}/" if kind == "column" else None,
                    created_at=created,
                )
            )
    capsys.readouterr()
    # no home page set: the origin the columns share, said to be guessed
    assert main(["site"]) == 0
    assert "首页（可访问性监测）：http://www.example.gov.cn/（按栏目网址推断）" in capsys.readouterr().out
    assert main(["site", "--home", "ftp://x"]) == 2
    assert "须以 http:// 或 https:// 开头" in capsys.readouterr().err
    assert main(["site", "--home", "https://www.example.gov.cn/index.html"]) == 0
    assert "首页（可访问性监测）：https://www.example.gov.cn/index.html" in capsys.readouterr().out
    assert main(["probe", "key", "首页/栏目1"]) == 0
    assert "已设为重点栏目，将与首页一起探测：http://www.example.gov.cn/c1/" in capsys.readouterr().out
    assert main(["probe", "key", "首页/栏目2"]) == 2
    assert "新媒体账号" in capsys.readouterr().err
    assert main(["probe", "key", "没有这个栏目"]) == 2
    with session_scope(engine) as s:
        home, key = targets(s)
        assert (home.url, key.page) == ("https://www.example.gov.cn/index.html", "首页 / 栏目1")
        today = datetime.now(TZ).date()
        for n in range(3):
            slot = datetime.combine(today, datetime.min.time(), tzinfo=TZ) + timedelta(minutes=72 * n)
            record_probe(
                s,
                slot,
                home,
                slot,
                today,
                reachable=n != 1,
                http_status=503 if n == 1 else 200,
                elapsed=0.1,
                reason="HTTP 503" if n == 1 else "",
            )
        assert probe_key(home, slot).startswith(f"site{home.site_id}:home@")
        # a slot is kept once: the same slot again (another tick, another process) writes nothing
        assert not record_probe(
            s, slot, home, slot, today, reachable=True, http_status=200, elapsed=0.1, reason=""
        )
    assert main(["probe", "show"]) == 0
    out = capsys.readouterr().out
    assert (
        "首页 https://www.example.gov.cn/index.html：近7天探测3次，无法访问1次（33.3%），探测次数不足，暂无结论"
        in out
    )
    assert "：3次，无法访问1次" in out
    assert "首页 / 栏目1 http://www.example.gov.cn/c1/：近7天探测0次" in out
    assert main(["probe", "key", "首页/栏目1", "--off"]) == 0
    assert "已取消重点栏目" in capsys.readouterr().out
    with session_scope(engine) as s:
        assert not s.exec(select(Item).where(Item.probe_key)).all()
    engine.dispose()
