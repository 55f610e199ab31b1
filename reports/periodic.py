"""The routine's documents drawn from the database when their message is written (`domain.notice.Drawn`):
季通报 (the Word document and its annex) and 年评分 (the workbook)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from domain.notice import Drawn
from storage.items import Judge
from storage.models import Site

__all__ = ["draw"]


def draw(
    session: Session, now: datetime, judge: Judge, site_id: int, drawn: Drawn, fix_workdays: int
) -> bytes:
    """The document's bytes. Raises `reports.charts.NoCjkFont` when its charts cannot be drawn in Chinese."""
    # The document libraries load only on the days a document is written.
    from reports.bulletin import bulletin_annex, bulletin_docx, gather_quarter
    from reports.ranking import rank_workbook
    from storage.yearly import unit_years

    site = session.get(Site, site_id)
    assert site is not None
    if drawn.what == "rank":
        year = int(drawn.period)
        return rank_workbook(year, unit_years(session, now, judge, site, year))
    data = gather_quarter(session, now, judge, site, drawn.period, fix_workdays)
    return bulletin_docx(data) if drawn.what == "bulletin" else bulletin_annex(data)
