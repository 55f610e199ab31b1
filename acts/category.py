"""An administrator's correction of a column's category (the inspectors' kind of column it is), or 自动 to
read it from the path again. A deployment-wide setting, so the deployment's administrators' act.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain.access import Act, permits
from domain.inspection import (
    category_from_text,
    classify,
)
from domain.model import Category, ItemKind
from storage.items import Judge, refresh_item
from storage.models import Item
from storage.people import Ambiguous, ItemUnknown
from storage.queries import (
    Actor,
    ItemRef,
    NotAdmin,
    item_refs,
    match_items,
)
from storage.score import to_category


@dataclass(frozen=True)
class CategorySet:
    item: ItemRef
    category: Category
    automatic: bool  # the override was removed: the category is read from the path again
    before: Category


@dataclass(frozen=True)
class CategoryUsage:
    words: tuple[str, ...] = ()


AUTO_WORDS = ("自动", "auto")


def category_by(
    session: Session, now: datetime, actor: Actor, judge: Judge, words: Sequence[str]
) -> CategorySet | CategoryUsage | ItemUnknown | Ambiguous | NotAdmin:
    """`栏目 类别` (`/category`, `zhiri category`): store the administrator's category for a column (or 自动
    to read it from the path again) and refresh the item, whose inspection risk depends on it. A
    deployment-wide setting, so the deployment's administrators' act."""
    if not permits(actor, Act.ADMINISTER, None):
        return NotAdmin()
    if len(words) < 2:
        return CategoryUsage()
    category_word = words[-1]
    automatic = category_word in AUTO_WORDS
    category = None if automatic else category_from_text(category_word)
    if category is None and not automatic:
        return CategoryUsage(tuple(words))
    found = match_items(item_refs(session, None), words[:-1])
    if found.rest:
        found = match_items(item_refs(session, None), [" ".join(words[:-1])])
    ref = found.one
    if ref is None:
        if found.hits:
            return Ambiguous(" ".join(words[:-1]), found.hits[:8])
        return ItemUnknown(" ".join(words[:-1]), found.suggestions)
    item = session.get(Item, ref.id)
    assert item is not None
    before = to_category(item.category)
    if automatic:
        levels = [x or "" for x in (item.level1, item.level2, item.level3, item.level4, item.level5)]
        kind = ItemKind.ACCOUNT if item.kind == ItemKind.ACCOUNT else ItemKind.COLUMN
        path = levels if kind == ItemKind.COLUMN else [item.platform or "", item.name]
        category = classify(path, kind)
        item.category_override = None
    else:
        assert category is not None
        item.category_override = category
    item.category = category
    session.add(item)
    refresh_item(session, item, judge, now)
    return CategorySet(ref, category, automatic, before)
