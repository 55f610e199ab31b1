"""`zhiri person list|add|set` through the real command line, on SQLite and PostgreSQL: an administrator
records a webmaster's mobile number and platform ids so that group robots @ them; a wrong number is refused
with what to type, and nothing is recorded."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.cli import main
from storage.models import Membership, Person
from tests.routine.conftest import build_world


@pytest.fixture
def world(engine: Engine, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return build_world(engine)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["person", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def person(engine: Engine, name: str) -> Person:
    with Session(engine) as s:
        return s.exec(select(Person).where(Person.name == name)).one()


def test_record_a_phone_and_ids_and_see_them_in_the_listing(world, engine, capsys):
    code, out, _ = run(capsys, "set", "张三", "--phone", "138 1234 5678", "--wecom", "zhangsan")
    assert code == 0 and "已登记" in out and "138****5678" in out and "zhangsan" in out
    assert "13812345678" not in out  # the number is shown masked
    got = person(engine, "张三")
    assert (got.phone, got.wecom_id, got.dingtalk_id) == ("13812345678", "zhangsan", None)

    # By @username too, and with the unit named; +86 is dropped.
    code, out, _ = run(capsys, "set", "@zhangsan", "--unit", "市财政局", "--phone", "+86 139-8765-4321")
    assert code == 0 and person(engine, "张三").phone == "13987654321"
    code, out, _ = run(capsys, "set", "张三", "--phone", "13987654321")
    assert code == 0 and "没有变化" in out

    code, out, _ = run(capsys, "list", "市财政局")
    assert code == 0 and "张三" in out and "139****4321" in out and "企业微信 userid zhangsan" in out
    assert "13987654321" not in out

    code, out, _ = run(capsys, "set", "张三", "--phone", "清除", "--wecom", "清除")
    assert code == 0
    got = person(engine, "张三")
    assert (got.phone, got.wecom_id) == (None, None)


@pytest.mark.parametrize(
    "phone",
    ["0878-3125678", "1381234567", "138123456789", "23812345678", "1381234567a", "12812345678"],
)
def test_a_bad_number_is_refused_with_what_to_type_and_nothing_recorded(world, engine, capsys, phone):
    code, out, err = run(capsys, "set", "张三", "--phone", phone, "--feishu", "ou_abc")
    assert code == 2 and out == ""
    assert "手机号码无效" in err and "11位" in err and "以1开头" in err and "没有登记" in err
    got = person(engine, "张三")
    assert (got.phone, got.feishu_id) == (None, None)


def test_a_bad_platform_id_is_refused(world, engine, capsys):
    code, _, err = run(capsys, "set", "张三", "--wecom", "张 三<script>")
    assert code == 2 and "企业微信 userid无效" in err
    assert person(engine, "张三").wecom_id is None


def test_add_a_webmaster_without_telegram_and_again(world, engine, capsys):
    code, out, _ = run(capsys, "add", "市财政局", "钱七", "--phone", "13700000001", "--dingtalk", "qianqi01")
    assert code == 0 and "已添加" in out and "137****0001" in out
    code, out, _ = run(capsys, "add", "市财政局", "钱七", "--feishu", "ou_77")
    assert code == 0 and "已登记" in out  # the same person, not a second one
    with Session(engine) as s:
        (qian,) = s.exec(select(Person).where(Person.name == "钱七")).all()
        assert (qian.telegram_id, qian.phone, qian.dingtalk_id, qian.feishu_id) == (
            None,
            "13700000001",
            "qianqi01",
            "ou_77",
        )
        (m,) = s.exec(select(Membership).where(Membership.person_id == qian.id)).all()
        assert m.role == "webmaster" and m.active
    code, out, _ = run(capsys, "add", "市财政局", "孙局长", "--leader")
    assert code == 0 and "分管领导" in out
    code, out, _ = run(capsys, "list")
    assert "钱七" in out and "孙局长" in out and "未登记" in out


def test_refusals(world, engine, capsys):
    code, _, err = run(capsys, "set", "无此人", "--phone", "13812345678")
    assert code == 2 and "没有「无此人」" in err
    code, _, err = run(capsys, "add", "无此单位", "钱七")
    assert code == 2 and "没有找到责任单位" in err
    code, _, err = run(capsys, "set", "张三")
    assert code == 2 and "用法" in err
