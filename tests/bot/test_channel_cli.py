"""`zhiri channel add|list|test|remove` through the real command line, on SQLite and PostgreSQL, against the
local fakes of the three robots (signatures checked as the platforms document them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from acts.channels import add_robot, list_robots, remove_robot, robots_to_test
from bot.cli import main
from domain.robots import Kind
from replies import format as fmt
from replies import robots as words
from storage.models import Chat, Membership, Person, Robot
from storage.queries import Speaker, actor_for
from tests.conftest import at
from tests.routine.conftest import ADMIN_TG, FIN_WM_TG, build_world
from tests.support.fake_robots import FakeDingTalk, FakeFeishu, FakeWeCom, _FakeRobotServer

SECRET = "SEC0123456789abcdef+/="
FAKES = {Kind.DINGTALK: FakeDingTalk, Kind.WECOM: FakeWeCom, Kind.FEISHU: FakeFeishu}
NOW = at("2026-11-26 09:00")


@pytest.fixture
def world(engine: Engine, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return build_world(engine)


@pytest.fixture(params=list(Kind))
def kind(request: pytest.FixtureRequest) -> Kind:
    return Kind(request.param)


@pytest.fixture
def fake(kind: Kind) -> Iterator[_FakeRobotServer]:
    with FAKES[kind]() as server:
        yield server


def secret_for(kind: Kind) -> list[str]:
    return [] if kind is Kind.WECOM else ["--secret", SECRET]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["channel", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_test_and_remove_a_robot_of_each_kind(world, engine, kind, fake, capsys):
    url = fake.add_robot(None if kind is Kind.WECOM else SECRET)
    code, out, _ = run(capsys, "add", "市财政局", url, *secret_for(kind), "--kind", kind.value)
    assert code == 0 and "已把" in out and "市财政局" in out
    assert fake.token_of(url) not in out  # the credential is never printed whole

    code, out, _ = run(capsys, "list")
    assert code == 0 and "市财政局" in out and "正常" in out and fake.token_of(url) not in out

    code, out, _ = run(capsys, "test", "市财政局")
    assert code == 0 and "已发送" in out
    (body,) = fake.messages_to(url)
    assert "测试" in str(body) and "市财政局" in str(body)

    with Session(engine) as s:
        chat = s.exec(select(Chat).where(Chat.platform == kind.value)).one()
        assert (chat.address, chat.type, chat.active) == (chat.id, "robot", True)

    code, out, _ = run(capsys, "remove", "市财政局")
    assert code == 0 and "已解除" in out
    code, out, _ = run(capsys, "list")
    assert "已解除" in out
    code, _, err = run(capsys, "test", "市财政局")
    assert code == 2 and "没有绑定群机器人" in err
    assert len(fake.messages_to(url)) == 1
    with Session(engine) as s:
        chat = s.exec(select(Chat).where(Chat.platform == kind.value)).one()
        assert not chat.active and chat.inactive_reason == "removed"
        assert len(s.exec(select(Robot)).all()) == 1  # the binding is ended, not deleted


def test_a_wrong_secret_fails_the_test_with_the_explanation(world, capsys):
    with FakeDingTalk() as fake:
        url = fake.add_robot(SECRET)
        assert run(capsys, "add", "市财政局", url, "--secret", "SECwrong", "--kind", "dingtalk")[0] == 0
        code, _, err = run(capsys, "test", "市财政局")
        assert code == 1 and "签名不匹配：请检查 --secret" in err
        # Fixed by adding it again with the right secret: the same group, the secret replaced.
        code, out, _ = run(capsys, "add", "市财政局", url, "--secret", SECRET, "--kind", "dingtalk")
        assert code == 0 and "密钥" in out
        assert run(capsys, "test", "市财政局")[0] == 0
        assert len(fake.messages_to(url)) == 1


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["市财政局", "http://127.0.0.1:9/robot/send?access_token=x"], "请用 --kind"),
        (["市财政局", "oapi.dingtalk.com/robot/send?access_token=x"], "机器人地址无效"),
        (["市财政局", "https://oapi.dingtalk.com/robot/send?access_token=x"], "加签"),
        (["市财政局", "https://open.feishu.cn/open-apis/bot/v2/hook/x"], "签名校验"),
        (
            ["市财政局", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "--secret", "s"],
            "去掉 --secret",
        ),
        (["市财政局", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "--kind", "qq"], "不认识"),
        (["火星局", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"], "没有找到单位「火星局」"),
    ],
)
def test_what_cannot_be_bound_is_refused_and_nothing_is_written(world, engine, argv, said, capsys):
    code, out, err = run(capsys, "add", *argv)
    assert code == 2 and out == "" and said in err
    with Session(engine) as s:
        assert s.exec(select(Robot)).all() == []
        assert s.exec(select(Chat).where(Chat.type == "robot")).all() == []


def test_the_all_units_group_and_a_robot_shared_by_two_units(world, engine, capsys):
    with FakeWeCom() as fake:
        url = fake.add_robot()
        for where in ("全部", "市财政局", "市教育局"):
            assert run(capsys, "add", where, url, "--kind", "wecom")[0] == 0
        with Session(engine) as s:
            (chat,) = s.exec(select(Chat).where(Chat.type == "robot")).all()
            assert chat.all_units and len(s.exec(select(Robot)).all()) == 3
        assert run(capsys, "test", "全部")[0] == 0
        code, out, _ = run(capsys, "remove", "市教育局", url)
        assert code == 0 and "不再接收" not in out  # the group still serves 市财政局 and 全部
        assert run(capsys, "remove", "全部")[0] == 0
        code, out, _ = run(capsys, "remove", "市财政局")
        assert code == 0 and "1 个群不再接收任何提醒" in out


def _actor(engine: Engine, telegram_id: int):
    with Session(engine) as s:
        return actor_for(s, Speaker(telegram_id, "某人"), [ADMIN_TG])


def test_only_administrators_bind_and_a_unit_administrator_only_their_own_units(world, engine):
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    with Session(engine) as s:
        edu_admin = Person(telegram_id=9301, name="教育局管理员", created_at=NOW)
        s.add(edu_admin)
        s.flush()
        s.add(
            Membership(person_id=edu_admin.id, unit_id=world.units["市教育局"], role="admin", created_at=NOW)
        )
        s.commit()
    webmaster, unit_admin, admin = _actor(engine, FIN_WM_TG), _actor(engine, 9301), _actor(engine, ADMIN_TG)
    with Session(engine) as s:
        for op, args in (
            (add_robot, ("市财政局", url)),
            (list_robots, ()),
            (robots_to_test, ("市财政局",)),
            (remove_robot, ("市财政局",)),
        ):
            result = op(s, NOW, webmaster, *args)
            assert fmt.problem(result) == fmt.NOT_ADMIN  # the same answer as every administrators' command
        assert "不在您负责的单位范围内" in words.bound(add_robot(s, NOW, unit_admin, "市财政局", url))
        assert words.bound(add_robot(s, NOW, unit_admin, "全部", url)) == fmt.NOT_ADMIN
        assert "已把" in words.bound(add_robot(s, NOW, unit_admin, "市教育局", url))
        assert "已把" in words.bound(add_robot(s, NOW, admin, "市财政局", url))
        # The unit administrator sees and removes only their own unit's binding.
        listed = list_robots(s, NOW, unit_admin)
        assert [line.where for line in listed.lines] == ["市教育局"]
        assert "不在您负责的单位范围内" in words.removed(remove_robot(s, NOW, unit_admin, "市财政局"))
        assert s.exec(select(Robot).where(Robot.removed_at.is_not(None))).all() == []  # type: ignore[union-attr]


def test_a_robot_the_platform_refused_is_listed_as_stopped_with_the_platforms_words(world, engine, capsys):
    from storage.routine import chat_gone

    url = "https://oapi.dingtalk.com/robot/send?access_token=abcd1234"
    assert run(capsys, "add", "市财政局", url, "--secret", SECRET)[0] == 0
    refusal = "钉钉机器人返回错误 310000（sign not match）：加签密钥不对"
    with Session(engine) as s:
        chat = s.exec(select(Chat).where(Chat.platform == "dingtalk")).one()
        chat_gone(s, NOW, chat.address, refusal, "dingtalk")
        s.commit()
    code, out, _ = run(capsys, "list")
    assert code == 0 and f"已停用：{refusal}" in out
