"""Who may do what on which unit: the one permission policy behind every command and every button.

A person's powers are three facts (`Powers`): a deployment-wide administrator, the units they administer,
and the units whose items they answer for. Every act that writes is one of the `Act`s below and is asked
here, about the units it touches, whatever its entrance (a command, a button, a reply to a prompt) and
whatever the chat it happens in: a button pressed in a group says nothing about who pressed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol


class Act(StrEnum):
    LOG = "log"  # /done, 已更新, /event, /undo: log or take back an update of an item
    CHECK = "check"  # 已巡查 (the daily read), 正常/有问题 and the fix note (the half-month check)
    SEE = "see"  # /history, /check: read what happened to an item
    # /invite, /bindchat, /remove, /revoke, /retire and /unretire for a unit; settings when deployment-wide
    ADMINISTER = "administer"


class Powers(Protocol):
    @property
    def global_admin(self) -> bool: ...
    @property
    def admin_units(self) -> frozenset[int]: ...
    @property
    def units(self) -> frozenset[int]: ...


def permits(who: Powers, act: Act, units: Iterable[int] | None) -> bool:
    """May `who` do `act` on something belonging to `units` (None: the whole deployment, every unit)?

    A deployment-wide administrator may do everything. Others act only on what belongs to one of their
    units: their own (`units`, which include the groups and members related to them) for logging,
    checking and reading, the units they administer for administering. Something of no unit (an item
    imported without one) is the deployment's, so only its administrators may touch it.
    """
    if who.global_admin:
        return True
    if units is None:
        # A chat bound to every unit: anyone bound to some unit takes part in it; administering it is
        # the deployment administrators' business.
        return act is not Act.ADMINISTER and bool(who.units)
    mine = who.admin_units if act is Act.ADMINISTER else who.units
    return not mine.isdisjoint(units)


def administers(who: Powers) -> bool:
    """Whether `who` administers anything: the door to the administrators' commands (what each one touches is
    still asked with `permits`, unit by unit)."""
    return who.global_admin or bool(who.admin_units)


def takes_part(who: Powers) -> bool:
    """Whether `who` is bound to some unit (or administers the deployment): a stranger is refused everything
    but joining."""
    return who.global_admin or bool(who.units)
