"""/phone: a person records their own mobile number in a private chat (for DingTalk robots' @); a wrong
number is refused with what to type; a number sent in a group is not recorded."""

from __future__ import annotations

from sqlmodel import select

from storage.db import session_scope
from storage.models import Person
from tests.bot.conftest import FINANCE, GROUP_ID, STRANGER


def phone_of(h, telegram_id: int) -> str | None:
    with session_scope(h.engine) as s:
        person = s.exec(select(Person).where(Person.telegram_id == telegram_id)).first()
        return person.phone if person else None


async def test_a_person_records_and_clears_their_own_phone(harness):
    text = (await harness.send("/phone 138-1234-5678", user=FINANCE)).last_text()
    assert "已登记" in text and "138****5678" in text and "13812345678" not in text
    assert phone_of(harness, FINANCE) == "13812345678"
    text = (await harness.send("/phone 清除", user=FINANCE)).last_text()
    assert "已删除" in text and phone_of(harness, FINANCE) is None


async def test_a_wrong_number_is_refused_and_nothing_recorded(harness):
    await harness.send("/phone 13812345678", user=FINANCE)
    text = (await harness.send("/phone 0878-3125678", user=FINANCE)).last_text()
    assert "手机号码无效" in text and "11位" in text and "没有登记" in text
    assert phone_of(harness, FINANCE) == "13812345678"
    assert "/phone 13812345678" in (await harness.send("/phone", user=FINANCE)).last_text()


async def test_not_in_a_group_and_not_for_strangers(harness):
    text = (await harness.send("/phone 13812345678", user=FINANCE, chat=GROUP_ID)).last_text()
    assert "不要在群里发送" in text and phone_of(harness, FINANCE) is None
    text = (await harness.send("/phone 13812345678", user=STRANGER)).last_text()
    assert "邀请码" in text and phone_of(harness, STRANGER) is None
