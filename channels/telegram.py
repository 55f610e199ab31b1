"""Telegram's side of the platform-neutral actions: offers become inline buttons, a pressed button becomes
the `Action` it carries. The one place that knows an action is a button's callback data, for the messages
the outbox sends and the replies handlers send alike, and for the presses that come back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from domain.actions import Action, Offer, Verb

CALLBACK_LIMIT = 64  # bytes of a button's callback_data


def callback_data(action: Action) -> str:
    data = action.encode()
    if len(data.encode()) > CALLBACK_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_LIMIT} bytes: {data}")
    return data


def keyboard(rows: Sequence[Sequence[Offer]]) -> InlineKeyboardMarkup | None:
    """The offers as rows of inline buttons (None when nothing is offered)."""
    if not any(rows):
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(o.label, callback_data=callback_data(o.action)) for o in row]
            for row in rows
            if row
        ]
    )


def pressed(query: CallbackQuery) -> Action | None:
    """The action a pressed button carries, or None (an old or foreign button)."""
    return Action.decode(query.data)


def carries(verb: Verb) -> Callable[[object], bool]:
    """A `CallbackQueryHandler` pattern: the button carries an action of `verb`."""

    def match(data: object) -> bool:
        action = Action.decode(data) if isinstance(data, str) else None
        return action is not None and action.verb is verb

    return match


def without(
    markup: InlineKeyboardMarkup | None, drop: Callable[[Action], bool]
) -> InlineKeyboardMarkup | None:
    """`markup` minus the buttons whose action `drop` says is done with; a row left empty goes."""
    rows = markup.inline_keyboard if markup else ()
    kept = []
    for row in rows:
        left = [b for b in row if not _dropped(b, drop)]
        if left:
            kept.append(left)
    return InlineKeyboardMarkup(kept) if kept else None


def _dropped(button: InlineKeyboardButton, drop: Callable[[Action], bool]) -> bool:
    data = button.callback_data
    action = Action.decode(data) if isinstance(data, str) else None
    return action is not None and drop(action)
