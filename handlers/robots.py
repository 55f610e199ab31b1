"""/robot add|list|test|remove (administrators, in a private chat): group robots, as `zhiri channel`.

A webhook posted in a group is a credential shown to everyone there: it is refused (nothing bound) and the
sender is asked to delete it and to use the private chat."""

from __future__ import annotations

from telegram import Update

from acts.channels import (
    NoRobots,
    RobotsToTest,
    add_robot,
    list_robots,
    remove_robot,
    robots_to_test,
)
from channels.robots.trial import try_robots
from domain.access import administers
from handlers import context as ctx
from handlers.context import Context
from handlers.respond import send
from replies import format as fmt
from replies import robots as words
from replies.format import Reply

KIND_WORDS = {
    "dingtalk": "dingtalk",
    "钉钉": "dingtalk",
    "wecom": "wecom",
    "企业微信": "wecom",
    "企微": "wecom",
    "feishu": "feishu",
    "lark": "feishu",
    "飞书": "feishu",
}


def _looks_secret(words: list[str]) -> bool:
    return any("://" in w or w.upper().startswith("SEC") or "access_token" in w or "key=" in w for w in words)


def parse_add(words: list[str]) -> tuple[str, str, str | None, str | None] | None:
    """UNIT… URL [SECRET] [KIND] (also --secret S / --kind K, as on the command line), or None."""
    at = next((i for i, w in enumerate(words) if "://" in w), None)
    if at is None or at == 0:
        return None
    unit, url, rest = " ".join(words[:at]), words[at], words[at + 1 :]
    secret = kind = None
    i = 0
    while i < len(rest):
        word = rest[i]
        if word in ("--secret", "--kind") and i + 1 < len(rest):
            if word == "--secret":
                secret = rest[i + 1]
            else:
                kind = rest[i + 1]
            i += 2
            continue
        if word.casefold() in KIND_WORDS:
            kind = KIND_WORDS[word.casefold()]
        else:
            secret = word
        i += 1
    return unit, url, secret, kind


async def robot(update: Update, context: Context) -> None:
    args = ctx.args(context)
    if not ctx.is_private(update):
        return await send(
            update, context, Reply(words.IN_GROUP if _looks_secret(args) else words.IN_GROUP_OTHER)
        )
    if not administers(await ctx.actor(context, update)):
        return await send(update, context, Reply(fmt.NOT_ADMIN))  # as every administrators' command
    verb, rest = (args[0].casefold(), args[1:]) if args else ("", [])
    if verb == "add":
        parsed = parse_add(rest)
        if parsed is None:
            return await send(update, context, Reply(words.CHAT_USAGE))
        bound = await ctx.act(context, update, add_robot, *parsed)
        return await send(update, context, Reply(words.bound(bound)))
    if verb == "list":
        listed = await ctx.act(context, update, list_robots)
        return await send(update, context, Reply(words.listed(listed, ctx.judge(context).tz)))
    if verb == "remove" and rest:
        at = next((i for i, w in enumerate(rest) if "://" in w), None)
        unit, url = (" ".join(rest[:at]), rest[at]) if at else (" ".join(rest), None)
        removed = await ctx.act(context, update, remove_robot, unit, url)
        return await send(update, context, Reply(words.removed(removed)))
    if verb == "test" and rest:
        found = await ctx.act(context, update, robots_to_test, " ".join(rest))
        if isinstance(found, NoRobots):
            return await send(update, context, Reply(words.removed(found)))
        if not isinstance(found, RobotsToTest):
            return await send(update, context, Reply(words.bound(found)))
        errors = await try_robots(found.robots, words.test_text(found.where))
        return await send(update, context, Reply(words.tested(found, errors)))
    await send(update, context, Reply(words.CHAT_USAGE))
