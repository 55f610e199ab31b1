"""End to end: names and numbers are not read too eagerly by /done.

An ordinal (第12期) is a note, not a count; a one-character prefix is asked about, with a button; a name
that is exactly another unit's item is refused with its owner, not logged as one's own similar item.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col

from domain.calendar import WorkCalendar
from storage.db import session_scope
from storage.items import Judge, set_rule
from storage.models import Item, ItemUnit, UpdateLog
from tests.bot.e2e import FINANCE, running_bot
from tests.bot.seed import World
from tests.conftest import SHANGHAI


def add_item(bot, world: World, path: str, unit: str) -> int:
    now = datetime.now(UTC)
    with session_scope(bot.engine) as session:
        row = Item(
            site_id=world.site_id,
            kind="column",
            key=f"column:{path}",
            name=path.split(" / ")[-1],
            path=path,
            created_at=now,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        session.add(ItemUnit(item_id=row.id, unit_id=world.units[unit], lead=True))
        session.flush()
        set_rule(session, now, Judge(tz=SHANGHAI, calendar=WorkCalendar()), row, "6个月内更新")
        return row.id


def logs(bot, *where):
    return bot.rows(UpdateLog, col(UpdateLog.person_id).is_not(None), *where)


def test_done_does_not_read_ordinals_as_counts_nor_guess_names(tmp_path):
    with running_bot(tmp_path) as bot:
        theirs = add_item(bot, bot.world, "信息公开 / 政府采购", "市政府办公室")
        mine = add_item(bot, bot.world, "信息公开 / 政府采购公告", "市财政局")
        finance, chat = bot.person(FINANCE, "赵财")

        # 第12期 is the 12th issue: one update with that note, not twelve.
        text = bot.ask(chat, finance, "/done 财政预决算 第12期", "已登记更新").text or ""
        assert "（12条）" not in text
        (entry,) = logs(bot)
        assert (entry.count, entry.note) == (1, "第12期")

        # Exactly another unit's item: refused with its owner, her own 政府采购公告 is not logged.
        bot.ask(chat, finance, "/done 政府采购", "由市政府办公室负责")
        assert logs(bot, UpdateLog.item_id == mine) == [] and logs(bot, UpdateLog.item_id == theirs) == []

        # One character is not a name: the bot asks, with a button for what it guesses.
        asked = bot.ask(chat, finance, "/done 政", "不是完整的名称")
        assert "政府采购公告" in (asked.text or "")
        assert logs(bot, UpdateLog.item_id == mine) == []
        assert "已登记" in bot.press(chat, finance, asked.message_id, f"done:{mine}")
        (entry,) = logs(bot, UpdateLog.item_id == mine)
        assert entry.count == 1

        # A clearly unique, long enough part of her own item's name is still taken at once.
        bot.ask(chat, finance, "/done 政府采购公 2", "已登记更新")
        assert sorted(e.count for e in logs(bot, UpdateLog.item_id == mine)) == [1, 2]
