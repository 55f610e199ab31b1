"""季通报 and 年评分 through the live routine (`tick`, time passed in): on a quarter's (a year's) first
working day the administrators get the last quarter's bulletin as a Word document and its annex, and in
January the last year's ranking, each once, through the outbox like every other message; the documents are
read back."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from domain.calendar import WorkCalendar
from jobs.routine import RoutineConfig, tick
from jobs.sender import SenderState, SendLimits
from reports.bulletin import PARTS
from storage.db import session_scope
from storage.items import Judge
from storage.models import Outbox
from tests.conftest import SHANGHAI, at
from tests.routine.conftest import ADMIN_TG, LEADER_TG, FakeTransport, add_item, build_world, log

FAST = SendLimits(per_second=1000, private_interval=0.0, group_per_window=10_000, linger=0.2)
BUDGET = "政务公开 / 财政预决算"
EDU_NEWS = "政务公开 / 教育动态"


def kinds(engine: Engine) -> list[tuple[str, int | None, str | None]]:
    with session_scope(engine) as s:
        rows = s.exec(select(Outbox).order_by(col(Outbox.id))).all()
        return [(r.kind, r.chat_id, r.document_name) for r in rows if r.kind not in ("daily_read", "overdue")]


async def test_the_quarters_first_working_day_brings_the_bulletin_once(
    engine: Engine, transport: FakeTransport
) -> None:
    judge = Judge(SHANGHAI, WorkCalendar())
    world = build_world(engine, at("2026-06-20 09:00"))
    add_item(engine, world, judge, BUDGET, "2周内更新", "市财政局", at("2026-06-20 09:00"))
    add_item(engine, world, judge, EDU_NEWS, "2周内更新", "市教育局", at("2026-06-20 09:00"))
    for day in ("2026-07-03", "2026-07-15", "2026-08-20", "2026-09-03", "2026-09-24"):
        log(engine, world, judge, EDU_NEWS, at(f"{day} 10:00"), "edu")
    config, state = RoutineConfig(tz=SHANGHAI, limits=FAST), SenderState(limits=FAST)

    await tick(engine, transport, at("2026-10-07 09:00"), config, state)  # National Day: nothing
    assert kinds(engine) == []
    await tick(engine, transport, at("2026-10-08 08:59"), config, state)  # before its time
    assert not [k for k in kinds(engine) if k[0] in ("bulletin", "monthly_reminder")]
    await tick(engine, transport, at("2026-10-08 09:00"), config, state)
    await tick(engine, transport, at("2026-10-08 15:00"), config, state)  # once
    await tick(engine, transport, at("2026-10-09 09:00"), config, state)
    title = "2026年第3季度检查情况通报"
    mine = [k for k in kinds(engine) if k[0] in ("bulletin", "monthly_reminder", "yearly_rank")]
    assert sorted(mine, key=str) == sorted(
        [
            ("monthly_reminder", ADMIN_TG, None),
            ("monthly_reminder", LEADER_TG, None),
            ("bulletin", ADMIN_TG, f"{title}.docx"),
            ("bulletin", ADMIN_TG, f"{title}_问题清单.xlsx"),
        ],
        key=str,
    )
    sent = {m.document_name: m for m in transport.to(ADMIN_TG) if m.document is not None}
    docx = sent[f"{title}.docx"]
    assert docx.text.startswith("【季通报】楚雄市人民政府网站 2026年第3季度检查情况通报")
    assert docx.document is not None
    doc = Document(BytesIO(docx.document))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert [text.index(p) for p in PARTS] == sorted(text.index(p) for p in PARTS)
    assert "2026年7月1日至2026年9月30日" in text and "本季度共登记更新5条" in text
    assert "（一）逾期未更新，共1项。市财政局：政务公开 / 财政预决算。" in text
    assert len(doc.inline_shapes) == 3
    annex = sent[f"{title}_问题清单.xlsx"].document
    assert annex is not None
    rows = list(load_workbook(BytesIO(annex))["问题清单"].iter_rows(values_only=True))
    assert rows[1][1:4] == ("市财政局", BUDGET, "逾期未更新")


async def test_the_years_first_working_day_brings_the_ranking(
    engine: Engine, transport: FakeTransport
) -> None:
    judge = Judge(SHANGHAI, WorkCalendar())
    world = build_world(engine, at("2025-11-20 09:00"))
    add_item(engine, world, judge, BUDGET, "2周内更新", "市财政局", at("2025-11-20 09:00"))
    add_item(engine, world, judge, EDU_NEWS, "2周内更新", "市教育局", at("2025-11-20 09:00"))
    for day in ("2025-12-01", "2025-12-12", "2025-12-24"):
        log(engine, world, judge, EDU_NEWS, at(f"{day} 10:00"), "edu")
    config, state = RoutineConfig(tz=SHANGHAI, limits=FAST), SenderState(limits=FAST)
    # 1–3 January 2026 are off; Sunday the 4th is a 调休 working day: the year's first.
    await tick(engine, transport, at("2026-01-02 09:00"), config, state)
    assert kinds(engine) == []
    await tick(engine, transport, at("2026-01-04 09:00"), config, state)
    names = {k[2] for k in kinds(engine) if k[1] == ADMIN_TG}
    assert names >= {"2025年各单位年度评分.xlsx", "2025年第4季度检查情况通报.docx"}
    rank = next(m for m in transport.to(ADMIN_TG) if m.document_name == "2025年各单位年度评分.xlsx")
    assert rank.text.startswith("【年评分】楚雄市人民政府网站 2025年各单位年度评分")
    assert rank.document is not None
    book = load_workbook(BytesIO(rank.document))
    rows = list(book["2025年度评分"].iter_rows(values_only=True))
    # 市教育局 kept its column on time at both month ends, 市财政局 did not: ranked first.
    assert [r[1] for r in rows[1:]] == ["市教育局", "市财政局"]
    assert rows[1][-6] == "2/2" and rows[2][-6] == "1/2"
