"""Every message the routine words for a robot fits its platform once the robot's links are under it: the
worst case (the longest names, the largest ids, the longest PUBLIC_URL the page accepts, every offer signed)
through the real wording, the real signed links and the platform's own request."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.webpage import MAX_PUBLIC_URL
from channels.robots.transport import PLATFORMS
from channels.transport import Outgoing
from domain.actions import Action
from domain.model import State
from domain.notice import ChatView, Mention
from domain.robots import Kind, Robot
from domain.routine import decide
from domain.wording import SiteText, render
from tests.domain.test_routine import CAL, EDU, FIN, item, local, snap
from web.links import LinkKey, SignedLinks

NOW = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)
LONGEST_URL = "https://" + "z" * (MAX_PUBLIC_URL - len("https://.gov.cn")) + ".gov.cn"
BIG = 10**12  # larger than any id a table or a platform hands out here
# The platforms' documented limits on the part that carries the text (docs/CHANNELS.md).
LIMITS = {Kind.WECOM: 4096, Kind.DINGTALK: 20_000, Kind.FEISHU: 20 * 1024}


def _worst_items(n: int):
    return tuple(
        item(
            BIG + k,
            "关于进一步加强和规范政府网站信息内容建设管理工作的通知专栏" + f"{k:04d}",
            State.OVERDUE,
            late=900 + k,
            units=((FIN,), (EDU,))[k % 2],
        )
        for k in range(n)
    )


@pytest.mark.parametrize("kind", list(Kind))
def test_every_part_of_a_long_list_fits_the_platform_with_its_signed_links(kind: Kind) -> None:
    assert len(LONGEST_URL) == MAX_PUBLIC_URL
    platform = PLATFORMS[kind]
    snapshot = snap(*_worst_items(300))
    site = SiteText(snapshot.site_name, snapshot.words)
    links = SignedLinks(LONGEST_URL, LinkKey("k" * 32, timedelta(days=7)), clock=lambda: NOW)
    robot = Robot(kind, "https://robot.invalid/send", "SEC" if kind is not Kind.WECOM else None)
    parts = [
        p for n in decide(snapshot, local("2026-10-12 09:00"), CAL) for p in render(n, site, platform.style)
    ]
    most_offers = max((p.offers for p in parts), key=lambda offers: sum(len(row) for row in offers))
    assert sum(len(row) for row in most_offers) == platform.style.done_buttons
    # The worst a part can be: as long as the style lets it, every character three bytes in UTF-8.
    worst = Outgoing(
        chat_id=BIG, text="栏" * platform.style.max_text, offers=most_offers, platform=kind.value, unit_id=BIG
    )
    messages = [worst] + [
        Outgoing(chat_id=BIG, text=p.text, offers=p.offers, platform=kind.value, unit_id=BIG) for p in parts
    ]
    sizes = [len(_text_of(kind, platform.request(robot, m, links, NOW).body).encode()) for m in messages]
    assert max(sizes) <= LIMITS[kind], (max(sizes), LIMITS[kind])


def _text_of(kind: Kind, body: dict) -> str:
    if kind is Kind.WECOM:
        return body["markdown"]["content"]
    if kind is Kind.DINGTALK:
        return body["markdown"]["text"]
    return json.dumps(body, ensure_ascii=False)


# A group's half-month checklist, short (15 items: two links each were past WeCom's 4096 bytes in one message)
# and long (30: past FULL_LIST_MAX, a spreadsheet on Telegram, which no robot takes). Issue 15's bug set both
# aside.
CHECKLIST_CASES = [(kind, n) for kind in Kind for n in (1, 15, 30)]


@pytest.mark.parametrize(("kind", "n"), CHECKLIST_CASES)
def test_a_half_month_checklist_reaches_a_robot_group(kind: Kind, n: int) -> None:
    """On a half-month day (16 November) a robot group's checklist must be sendable: no file, and within the
    platform's size with its signed links, at the longest names and the largest ids."""
    platform = PLATFORMS[kind]
    long = "关于进一步加强和规范政府网站信息内容建设管理工作的通知专栏"
    snapshot = snap(*(item(BIG + k, f"{long}{k:04d}", State.FRESH, units=(FIN,)) for k in range(n)))
    snapshot = replace(snapshot, chats=(ChatView(BIG, "网站工作群", (FIN,), kind.value),))
    site = SiteText(snapshot.site_name, snapshot.words)
    links = SignedLinks(LONGEST_URL, LinkKey("k" * 32, timedelta(days=7)), clock=lambda: NOW)
    robot = Robot(kind, "https://robot.invalid/send", "SEC" if kind is not Kind.WECOM else None)
    checklists = [
        p
        for n_ in decide(snapshot, local("2026-11-16 09:00"), CAL)
        if n_.kind == "half_month_check" and n_.to.platform == kind.value
        for p in render(n_, site, platform.style)
    ]
    assert checklists
    # Every item once, in order, numbered across the whole list; each part's one link names its items.
    listed = [i.id for p in checklists for i in p.items]
    assert sorted(listed) == [BIG + k for k in range(n)] and len(set(listed)) == n
    for part in checklists:
        (offer,) = [o for row in part.offers for o in row]
        assert offer.action == Action.check_list(*(i.id for i in part.items))
    assert len({p.key for p in checklists}) == len(checklists)
    if n > 1:
        assert f"共{n}项" in checklists[-1].text and f"\n{n}. " in checklists[-1].text
    for part in checklists:
        assert part.document is None
        message = Outgoing(chat_id=BIG, text=part.text, offers=part.offers, platform=kind.value, unit_id=BIG)
        body = platform.request(robot, message, links, NOW).body  # raises past WeCom's 4096 bytes
        assert len(_text_of(kind, body).encode()) <= LIMITS[kind]


# The longest ids the platforms hand out (WeCom and DingTalk userids: 64 bytes; a Feishu open_id is shorter),
# and an 11-digit mobile for DingTalk: the @s a worst-size part carries.
LONGEST_ID = "u" * 64
MENTIONS = tuple(Mention(f"1380000{k:04d}", f"{LONGEST_ID[:-2]}{k:02d}") for k in range(5))


@pytest.mark.parametrize("kind", list(Kind))
def test_a_worst_size_part_still_fits_with_its_mentions(kind: Kind) -> None:
    """Mentions take room (WeCom's 4096 bytes count the `<@id>` line): a part as long as the style allows,
    with every offer signed under the longest PUBLIC_URL, still fits with five of the longest ids @-ed, every
    one of them notified."""
    platform = PLATFORMS[kind]
    snapshot = snap(*_worst_items(300))
    site = SiteText(snapshot.site_name, snapshot.words)
    links = SignedLinks(LONGEST_URL, LinkKey("k" * 32, timedelta(days=7)), clock=lambda: NOW)
    robot = Robot(kind, "https://robot.invalid/send", "SEC" if kind is not Kind.WECOM else None)
    parts = [
        p for n in decide(snapshot, local("2026-10-12 09:00"), CAL) for p in render(n, site, platform.style)
    ]
    most_offers = max((p.offers for p in parts), key=lambda offers: sum(len(row) for row in offers))
    worst = Outgoing(
        chat_id=BIG,
        text="栏" * platform.style.max_text,
        offers=most_offers,
        platform=kind.value,
        unit_id=BIG,
        mentions=MENTIONS,
    )
    body = platform.request(robot, worst, links, NOW, worst.mentions).body
    assert len(_text_of(kind, body).encode()) <= LIMITS[kind]
    text = json.dumps(body, ensure_ascii=False)
    assert all((m.phone if kind is Kind.DINGTALK else m.user_id) in text for m in MENTIONS)


def test_wecom_leaves_out_the_ats_that_do_not_fit_rather_than_fail() -> None:
    """Past five of the longest ids, WeCom's markdown cannot hold them all: those that fit are @-ed, the
    message still goes (everyone is named in its text)."""
    platform = PLATFORMS[Kind.WECOM]
    many = tuple(Mention(None, f"{LONGEST_ID[:-2]}{k:02d}") for k in range(40))
    worst = Outgoing(chat_id=BIG, text="栏" * platform.style.max_text, platform="wecom", mentions=many)
    links = SignedLinks(LONGEST_URL, LinkKey("k" * 32, timedelta(days=7)), clock=lambda: NOW)
    body = platform.request(Robot(Kind.WECOM, "https://robot.invalid/send"), worst, links, NOW, many).body
    content = body["markdown"]["content"]
    assert len(content.encode()) <= LIMITS[Kind.WECOM]
    assert 5 <= content.count("<@") < 40
