"""The routine's spreadsheets (the half-month report and checklist, a long list's digest): one sheet per
table of `domain.notice.Report`."""

from __future__ import annotations

from domain.notice import Report
from reports.sheetwrite import workbook

__all__ = ["render_report"]


def render_report(report: Report) -> bytes:
    """The XLSX bytes of a `domain.notice.Report` (see `reports.sheetwrite.workbook`)."""
    return workbook(report.sheets)
