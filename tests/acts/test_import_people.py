"""The list's 运维人员 and 联系电话 (issue 15): each becomes the webmaster of the row's unit, with their
mobile number for the group robots' @; a landline is reported and not recorded; importing again adds
nobody; an administrator's own record is not undone by the list. SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from acts.catalog import run_import
from storage.models import Membership, Person, Unit
from tests.conftest import at

LISTS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "lists"
TZ = ZoneInfo("Asia/Shanghai")


def webmasters(engine) -> dict[str, tuple[str, str | None]]:
    with Session(engine) as s:
        rows = s.exec(
            select(Person.name, Person.phone, Unit.name)
            .join(Membership, col(Membership.person_id) == col(Person.id))
            .join(Unit, col(Unit.id) == col(Membership.unit_id))
            .where(Membership.role == "webmaster", col(Membership.active).is_(True))
        ).all()
    return {name: (unit, phone) for name, phone, unit in rows}


def test_the_lists_people_become_webmasters_with_their_mobiles(engine):
    report = run_import(engine, at("2026-11-23 09:00"), TZ, LISTS / "workbook-sheets.xlsx")
    assert webmasters(engine) == {"张三": ("县委宣传部", "13800000000"), "李四": ("县融媒体中心", None)}
    text = report.render()
    assert (
        "新增网站维护员 2 人（张三（县委宣传部）、李四（县融媒体中心））" in text
        and "登记手机号码 1 个" in text
    )
    assert "运维人员" not in "".join(s for sheet in report.sheets for s in sheet.unused)
    assert "13800000000" not in text  # the number itself is not printed

    again = run_import(engine, at("2026-11-24 09:00"), TZ, LISTS / "workbook-sheets.xlsx")
    assert again.people_added == [] and again.phones_recorded == 0
    with Session(engine) as s:
        assert len(s.exec(select(Person)).all()) == 2


def test_a_recorded_number_is_kept_and_a_landline_is_reported(engine, tmp_path):
    csv = tmp_path / "list.csv"
    csv.write_text(
        "栏目名称,更新要求,责任单位,运维人员,联系电话\n"
        "部门动态,2周内更新,县财政局,王五,0878-3125678\n"
        "通知公告,2周内更新,县财政局,赵六,13911112222\n"
        "政策文件,6个月内更新,,钱七,13700000000\n"
        "财政预算,6个月内更新,县财政局,孙八、周九,13600000000\n",
        encoding="utf-8",
    )
    report = run_import(engine, at("2026-11-23 09:00"), TZ, csv)
    assert webmasters(engine) == {
        "王五": ("县财政局", None),
        "赵六": ("县财政局", "13911112222"),
        "孙八": ("县财政局", None),
        "周九": ("县财政局", None),
    }
    text = report.render()
    assert "王五的联系电话不是手机号码，未登记" in text
    assert "政策文件没有责任单位，运维人员无法对应到单位" in text and "个数不一致" in text
    # An administrator records 赵六's new number; the list's older one does not undo it.
    with Session(engine) as s:
        zhao = s.exec(select(Person).where(Person.name == "赵六")).one()
        zhao.phone = "13500000000"
        s.add(zhao)
        s.commit()
    run_import(engine, at("2026-11-24 09:00"), TZ, csv)
    assert webmasters(engine)["赵六"] == ("县财政局", "13500000000")
