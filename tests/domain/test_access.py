"""The one permission policy: who may do what on which unit."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from domain.access import Act, administers, permits, takes_part


@dataclass(frozen=True)
class Who:
    global_admin: bool = False
    admin_units: frozenset[int] = field(default_factory=frozenset)
    units: frozenset[int] = field(default_factory=frozenset)


ADMIN = Who(global_admin=True)
FINANCE_ADMIN = Who(admin_units=frozenset({1}), units=frozenset({1}))
FINANCE = Who(units=frozenset({1, 9}))  # 市财政局 and the group 市属各部门 holding it
STRANGER = Who()


@pytest.mark.parametrize("act", list(Act))
def test_a_deployment_administrator_may_do_everything_and_a_stranger_nothing(act):
    for units in ([1], [2], [], None):
        assert permits(ADMIN, act, units)
        assert not permits(STRANGER, act, units)


@pytest.mark.parametrize("act", [Act.LOG, Act.CHECK, Act.SEE])
def test_people_act_on_their_own_units_only(act):
    assert permits(FINANCE, act, [1]) and permits(FINANCE, act, [9, 3])
    assert not permits(FINANCE, act, [2]) and not permits(FINANCE, act, [])  # another unit's; nobody's
    assert permits(FINANCE, act, None)  # a group for every unit: everyone bound somewhere takes part


def test_administering_needs_an_admin_role_for_that_unit():
    assert not permits(FINANCE, Act.ADMINISTER, [1])
    assert permits(FINANCE_ADMIN, Act.ADMINISTER, [1])
    assert not permits(FINANCE_ADMIN, Act.ADMINISTER, [2])
    assert not permits(FINANCE_ADMIN, Act.ADMINISTER, None)  # deployment-wide: only its administrators


def test_who_administers_something_and_who_takes_part():
    assert [administers(w) for w in (ADMIN, FINANCE_ADMIN, FINANCE, STRANGER)] == [True, True, False, False]
    assert [takes_part(w) for w in (ADMIN, FINANCE_ADMIN, FINANCE, STRANGER)] == [True, True, True, False]
