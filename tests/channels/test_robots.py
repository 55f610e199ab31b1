"""The three group robots: each transport delivers through a local fake of its platform that checks the
signature or key as documented, and every failure comes back sorted as the sender needs it (wait, outage,
give up the message, the robot is gone). Time is passed in; nothing sleeps."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from channels.robots.common import LinkTo, NoLinks, classify, markdown
from channels.robots.transport import PLATFORMS, RobotTransport
from channels.robots.wecom import STYLE as WECOM_STYLE
from channels.transport import Outgoing, TransportError
from domain.actions import Action, Offer
from domain.robots import Kind, Robot, guess_kind
from tests.support.fake_robots import FakeDingTalk, FakeFeishu, FakeWeCom, _FakeRobotServer

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
PUBLIC = "https://zhiri.example.gov.cn/a"
SECRET = "SEC0123456789abcdef+/="  # '+' '/' '=' as base64 keys have: they must survive URL-encoding


def _link(action: Action) -> str:
    return f"{PUBLIC}?do={action.encode()}"


link = LinkTo(_link)


WARNING = Outgoing(
    chat_id=7,
    text="【今日预警】以下栏目今天到期：\n1. 首页 / 部门动态\n2. 政务公开 / 通知公告",
    offers=((Offer("已更新 1", Action.done(11)), Offer("已更新 2", Action.done(12))),),
)

FAKES = {Kind.DINGTALK: FakeDingTalk, Kind.WECOM: FakeWeCom, Kind.FEISHU: FakeFeishu}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=list(Kind))
def kind(request: pytest.FixtureRequest) -> Kind:
    return Kind(request.param)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def fake(kind: Kind, clock: Clock) -> Iterator[_FakeRobotServer]:
    with FAKES[kind](clock) as server:
        yield server


Send = Callable[..., Awaitable[None]]


@pytest.fixture
async def send() -> AsyncIterator[Send]:
    """Send one message to `robot` through a RobotTransport (one httpx client per test: building one costs
    more than a hundred local requests)."""
    async with httpx.AsyncClient(timeout=5) as client:

        async def go(robot: Robot | None, message: Outgoing = WARNING, clock: Clock | None = None) -> None:
            transport = RobotTransport(lambda chat_id: robot, client, link, clock or Clock(NOW))
            assert await transport.send(message) is None  # robots give no message id

        yield go


def secret_for(kind: Kind) -> str | None:
    return None if kind is Kind.WECOM else SECRET


def words_of(kind: Kind, body: dict) -> str:
    """The text a group member reads, links included, whatever the platform's format."""
    if kind is Kind.DINGTALK:
        return str(body["markdown"]["text"])
    if kind is Kind.WECOM:
        return str(body["markdown"]["content"])
    paragraphs = body["content"]["post"]["zh_cn"]["content"]
    return "\n".join(
        "".join(f"[{e['text']}]({e['href']})" if e["tag"] == "a" else e.get("text", "") for e in p)
        for p in paragraphs
    )


# ---- delivered, signed as documented ------------------------------------------------------------------


async def test_each_robot_delivers_the_words_and_the_offers_as_links(
    kind: Kind, fake: _FakeRobotServer, send: Send
) -> None:
    url = fake.add_robot(secret_for(kind))
    await send(Robot(kind, url, secret_for(kind)))
    (body,) = fake.messages_to(url)
    words = words_of(kind, body)
    assert "【今日预警】以下栏目今天到期：" in words
    assert "2. 政务公开 / 通知公告" in words
    assert f"[已更新 1]({PUBLIC}?do=done:11)" in words
    assert f"[已更新 2]({PUBLIC}?do=done:12)" in words


async def test_a_robot_without_a_secret_sends_unsigned(
    kind: Kind, fake: _FakeRobotServer, send: Send
) -> None:
    url = fake.add_robot(None)
    await send(Robot(kind, url))
    assert len(fake.messages_to(url)) == 1


@pytest.mark.parametrize("kind", [Kind.DINGTALK, Kind.FEISHU])
async def test_a_wrong_secret_means_the_robot_is_unusable(
    kind: Kind, fake: _FakeRobotServer, send: Send
) -> None:
    url = fake.add_robot(SECRET)
    with pytest.raises(TransportError) as caught:
        await send(Robot(kind, url, SECRET + "x"))
    assert caught.value.chat_gone and caught.value.permanent
    assert not caught.value.outage and caught.value.retry_after is None
    assert ("310000" if kind is Kind.DINGTALK else "19021") in str(caught.value)
    assert "密钥" in str(caught.value)
    assert fake.messages_to(url) == []


@pytest.mark.parametrize("kind", [Kind.DINGTALK, Kind.FEISHU])
async def test_a_signature_over_an_hour_old_is_refused(
    kind: Kind, fake: _FakeRobotServer, send: Send
) -> None:
    url = fake.add_robot(SECRET)
    with pytest.raises(TransportError) as caught:
        await send(Robot(kind, url, SECRET), clock=Clock(NOW - timedelta(minutes=61)))
    assert caught.value.chat_gone
    await send(Robot(kind, url, SECRET), clock=Clock(NOW - timedelta(minutes=59)))  # within the hour: fine
    assert len(fake.messages_to(url)) == 1


async def test_a_removed_robot_is_gone(kind: Kind, fake: _FakeRobotServer, send: Send) -> None:
    url = fake.add_robot(secret_for(kind))
    fake.remove_robot(url)
    with pytest.raises(TransportError) as caught:
        await send(Robot(kind, url, secret_for(kind)))
    assert caught.value.chat_gone
    assert {"dingtalk": "300001", "wecom": "93000", "feishu": "19001"}[kind] in str(caught.value)
    assert "重新添加机器人" in str(caught.value)


def test_dingtalk_sign_is_url_encoded() -> None:
    from channels.robots.dingtalk import signed_url

    plus_or_slash = 0
    for ms in range(50):  # some signatures have '+' or '/', which must reach DingTalk unchanged
        now = NOW + timedelta(milliseconds=ms)
        robot = Robot(Kind.DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=t", SECRET)
        query = parse_qs(urlsplit(signed_url(robot, now)).query)
        timestamp = str(int(now.timestamp() * 1000))  # milliseconds
        digest = hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
        expected = base64.b64encode(digest).decode()
        assert query == {"access_token": ["t"], "timestamp": [timestamp], "sign": [expected]}
        plus_or_slash += "+" in expected or "/" in expected
    assert plus_or_slash


# ---- rate limits ----------------------------------------------------------------------------------------

LIMIT = {Kind.DINGTALK: 20, Kind.WECOM: 20, Kind.FEISHU: 5}  # what one burst at one instant may send
WAIT = {Kind.DINGTALK: 600.0, Kind.WECOM: 60.0, Kind.FEISHU: 60.0}


async def test_over_the_rate_the_robot_asks_to_wait(
    kind: Kind, fake: _FakeRobotServer, clock: Clock, send: Send
) -> None:
    url = fake.add_robot(secret_for(kind))
    robot = Robot(kind, url, secret_for(kind))
    for _ in range(LIMIT[kind]):
        await send(robot, clock=clock)
    with pytest.raises(TransportError) as caught:
        await send(robot, clock=clock)
    assert caught.value.retry_after == WAIT[kind]
    assert not caught.value.permanent and not caught.value.outage
    assert len(fake.messages_to(url)) == LIMIT[kind]  # the refused one was not delivered


async def test_a_burst_waiting_as_asked_arrives_whole_in_order_and_once(
    kind: Kind, fake: _FakeRobotServer, clock: Clock, send: Send
) -> None:
    """What the sender will do with retry_after: 45 messages, each accepted once, none lost or doubled."""
    url = fake.add_robot(secret_for(kind))
    robot = Robot(kind, url, secret_for(kind))
    texts = [f"第{n}条提醒" for n in range(1, 46)]
    waits = 0
    for text in texts:
        while True:
            try:
                await send(robot, Outgoing(chat_id=7, text=text), clock=clock)
                break
            except TransportError as error:
                assert error.retry_after is not None, repr(error)
                clock.now += timedelta(seconds=error.retry_after)
                waits += 1
    assert [words_of(kind, body) for body in fake.messages_to(url)] == texts
    assert waits == {Kind.DINGTALK: 2, Kind.WECOM: 2, Kind.FEISHU: 8}[kind]


async def test_dingtalk_throttles_a_robot_for_ten_minutes(clock: Clock, send: Send) -> None:
    with FakeDingTalk(clock) as fake:
        url = fake.add_robot(SECRET)
        robot = Robot(Kind.DINGTALK, url, SECRET)
        for _ in range(20):
            await send(robot, clock=clock)
        with pytest.raises(TransportError):
            await send(robot, clock=clock)
        clock.now = NOW + timedelta(minutes=5)  # the minute is over, the throttle is not
        with pytest.raises(TransportError) as caught:
            await send(robot, clock=clock)
        assert caught.value.retry_after == 600
        clock.now = NOW + timedelta(minutes=10, seconds=1)
        await send(robot, clock=clock)
        assert len(fake.messages_to(url)) == 21


async def test_feishu_allows_five_a_second_and_a_hundred_a_minute(clock: Clock, send: Send) -> None:
    with FakeFeishu(clock) as fake:
        url = fake.add_robot(SECRET)
        robot = Robot(Kind.FEISHU, url, SECRET)
        for second in range(20):
            clock.now = NOW + timedelta(seconds=second)
            for _ in range(5):
                await send(robot, clock=clock)
        clock.now = NOW + timedelta(seconds=20)
        with pytest.raises(TransportError) as caught:  # the 101st within the minute
            await send(robot, clock=clock)
        assert caught.value.retry_after == 60
        assert len(fake.messages_to(url)) == 100


async def test_a_rate_limit_answer_with_a_reset_header_is_obeyed(clock: Clock, send: Send) -> None:
    with FakeFeishu(clock) as fake:
        url = fake.add_robot(SECRET)
        fake.fail_next(
            429,
            b'{"code":99991400,"msg":"request trigger frequency limit"}',
            {"Content-Type": "application/json", "x-ogw-ratelimit-reset": "7"},
        )
        with pytest.raises(TransportError) as caught:
            await send(Robot(Kind.FEISHU, url, SECRET), clock=clock)
        assert caught.value.retry_after == 7


# ---- the platform away, or answering oddly --------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_a_gateway_error_is_an_outage(
    kind: Kind, fake: _FakeRobotServer, status: int, send: Send
) -> None:
    url = fake.add_robot(secret_for(kind))
    fake.fail_next(status, b"<html>Bad Gateway</html>")
    with pytest.raises(TransportError) as caught:
        await send(Robot(kind, url, secret_for(kind)))
    assert caught.value.outage and not caught.value.permanent
    await send(Robot(kind, url, secret_for(kind)))  # the next try goes through
    assert len(fake.messages_to(url)) == 1


async def test_an_internal_error_is_unexpected_for_this_message_only(
    kind: Kind, fake: _FakeRobotServer, send: Send
) -> None:
    url = fake.add_robot(secret_for(kind))
    fake.fail_next(500, b"oops")
    with pytest.raises(TransportError) as caught:
        await send(Robot(kind, url, secret_for(kind)))
    error = caught.value
    assert not (error.outage or error.permanent or error.chat_gone) and error.retry_after is None


async def test_no_answer_at_all_is_an_outage(kind: Kind, send: Send) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nobody listens on that port now.
    with pytest.raises(TransportError) as caught:
        await send(Robot(kind, f"http://127.0.0.1:{port}/robot/send?access_token=x"))
    assert caught.value.outage


async def test_a_json_answer_with_no_code_is_accepted_and_not_sent_again(
    kind: Kind, fake: _FakeRobotServer, send: Send
) -> None:
    url = fake.add_robot(None)
    fake.fail_next(200, b'{"ok": true}', {"Content-Type": "application/json"})
    await send(Robot(kind, url))  # the platform's JSON with no error: accepted, a retry would double it


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"<html><body>\xe7\x99\xbb\xe5\xbd\x95</body></html>", {"Content-Type": "text/html"}),
        (b"", {}),
        (b"[0]", {"Content-Type": "application/json"}),
    ],
    ids=["html-page", "empty", "json-list"],
)
async def test_a_2xx_that_is_not_the_platforms_answer_is_not_taken_as_sent(
    kind: Kind, fake: _FakeRobotServer, send: Send, body: bytes, headers: dict[str, str]
) -> None:
    """A proxy's or a login portal's page (or a URL that is no robot) says 200: the message did not reach
    the group. Unexpected (retried, then set aside and reported), never silently "sent"."""
    url = fake.add_robot(None)
    fake.fail_next(200, body, headers)
    with pytest.raises(TransportError) as caught:
        await send(Robot(kind, url))
    error = caught.value
    assert not (error.outage or error.permanent or error.chat_gone) and error.retry_after is None
    assert "zhiri channel test" in str(error)
    assert fake.messages_to(url) == []


async def test_a_chat_with_no_robot_is_gone(send: Send) -> None:
    with pytest.raises(TransportError) as caught:
        await send(None)
    assert caught.value.chat_gone


async def test_a_file_cannot_go_through_a_robot(kind: Kind, fake: _FakeRobotServer, send: Send) -> None:
    url = fake.add_robot(secret_for(kind))
    message = Outgoing(chat_id=7, text="半月查报告", document=b"PK", document_name="半月查.xlsx")
    with pytest.raises(TransportError) as caught:
        await send(Robot(kind, url, secret_for(kind)), message)
    assert caught.value.permanent and not caught.value.chat_gone
    assert fake.requests == 0


async def test_wecom_refuses_to_send_more_than_4096_bytes_itself(send: Send) -> None:
    with FakeWeCom() as fake:
        url = fake.add_robot()
        with pytest.raises(TransportError) as caught:
            await send(Robot(Kind.WECOM, url), Outgoing(chat_id=7, text="栏" * 1400))
        assert caught.value.permanent and "4096" in str(caught.value)
        assert fake.requests == 0
        await send(Robot(Kind.WECOM, url), Outgoing(chat_id=7, text="栏" * WECOM_STYLE.max_text))
        assert len(fake.messages_to(url)) == 1


# ---- pure parts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://oapi.dingtalk.com/robot/send?access_token=abc", Kind.DINGTALK),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6", Kind.WECOM),
        ("https://open.feishu.cn/open-apis/bot/v2/hook/xxxx", Kind.FEISHU),
        ("https://open.larksuite.com/open-apis/bot/v2/hook/xxxx", Kind.FEISHU),
        ("https://OAPI.DingTalk.com/robot/send?access_token=abc", Kind.DINGTALK),
        ("http://127.0.0.1:8080/robot/send?access_token=abc", None),
    ],
)
def test_the_kind_is_guessed_from_the_host(url: str, kind: Kind | None) -> None:
    assert guess_kind(url) == kind


def test_a_robot_from_what_an_administrator_typed() -> None:
    robot = Robot.of(" https://oapi.dingtalk.com/robot/send?access_token=abc ", secret=" SECx ")
    assert robot == Robot(Kind.DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=abc", "SECx")
    assert Robot.of("http://127.0.0.1:9/hook/x", kind="Feishu").kind is Kind.FEISHU
    assert repr(robot) == "Robot(dingtalk, oapi.dingtalk.com, signed)"  # no token, no secret in logs


@pytest.mark.parametrize(
    ("url", "secret", "kind", "says"),
    [
        ("oapi.dingtalk.com/robot/send", None, None, "https://"),
        ("http://127.0.0.1:9/hook", None, None, "--kind"),
        ("http://127.0.0.1:9/hook", None, "slack", "dingtalk、wecom、feishu"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "SECx", None, "--secret"),
    ],
)
def test_bad_input_says_what_to_do(url: str, secret: str | None, kind: str | None, says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("+", r"\+")):
        Robot.of(url, secret=secret, kind=kind)


def test_markdown_keeps_every_line_and_makes_labels_and_links_safe() -> None:
    offers = ((Offer("[已更新]", Action.done(1)),),)
    message = Outgoing(1, "第一行\n第二行", offers)
    text = markdown(message, LinkTo(lambda a: f"https://x.cn/a b(c)?do={a.encode()}"), "\n")
    assert text == "第一行\n第二行\n[［已更新］](https://x.cn/a%20b%28c%29?do=done:1)"
    listed = markdown(message, LinkTo(lambda a: "https://x.cn/a", "https://x.cn/list"), "\n")
    assert listed.endswith("\n[查看本单位清单](https://x.cn/list)")
    assert markdown(message, NoLinks(), "\n") == "第一行\n第二行"  # no page: no dead links


@pytest.mark.parametrize(
    ("kind", "status", "body", "flags"),
    [
        (Kind.DINGTALK, 200, b'{"errcode":0,"errmsg":"ok"}', None),
        (Kind.DINGTALK, 200, b'{"errcode":310000,"errmsg":"keywords not in content"}', "gone"),
        (Kind.DINGTALK, 200, b'{"errcode":300001,"errmsg":"token is not exist"}', "gone"),
        (Kind.DINGTALK, 200, b'{"errcode":130101,"errmsg":"send too fast"}', "wait"),
        (Kind.DINGTALK, 200, b'{"errcode":-1,"errmsg":"system busy"}', "unexpected"),
        (Kind.WECOM, 200, b'{"errcode":0,"errmsg":"ok"}', None),
        (Kind.WECOM, 200, b'{"errcode":93000,"errmsg":"invalid webhook url"}', "gone"),
        (Kind.WECOM, 200, b'{"errcode":45009,"errmsg":"api freq out of limit"}', "wait"),
        (Kind.WECOM, 200, b'{"errcode":40008,"errmsg":"invalid message type"}', "permanent"),
        (Kind.FEISHU, 200, b'{"code":0,"msg":"success","data":{}}', None),
        (Kind.FEISHU, 200, b'{"StatusCode":0,"StatusMessage":"success"}', None),
        (Kind.FEISHU, 200, b'{"code":19024,"msg":"Key Words Not Found"}', "gone"),
        (Kind.FEISHU, 200, b'{"code":19022,"msg":"Ip Not Allowed"}', "gone"),
        (Kind.FEISHU, 200, b'{"code":9499,"msg":"Bad Request","data":{}}', "permanent"),
        (Kind.FEISHU, 200, b'{"code":11232,"msg":"frequency limited"}', "wait"),
        (Kind.FEISHU, 404, b"404 page not found", "gone"),
        (Kind.WECOM, 429, b"", "wait"),
    ],
)
def test_answers_are_sorted_as_the_sender_needs(
    kind: Kind, status: int, body: bytes, flags: str | None
) -> None:
    error = classify(PLATFORMS[kind], status, body, {})
    if flags is None:
        assert error is None
        return
    assert error is not None
    assert {
        "gone": error.chat_gone and error.permanent,
        "wait": error.retry_after is not None and not error.permanent,
        "permanent": error.permanent and not error.chat_gone,
        "unexpected": not (error.permanent or error.outage) and error.retry_after is None,
    }[flags], repr(error)
