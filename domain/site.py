"""The names a site calls its own offices and documents, said by the bot instead of literals in code.

A county says 县政府办公室, a prefecture 州政府办公室; a site that signed no responsibility pledge is
not quoted one. The site's settings hold the names (`zhiri site`), filled at import where the list shows them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from domain.units import site_place

# Said when the site has not named its office: true of every site, names none.
DEFAULT_OFFICE = "网站主管单位"


@dataclass(frozen=True, slots=True)
class SiteWords:
    """What the bot calls the site's government office (it receives reports), its administrator (people
    ask it for invitations), the pledge clause it quotes (None: none), and example names for /help."""

    office: str = DEFAULT_OFFICE
    admin: str = ""  # "": the office
    pledge: str | None = None
    units: tuple[str, ...] = ()  # two of the site's units, for examples
    group: str | None = None  # one of the site's unit groups, for examples

    @property
    def admin_office(self) -> str:
        return self.admin or self.office

    def unit(self, n: int = 0) -> str:
        """The n-th example unit ("单位名称" when the site has none yet)."""
        return self.units[n] if len(self.units) > n else ("单位名称" if n == 0 else "另一单位名称")

    @property
    def group_name(self) -> str:
        return self.group or "单位组名称"


def office_of(site_name: str, unit_names: Iterable[str]) -> str | None:
    """The site's government office as its list names it (the fullest of 县政府办 / 县人民政府办公室 …),
    else made from the site's level (县 → 县政府办公室); None when the site's name has no place."""
    place = site_place(site_name)
    level = place[-1] if place else ""
    if not level:
        return None
    pattern = re.compile(rf"^(?:{re.escape(place)}|{level})(?:人民)?政府办(?:公室)?$")
    found = [n for n in unit_names if pattern.match(n)]
    if found:
        return max(found, key=len)
    return f"{level}政府办公室"
