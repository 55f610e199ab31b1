"""`zhiri reading show|wrong|ok`: the administrator's dispute of a reading from the command line."""

from __future__ import annotations

from sqlmodel import select

from bot.cli import main
from storage.db import make_engine, session_scope
from storage.models import AuditRecord, Item, PageRead, Site, Unit
from storage.reads import record_reading
from tests.conftest import at
from webread.extract import PageReading


def test_it_shows_marks_and_clears_a_reading(sqlite_url, monkeypatch, capsys, judge):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(sqlite_url)
    created = at("2026-09-01 09:00")
    with session_scope(engine) as s:
        site = Site(name="楚雄市人民政府网站", created_at=created)
        s.add(site)
        s.flush()
        s.add(Unit(site_id=site.id, name="市政府办公室", created_at=created))
        item = Item(
            site_id=site.id,
            kind="column",
            key="column:首页/部门动态",
            name="部门动态",
            path="首页 / 部门动态",
            level1="首页",
            level2="部门动态",
            url="http://www.example.gov.cn/bmdt/",
            category="news",
            created_at=created,
        )
        s.add(item)
        s.flush()
        record_reading(
            s,
            at("2026-11-23 06:30"),
            judge,
            item,
            item.url or "",
            PageReading("broken", None, 0, "HTTP 404 Not Found", http_status=404),
        )
    capsys.readouterr()
    assert main(["reading", "show", "部门动态"]) == 0
    assert "无法访问（HTTP 404），HTTP 404 Not Found" in capsys.readouterr().out
    assert main(["reading", "wrong", "部门动态", "--note", "服务器临时维护"]) == 0
    assert "标记为错误" in capsys.readouterr().out
    assert main(["reading", "show", "部门动态"]) == 0
    assert "读取有争议（服务器临时维护）" in capsys.readouterr().out
    assert main(["reading", "ok", "部门动态"]) == 0
    assert "已恢复" in capsys.readouterr().out
    assert main(["reading", "show", "没有这个栏目"]) == 2
    with session_scope(engine) as s:
        (read,) = s.exec(select(PageRead)).all()
        assert read.marked_wrong_note == "服务器临时维护" and read.cleared_at is not None
        # the audit trail keeps who marked the reading wrong and who cleared it (the command line: nobody)
        trail = [
            (r.kind, r.person_id, r.item_id) for r in s.exec(select(AuditRecord).order_by(AuditRecord.id))
        ]
        assert trail == [("read_wrong", None, read.item_id), ("read_ok", None, read.item_id)]
    engine.dispose()
