"""Charts for the office's reports (季通报, 年评分), drawn with matplotlib (Agg, no display) into PNG bytes.

matplotlib is imported on first use: the bot and the command line pay for it only when a report is drawn.
Chinese labels need a CJK font: the first installed one of `CJK_FONTS` is used (`make test` installs
Debian's fonts-wqy-microhei through scripts/ensure-fonts.sh when there is none; Noto / Source Han CJK work
too). Without one the labels would be drawn as empty boxes, so drawing refuses (`NoCjkFont`) and says
which package to install, rather than send a chart nobody can read.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from typing import Any

__all__ = ["CJK_FONTS", "NoCjkFont", "cjk_font", "overdue_over_time", "ranked", "weekly_updates"]

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "AR PL UMing CN",
)


class NoCjkFont(RuntimeError):
    """No installed font draws Chinese: the message says what to install (Chinese)."""


@cache
def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


@cache
def cjk_font() -> str:
    """The family name of an installed font that draws Chinese."""
    _pyplot()
    from matplotlib import font_manager

    for fresh in (False, True):
        if fresh:  # a font installed after matplotlib cached the list: look at the disk once more
            font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)  # type: ignore[attr-defined]
        installed = {f.name for f in font_manager.fontManager.ttflist}
        for name in CJK_FONTS:
            if name in installed:
                return name
    raise NoCjkFont(
        "没有找到中文字体，图表无法显示中文。请安装中文字体后重试，例如 Debian/Ubuntu："
        "sudo apt-get install fonts-wqy-microhei（或 fonts-noto-cjk）。"
    )


def _style() -> dict[str, Any]:
    return {"axes.unicode_minus": False, "font.size": 9, "font.family": [cjk_font(), "DejaVu Sans"]}


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    # A fixed creation date: the same data draws the same bytes.
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


def weekly_updates(
    units: Sequence[str], weeks: Sequence[str], counts: Sequence[Sequence[int]], title: str
) -> bytes:
    """A unit × week grid of logged updates (darker: more), the number written in each cell."""
    plt = _pyplot()
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(8, max(2.5, 0.32 * len(units) + 1.2)))
        data = [list(row) for row in counts] or [[0] * len(weeks)]
        image = ax.imshow(data, aspect="auto", cmap="Blues", vmin=0)
        ax.set_xticks(range(len(weeks)), labels=list(weeks), rotation=45, ha="right")
        ax.set_yticks(range(len(units)), labels=list(units))
        top = max((max(r) for r in data if r), default=0) or 1
        for y, row in enumerate(counts):
            for x, n in enumerate(row):
                if n:
                    ax.text(x, y, str(n), ha="center", va="center", color="white" if n > top / 2 else "black")
        ax.set_title(title)
        fig.colorbar(image, ax=ax, label="更新条数")
        return _png(fig)


def overdue_over_time(days: Sequence[str], overdue: Sequence[int], empty: Sequence[int], title: str) -> bytes:
    """Items overdue (and empty columns) at each week's end."""
    plt = _pyplot()
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(8, 3.2))
        ax.plot(list(days), list(overdue), marker="o", color="#c0392b", label="逾期栏目和账号")
        ax.plot(list(days), list(empty), marker="s", color="#7f8c8d", label="空白栏目")
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper left")
        ax.set_title(title)
        plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
        return _png(fig)


def ranked(names: Sequence[str], values: Sequence[float], title: str, xlabel: str) -> bytes:
    """Units ranked, the first at the top (a horizontal bar each, its value written at its end)."""
    plt = _pyplot()
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(8, max(2.5, 0.3 * len(names) + 1.2)))
        ax.barh(list(names)[::-1], list(values)[::-1], color="#2e86c1")
        for y, v in enumerate(list(values)[::-1]):
            ax.text(v, y, f" {v:g}", va="center")
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        return _png(fig)
