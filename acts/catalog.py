"""The responsibility list into the database: the site, its units and unit groups, its items and who answers
for them.

Importing is an upsert keyed by `Item.key` (the column's path, or platform and account name), so the same
list imported twice changes nothing, and a changed list says what was added, what changed and what left
the list. Items that leave are retired, never deleted: their history stays. Every problem that refuses a
list is found before the first write, so a refused list leaves the database as it was. `run_import` then
writes in short transactions (a chunk of rows each), so the running bot is never locked out for long; a
failure halfway (`ImportInterrupted`) leaves whole chunks, and importing the same list again completes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from acts.retire import retire, unretire
from acts.units import find_unit, proposed_merges
from domain.inspection import classify
from domain.model import Category, ItemKind, LinkRole, Role, UnitKind, UpdateSource
from domain.robots import mobile
from domain.rules import parse_rule
from domain.site import office_of
from domain.text import KIND_LABELS
from domain.units import UnitLink
from sheetread.sheets import ImportProblem, ListRow, Notice, ParsedList, SheetInfo, parse_list
from storage.db import insert_all, session_scope
from storage.items import Judge, log_update, plain_rows, refresh_all, rule_columns, set_rule
from storage.models import Event, Item, ItemUnit, Membership, Person, Site, Unit, UnitAlias, UnitGroupMember
from storage.queries import clean, name_key
from storage.sites import find_site, site_judge

__all__ = [
    "Change",
    "ImportInterrupted",
    "ImportProblem",
    "ImportReport",
    "RetireGuard",
    "RetireRefused",
    "RuleProblem",
    "UnitCellProblem",
    "ensure_unit",
    "import_list",
    "import_rows",
    "resolve_site",
    "run_import",
]

# Fields a list can change, with the words people read in the report.
FIELD_LABELS = {
    "rule_text": "更新要求",
    "units": "责任单位",
    "content": "内容",
    "note": "备注",
    "url": "地址",
    "handle": "账号ID",
}


@dataclass(frozen=True, slots=True)
class Change:
    label: str
    fields: tuple[str, ...]  # keys of FIELD_LABELS


@dataclass(frozen=True, slots=True)
class RetireGuard:
    """When a re-import must stop before retiring: more than `max_items` items, or more than `max_share` of
    the site's live items of the kinds the list has. A wrong or truncated file looks exactly like that."""

    max_items: int = 5
    max_share: float = 0.2
    confirmed: bool = False  # the administrator said --confirm-retire

    def stops(self, retiring: int, live: int) -> bool:
        if self.confirmed or retiring == 0:
            return False
        return retiring > self.max_items or retiring > live * self.max_share


class RetireRefused(ImportProblem):
    """The import would retire more than the guard allows without the administrator's confirmation."""


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """A row whose rule text was not understood: imported, marked needs_rule, reported."""

    sheet: str
    row: int
    label: str
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class UnitCellProblem:
    """A row whose unit cell has pieces that are not units: imported with the units that were read."""

    sheet: str
    row: int
    label: str
    pieces: tuple[str, ...]


@dataclass
class ImportReport:
    file: str
    site: str
    site_created: bool = False
    dry_run: bool = False
    sheets: list[SheetInfo] = field(default_factory=list)
    skipped: list[Notice] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    columns: int = 0
    accounts: int = 0
    units: list[str] = field(default_factory=list)  # every unit the list names
    units_added: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # group words (市属各部门 …) among them
    roles: list[str] = field(default_factory=list)  # roles (具备执法权的单位 …) among them
    unfilled_groups: list[str] = field(default_factory=list)  # groups with no member units yet
    unfilled_roles: list[str] = field(default_factory=list)  # roles with no member units yet
    unit_problems: list[UnitCellProblem] = field(default_factory=list)
    merges: list[tuple[str, str]] = field(default_factory=list)  # proposed: (name, into)
    office: str | None = None  # the site's office, when this import named it
    added: list[str] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)  # dropped from the list
    restored: list[str] = field(default_factory=list)
    retired_by_list: list[str] = field(default_factory=list)  # the list's 停更 column retired them
    kept_retired: list[str] = field(default_factory=list)  # retired by an administrator, left retired
    needs_rule: list[RuleProblem] = field(default_factory=list)
    without_unit: list[Notice] = field(default_factory=list)
    logged: int = 0  # last-update dates taken into the log
    untouched_kinds: list[str] = field(default_factory=list)  # kinds the file has no sheet for: left alone
    per_sheet: dict[str, int] = field(default_factory=dict)  # items read from each sheet
    cautions: list[str] = field(default_factory=list)  # the list may be the wrong one: said first
    # The list's 运维人员 (and 联系电话): webmasters added to their unit, mobile numbers recorded for the
    # group robots' @, and rows whose person could not be recorded (why, where).
    people_added: list[str] = field(default_factory=list)  # "张三（县委宣传部）"
    phones_recorded: int = 0
    people_notes: list[Notice] = field(default_factory=list)
    needs_confirm: bool = False  # a dry run whose retirements would need --confirm-retire

    def _to_fix(self) -> list[str]:
        """What the administrator should fix, in this order: rules, unit cells, roles, groups, merges."""
        out: list[str] = []
        if self.needs_rule:
            out.append(
                f"以下 {len(self.needs_rule)} 行的更新要求无法识别，已导入并标为“待补充规则”，请补充："
            )
            for p in self.needs_rule:
                text = f"“{p.text}”" if p.text.strip() else "（空）"
                out.append(f"  工作表“{p.sheet}”第{p.row}行　{p.label}：{text}")
        if self.unit_problems:
            out.append(
                f"以下 {len(self.unit_problems)} 行的责任单位无法识别"
                "（不像单位名称，未作为单位导入），请改正："
            )
            for u in self.unit_problems:
                pieces = "、".join(f"“{p}”" for p in u.pieces)
                out.append(f"  工作表“{u.sheet}”第{u.row}行　{u.label}：{pieces}")
        if self.unfilled_roles:
            out.append(
                f"以下 {len(self.unfilled_roles)} 个角色不是具体单位，"
                "请用 /group 角色 单位… 指定由哪些单位承担："
                f"{'、'.join(self.unfilled_roles)}"
            )
        if self.unfilled_groups:
            out.append(
                f"单位组 {len(self.unfilled_groups)} 个，请用 /group 单位组 单位… 补充其成员单位："
                f"{'、'.join(self.unfilled_groups)}"
            )
        if self.merges:
            out.append(
                f"以下 {len(self.merges)} 组名称可能是同一个单位，"
                "确认后请用 zhiri units merge 旧名称 保留的名称 合并："
            )
            out.extend(f"  “{a}” → “{b}”　（zhiri units merge {a} {b}）" for a, b in self.merges)
        return out

    def render(self) -> str:
        """The report in Chinese, as printed by `zhiri import`."""
        out: list[str] = []
        created = "（新建）" if self.site_created else ""
        out.append(f"导入文件：{self.file}　网站：{self.site}{created}")
        for s in self.sheets:
            n = self.per_sheet.get(s.name, 0)
            out.append(f"  工作表“{s.name}”：表头在第{s.header_row}行，{KIND_LABELS[s.kind]} {n} 个")
            if s.unused:
                out.append(f"    未使用的列：{'、'.join(s.unused)}")
        for skip in self.skipped:
            out.append(f"  工作表“{skip.sheet}”：{skip.text}")
        out.append(
            f"栏目 {self.columns} 个，政务新媒体账号 {self.accounts} 个，责任单位 {len(self.units)} 个"
            f"（新建 {len(self.units_added)} 个），需要补充更新要求 {len(self.needs_rule)} 行"
        )
        out.append(
            f"新增 {len(self.added)} 项，变更 {len(self.changed)} 项，停用 {len(self.retired)} 项，"
            f"恢复 {len(self.restored)} 项；导入最近更新记录 {self.logged} 条"
        )
        out.extend(f"注意：{c}" for c in self.cautions)
        if self.people_added or self.phones_recorded:
            added = f"（{'、'.join(self.people_added[:20])}{'等' if len(self.people_added) > 20 else ''}）"
            out.append(
                f"运维人员：新增网站维护员 {len(self.people_added)} 人"
                f"{added if self.people_added else ''}，登记手机号码 {self.phones_recorded} 个"
                "（群机器人提醒时 @ 本人；zhiri person list 查看）"
            )
        if self.people_notes:
            out.append(f"以下 {len(self.people_notes)} 行的运维人员或联系电话未登记：")
            out.extend(f"  工作表“{n.sheet}”第{n.row}行　{n.text}" for n in self.people_notes)
        if self.office:
            out.append(
                f"网站主管单位记为“{self.office}”（提醒和报告中使用）；"
                "如需修改，或设置信息中心名称、承诺书条款，请用 zhiri site。"
            )
        for kind in self.untouched_kinds:
            out.append(f"文件中没有{KIND_LABELS[kind]}表，已有的{KIND_LABELS[kind]}保持不变。")
        out.extend(self._to_fix())
        if self.without_unit:
            out.append(f"以下 {len(self.without_unit)} 行没有责任单位，提醒无人接收，请补充：")
            out.extend(f"  工作表“{w.sheet}”第{w.row}行　{w.text}" for w in self.without_unit)
        if self.added and (len(self.added) <= 30 or self.changed or self.retired):
            out.append("新增：")
            out.extend(f"  {label}" for label in self.added)
        if self.changed:
            out.append("变更：")
            for c in self.changed:
                out.append(f"  {c.label}：{'、'.join(FIELD_LABELS[f] for f in c.fields)}")
        if self.retired:
            out.append("停用（已不在清单中，历史记录保留）：")
            out.extend(f"  {label}" for label in self.retired)
        if self.needs_confirm:
            out.append(
                f"正式导入将停用以上 {len(self.retired)} 项，超过不经确认即可停用的上限："
                "确认无误后请加上 --confirm-retire 导入。"
            )
        if self.restored:
            out.append("恢复（重新出现在清单中）：")
            out.extend(f"  {label}" for label in self.restored)
        if self.retired_by_list:
            out.append("停更（清单“停更”列标注，不再提醒，历史记录保留）：")
            out.extend(f"  {label}" for label in self.retired_by_list)
        if self.kept_retired:
            out.append(
                "保持停更（系统管理员已停更；如需恢复，"
                "请在清单“停更”列填“在用”，或发送 /unretire 栏目名称）："
            )
            out.extend(f"  {label}" for label in self.kept_retired)
        if self.notices:
            out.append("提示：")
            for notice in self.notices:
                where = f"第{notice.row}行" if notice.row else ""
                out.append(f"  工作表“{notice.sheet}”{where}：{notice.text}")
        if self.dry_run:
            out.append("（试运行：以上是导入的预览，数据库没有任何修改。）")
        return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------
# Sites and units


def resolve_site(
    session: Session, now: datetime, name: str | None, title: str | None, fallback: str
) -> tuple[Site, bool]:
    """The site to import into: named, or the only one, or a new one named after the list's title."""
    site = find_site(session, name)
    if site is not None:
        return site, False
    if not name:
        if names := "、".join(session.exec(select(Site.name))):  # find_site found several
            raise ImportProblem(f"数据库中有多个网站（{names}）。请用 --site 指定导入到哪个网站。")
        name = _site_name(title, fallback)
    site = Site(name=name, created_at=now)
    session.add(site)
    session.flush()
    return site, True


def _site_name(title: str | None, fallback: str) -> str:
    # "楚雄市人民政府网站栏目管理责任分解清单" names the site "楚雄市人民政府网站".
    if title and "网站" in title:
        return title[: title.index("网站") + 2]
    return title or fallback


def ensure_unit(
    session: Session,
    now: datetime,
    site_id: int,
    name: str,
    *,
    group: bool = False,
    kind: UnitKind | None = None,
) -> tuple[Unit, bool]:
    """The site's unit of that name or alias, created if missing; a group word or a role marks it a
    placeholder the administrator fills. (unit, created)."""
    kind = kind or (UnitKind.GROUP if group else UnitKind.UNIT)
    unit = find_unit(session, site_id, name)
    if unit is not None:
        if kind != UnitKind.UNIT and not unit.is_group:
            unit.is_group, unit.kind = True, kind
            session.add(unit)
        return unit, False
    unit = Unit(site_id=site_id, name=name, is_group=kind != UnitKind.UNIT, kind=kind, created_at=now)
    session.add(unit)
    session.flush()
    return unit, True


# ---------------------------------------------------------------------------------------------------------
# Items


def _moment(day: date | datetime, tz: ZoneInfo) -> datetime:
    """A list's last-update cell as an aware moment: a bare date counts as local noon of that day."""
    if isinstance(day, datetime):
        local = day if day.tzinfo is not None else day.replace(tzinfo=tz)
    else:
        local = datetime.combine(day, time(12), tzinfo=tz)
    return local.astimezone(UTC)


def _path(row: ListRow) -> str:
    if row.kind == ItemKind.ACCOUNT:
        return f"{row.platform} / {row.name}" if row.platform else row.name
    return " / ".join(row.levels)


def _optional(text: str | None) -> str | None:
    return text if text else None


def _rule_needs_fix(kind: str, text: str) -> bool:
    # An account with no rule posts weekly by default (domain.due): not a problem to report.
    if kind == ItemKind.ACCOUNT and not text.strip():
        return False
    return not parse_rule(text).ok


def _merge_duplicates(rows: Sequence[ListRow], notices: list[Notice]) -> list[ListRow]:
    """One row per key. A repeat that only adds units is merged; one that says something else is fatal."""
    first: dict[str, int] = {}
    out: list[ListRow] = []
    for row in rows:
        if row.key not in first:
            first[row.key] = len(out)
            out.append(row)
            continue
        kept = out[first[row.key]]
        what = KIND_LABELS[row.kind]
        if (row.rule_text or "") != (kept.rule_text or "") and row.rule_text and kept.rule_text:
            raise ImportProblem(
                f"工作表“{row.sheet}”第{row.row}行与工作表“{kept.sheet}”第{kept.row}行是同一个{what}"
                f"（{row.label}），但更新要求不同（“{row.rule_text}”与“{kept.rule_text}”）。"
                f"请删除重复的行，或改正{what}名称后重新导入。"
            )
        units = {u.name: u for u in kept.units or ()}
        for u in row.units or ():
            if u.name not in units:
                units[u.name] = replace(u, role=LinkRole.HELPER)
        out[first[row.key]] = replace(
            kept,
            handle=kept.handle or row.handle,
            rule_text=kept.rule_text or row.rule_text,
            content=kept.content or row.content,
            note=kept.note or row.note,
            url=kept.url or row.url,
            units=tuple(units.values()) if kept.units is not None or row.units is not None else None,
            last_update=kept.last_update or row.last_update,
        )
        notices.append(
            Notice(
                row.sheet,
                row.row,
                f"与第{kept.row}行是同一个{what}（{row.label}），已合并为一项（责任单位合并）",
            )
        )
    return out


def import_rows(
    session: Session,
    now: datetime,
    judge: Judge,
    parsed: ParsedList,
    *,
    site: str | None = None,
    file_name: str = "",
    guard: RetireGuard | None = None,
    commit: Callable[[], None] | None = None,
) -> ImportReport:
    """Bring the site's items in line with a parsed list. With a `guard`, an import that would retire too
    many items raises RetireRefused before writing anything.

    Without `commit`, all of it happens in the caller's transaction. With it (`run_import`), `commit` is
    called after each chunk of CHUNK_ROWS rows (the first also holds the site and its units): every
    transaction is short, so the running bot's own writes wait a moment at most (SQLite has one writer at
    a time: a 50,000-row import in one transaction locked the bot out for minutes). Each chunk is whole
    (its items with their units, rule, logged last update and judged state); the items that left the list
    are retired last, in the final transaction. Every check that can refuse the list runs before the first
    write."""
    notices = list(parsed.notices)
    rows = _merge_duplicates(parsed.rows, notices)
    if guard is not None:
        _check_retirements(session, guard, find_site(session, site), parsed.kinds, {r.key for r in rows})
    site_row, created = resolve_site(session, now, site, parsed.title, Path(file_name).stem or "网站")
    assert site_row.id is not None
    report = ImportReport(
        file=file_name,
        site=site_row.name,
        site_created=created,
        sheets=parsed.sheets,
        skipped=parsed.skipped,
        notices=notices,
    )
    for r in rows:
        report.per_sheet[r.sheet] = report.per_sheet.get(r.sheet, 0) + 1
    report.columns = sum(1 for r in rows if r.kind == ItemKind.COLUMN)
    report.accounts = sum(1 for r in rows if r.kind == ItemKind.ACCOUNT)
    report.untouched_kinds = [k for k in ItemKind if k not in parsed.kinds]
    for info in parsed.sheets:
        if not _UNIT_HEADERS & set(info.columns.values()):
            what = KIND_LABELS[info.kind]
            report.cautions.append(
                f"工作表“{info.name}”没有责任单位列：其中 {report.per_sheet.get(info.name, 0)} 个{what}"
                f"没有责任单位，提醒将无人接收（已有{what}的责任单位保持不变）。"
                "请在清单中加上“责任单位”列后重新导入。"
            )

    units = _import_units(session, now, site_row.id, rows, report)
    _import_people(session, now, site_row.id, rows, units, report)
    if site_row.office_name is None and (office := office_of(site_row.name, report.units)):
        site_row.office_name = office
        session.add(site_row)
        report.office = office
    live_before = session.exec(
        select(func.count())
        .select_from(Item)
        .where(Item.site_id == site_row.id, col(Item.kind).in_(parsed.kinds), col(Item.retired_at).is_(None))
    ).one()

    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start : start + CHUNK_ROWS]
        # Each chunk reads its items again: between chunks the bot may have logged, retired or re-classified
        # some of them, and the import must build on that, not on what it read at the start.
        fresh = session.exec(
            select(Item)
            .where(Item.site_id == site_row.id, col(Item.key).in_([r.key for r in chunk]))
            .execution_options(populate_existing=True)
        ).all()
        existing = {i.key: i for i in fresh}
        links = _links(session, [i.id for i in fresh if i.id is not None])
        new = _NewItems(session)
        for row in chunk:
            _import_row(session, now, judge, site_row.id, row, existing, new, units, links, report, notices)
        new.write()  # the chunk's new items, a batch of rows per INSERT, which gives them their ids
        session.flush()
        done = [(existing.get(row.key) or new.items[row.key], row.key not in existing) for row in chunk]
        _link_units(session, [(i, row) for row, (i, added) in zip(chunk, done, strict=True) if added], units)
        ids = [item.id for item, _ in done if item.id is not None]
        open_events = set(
            session.exec(
                select(Event.item_id).where(col(Event.item_id).in_(ids), col(Event.closed_at).is_(None))
            )
        )
        for row, (item, _added) in zip(chunk, done, strict=True):
            if row.last_update is not None and _log_last_update(
                session, now, judge, item, row, report, has_open_event=item.id in open_events
            ):
                report.logged += 1
        # One judgement per chunk (a few queries for hundreds of items), not one per row.
        refresh_all(session, judge, now, [item for item, _ in done])
        session.flush()
        if commit is not None:
            commit()

    _retire_left(session, now, site_row.id, parsed.kinds, {r.key for r in rows}, report)
    _caution(report, site_row.name, site, parsed.title, live_before)
    session.flush()
    report.merges = proposed_merges(session, site_row)
    return report


def _import_row(
    session: Session,
    now: datetime,
    judge: Judge,
    site_id: int,
    row: ListRow,
    existing: dict[str, Item],
    new: _NewItems,
    units: dict[str, Unit],
    links: dict[int, dict[int, ItemUnit]],
    report: ImportReport,
    notices: list[Notice],
) -> None:
    """One row of the list into its item: an existing one brought in line, or a new one's row gathered into
    `new`. A new item gets its id when the caller writes the chunk's new items, then its units and logged
    last update, and its schedule is judged for the whole chunk."""
    item = existing.get(row.key)
    statement, reason = retire_statement(row.retire)
    if statement == "unknown":
        notices.append(
            Notice(
                row.sheet,
                row.row,
                f"“停更”列的“{row.retire}”无法识别，按未填写处理（停更请填“已停更：原因”，恢复请填“在用”）",
            )
        )
    if item is None:
        values = _new_item(now, site_id, row)
        new.add(values)
        report.added.append(row.label)
        text = row.rule_text or ""
        if statement == "retired":
            new.write()  # written now: the trail keeps its retirement in the list's order
            retire(session, now, new.items[row.key], reason=reason or "清单标注停更")
            report.retired_by_list.append(row.label)
    else:
        _update_item(session, now, judge, item, row, units, links.get(item.id or 0, {}), report, statement)
        if statement == "retired" and not (item.retired_at is not None and item.retired_by_admin):
            retire(session, now, item, reason=reason or "清单标注停更")
            report.retired_by_list.append(row.label)
        text = item.rule_text
    if _rule_needs_fix(row.kind, text):
        report.needs_rule.append(
            RuleProblem(row.sheet, row.row, row.label, text, parse_rule(text).reason or "")
        )
    if row.unit_problems:
        report.unit_problems.append(UnitCellProblem(row.sheet, row.row, row.label, row.unit_problems))
    elif row.units is not None and not row.units and not row.external:
        report.without_unit.append(Notice(row.sheet, row.row, row.label))


# Rows per transaction of a real import. A new row costs about a quarter of a millisecond of writing and
# judging (the bench's lists, SQLite); a chunk of 200 holds the database (SQLite's one write lock) for some
# tens of milliseconds.
CHUNK_ROWS = 200
_UNIT_HEADERS = frozenset({"责任单位", "牵头单位", "配合单位"})  # sheetread.sheets' labels of the unit fields
RETIRE_SHOWN = 30


def _check_retirements(
    session: Session, guard: RetireGuard, site: Site | None, kinds: set[str], keys: set[str]
) -> None:
    """Stop before writing when the list would retire more than the guard allows (read-only)."""
    if site is None:
        return
    live = session.exec(
        select(Item.key, Item.path).where(
            Item.site_id == site.id, col(Item.kind).in_(kinds), col(Item.retired_at).is_(None)
        )
    ).all()
    retiring = [path for key, path in live if key not in keys]
    if not guard.stops(len(retiring), len(live)):
        return
    shown = "\n".join(f"  {p}" for p in retiring[:RETIRE_SHOWN])
    more = f"\n  ……（共 {len(retiring)} 项）" if len(retiring) > RETIRE_SHOWN else ""
    raise RetireRefused(
        f"按这份清单导入将停用网站“{site.name}”原有 {len(live)} 项中的 {len(retiring)} 项"
        f"（{len(retiring) * 100 // max(1, len(live))}%），超过不经确认即可停用的上限"
        f"（{guard.max_items} 项或 {guard.max_share:.0%}），所以没有导入。将停用：\n{shown}{more}\n"
        "如果确实要停用这些栏目和账号，请加上 --confirm-retire 重新导入（历史记录都会保留）；"
        "如果选错了文件或文件不完整，请换用正确的清单。可先加 --dry-run 预览。"
    )


_ACTIVE = re.compile(r"^(否|无|在用|使用|使用中|正常|正常更新|启用|恢复|运行|运行中|开通|n|no|×)$")
_RETIRED = re.compile(r"^(是|y|yes|√|✓)$")
_RETIRED_WORDS = re.compile(r"^(已)?(停更|停用|停止更新|关停|关闭|注销|撤销|撤并|合并|并入|归档)")


def retire_statement(text: str | None) -> tuple[str, str | None]:
    """What a list's 停更 cell says: ("none", None) nothing, ("active", None) in use, ("retired", reason),
    or ("unknown", None). "已停更：专题活动已结束" gives the reason "专题活动已结束"."""
    t = " ".join((text or "").split())
    if not t:
        return "none", None
    if _ACTIVE.match(t.lower()):
        return "active", None
    if _RETIRED.match(t.lower()):
        return "retired", None
    m = _RETIRED_WORDS.match(t)
    if m:
        reason = t[m.end() :].lstrip(":：，,、;；（( ").rstrip("）)") or None
        return "retired", reason or t
    return "unknown", None


def _retire_left(
    session: Session, now: datetime, site_id: int, kinds: set[str], keys: set[str], report: ImportReport
) -> None:
    """Retire the site's live items of the list's kinds that the list no longer has: read as plain rows, not
    as a province's objects (in the order the database gives them, which the report lists), and retired a
    batch of ids per UPDATE."""
    live = select(Item.id, Item.key, Item.path).where(
        Item.site_id == site_id, col(Item.kind).in_(kinds), col(Item.retired_at).is_(None)
    )
    leaving: list[int] = []
    for item_id, key, path in plain_rows(session, live):
        if key not in keys:
            leaving.append(item_id)
            report.retired.append(path)
    for k in range(0, len(leaving), CHUNK_ROWS):
        session.execute(
            update(Item)
            .where(col(Item.id).in_(leaving[k : k + CHUNK_ROWS]))
            .values(retired_at=now)
            .execution_options(synchronize_session="fetch")
        )


def _caution(
    report: ImportReport, site_name: str, asked: str | None, title: str | None, live_before: int
) -> None:
    """Say so when the list may be the wrong one: retiring can be undone, but it stops reminders meanwhile."""
    if (
        not asked
        and not report.site_created
        and title
        and "网站" in title
        and _site_name(title, "") != site_name
    ):
        report.cautions.append(
            f"清单标题“{title}”与网站“{site_name}”不同。如果这份清单属于另一个网站，"
            "请用 --site 指定网站后重新导入。"
        )
    retired = len(report.retired)
    if retired > 5 and retired * 2 > live_before:
        report.cautions.append(
            f"本次导入停用了原有 {live_before} 项中的 {retired} 项。如果导入了错误的文件，"
            "重新导入正确的清单即可恢复（历史记录都已保留）。"
        )


def _import_units(
    session: Session, now: datetime, site_id: int, rows: Sequence[ListRow], report: ImportReport
) -> dict[str, Unit]:
    """Every name the list uses, as the site's unit (a merged name finds the unit it was merged into)."""
    named: dict[str, UnitKind] = {}
    for row in rows:
        for ref in row.units or ():
            if named.get(ref.name, UnitKind.UNIT) == UnitKind.UNIT:
                named[ref.name] = ref.kind
    # The site's units and aliases read once (not a look-up per name), as `ensure_unit` finds them.
    site_units = session.exec(select(Unit).where(Unit.site_id == site_id)).all()
    by_name = {u.name: u for u in site_units}
    by_id = {u.id: u for u in site_units}
    aliases = dict(
        session.exec(select(UnitAlias.name, UnitAlias.unit_id).where(UnitAlias.site_id == site_id)).all()
    )
    found: dict[str, Unit] = {}
    for name, kind in named.items():
        unit = by_name.get(name)
        if unit is None and name in aliases:
            unit = by_id.get(aliases[name]) or session.get(Unit, aliases[name])
        if unit is None:
            continue
        if kind != UnitKind.UNIT and not unit.is_group:
            unit.is_group, unit.kind = True, kind
            session.add(unit)
        found[name] = unit
    report.units_added = [name for name in named if name not in found]
    if report.units_added:
        insert_all(
            session,
            Unit,
            [
                {
                    "site_id": site_id,
                    "name": name,
                    "is_group": named[name] != UnitKind.UNIT,
                    "kind": named[name],
                    "created_at": now,
                }
                for name in report.units_added
            ],
        )
        by_name = {u.name: u for u in session.exec(select(Unit).where(Unit.site_id == site_id))}
    units = {name: found.get(name) or by_name[name] for name in named}
    distinct = {u.id: u for u in units.values()}
    report.units = [u.name for u in distinct.values()]
    filled = set(
        session.exec(
            select(UnitGroupMember.group_id)
            .join(Unit, col(Unit.id) == UnitGroupMember.group_id)
            .where(Unit.site_id == site_id)
        )
    )
    placeholders = [u for u in distinct.values() if u.is_group]
    report.groups = [u.name for u in placeholders if u.kind != UnitKind.ROLE]
    report.roles = [u.name for u in placeholders if u.kind == UnitKind.ROLE]
    report.unfilled_groups = [u.name for u in placeholders if u.kind != UnitKind.ROLE and u.id not in filled]
    report.unfilled_roles = [u.name for u in placeholders if u.kind == UnitKind.ROLE and u.id not in filled]
    return units


_NAMES_SPLIT = re.compile(r"[、,，;；/\s]+")
_PHONES_SPLIT = re.compile(r"[、,，;；/\n]+")


def _import_people(
    session: Session,
    now: datetime,
    site_id: int,
    rows: Sequence[ListRow],
    units: dict[str, Unit],
    report: ImportReport,
) -> None:
    """The list's 运维人员 as the webmasters of the row's one responsible unit, with the mobile number of
    its 联系电话 (so that group robots @ them). Only added: a person already the unit's webmaster (by name)
    is kept, and given the number only when none is recorded (an administrator's `zhiri person set` is not
    undone by an older list); nobody is removed. A landline, a row with several units, or names and numbers
    that do not pair up are reported, not guessed."""
    done: set[tuple[int, str]] = set()
    members: dict[tuple[int, str], Person] = {}
    added: list[tuple[dict[str, object], int]] = []  # new people: their row, their unit
    if not any(row.person for row in rows):
        return
    named = {u.id for u in units.values()}
    for person, unit_id in session.exec(
        select(Person, Membership.unit_id)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .join(Unit, col(Unit.id) == Membership.unit_id)
        .where(
            Unit.site_id == site_id,
            Membership.role == Role.WEBMASTER,
            col(Membership.active).is_(True),
        )
        .order_by(col(Membership.id))
    ):
        if unit_id is not None and unit_id in named:
            members.setdefault((unit_id, name_key(person.name)), person)
    for row in rows:
        names = [n for n in _NAMES_SPLIT.split(clean(row.person or "")) if n]
        if not names:
            continue
        leads = [u for u in row.units or () if u.lead and not u.group]
        if len(leads) != 1:
            why = "没有责任单位" if not leads else "有多个责任单位"
            report.people_notes.append(
                Notice(
                    row.sheet,
                    row.row,
                    f"{row.label}{why}，运维人员无法对应到单位，请用 zhiri person add 登记",
                )
            )
            continue
        unit = units[leads[0].name]
        assert unit.id is not None
        phones = [p for p in _PHONES_SPLIT.split(row.phone or "") if p.strip()]
        if phones and len(phones) != len(names):
            report.people_notes.append(
                Notice(
                    row.sheet,
                    row.row,
                    "运维人员与联系电话的个数不一致，号码未登记，请用 zhiri person set 登记",
                )
            )
            phones = []
        for k, name in enumerate(names):
            key = (unit.id, name_key(name))
            if key in done:
                continue
            done.add(key)
            number: str | None = None
            if phones:
                try:
                    number = mobile(phones[k])
                except ValueError:
                    report.people_notes.append(
                        Notice(
                            row.sheet,
                            row.row,
                            f"{name}的联系电话不是手机号码，未登记（钉钉群机器人按手机号码 @ 人）",
                        )
                    )
            known = members.get(key)
            if known is None:
                added.append(({"name": name, "phone": number, "created_at": now}, unit.id))
                report.people_added.append(f"{name}（{unit.name}）")
                report.phones_recorded += number is not None
            elif number is not None and known.phone is None:
                known.phone = number
                session.add(known)
                report.phones_recorded += 1
    # The new webmasters, a batch of rows per INSERT (not a flush for each).
    ids = insert_all(session, Person, [person for person, _unit in added], returning="id")
    insert_all(
        session,
        Membership,
        [
            {"person_id": person_id, "unit_id": unit_id, "role": Role.WEBMASTER, "created_at": now}
            for person_id, (_person, unit_id) in zip(ids, added, strict=True)
        ],
    )
    session.flush()


def _links(session: Session, item_ids: Sequence[int]) -> dict[int, dict[int, ItemUnit]]:
    """The items' unit links, by item and unit (one query per chunk of the list), read afresh."""
    out: dict[int, dict[int, ItemUnit]] = {}
    if not item_ids:
        return out
    query = select(ItemUnit).where(col(ItemUnit.item_id).in_(item_ids))
    for link in session.exec(query.execution_options(populate_existing=True)):
        out.setdefault(link.item_id, {})[link.unit_id] = link
    return out


def _category(row: ListRow) -> Category:
    kind = row.kind
    path = row.levels if kind == ItemKind.COLUMN else (row.platform or "", row.name)
    return classify(path, kind)


def _new_item(now: datetime, site_id: int, row: ListRow) -> dict[str, object]:
    """A new item's row, as the columns to write (building an `Item` for each of a province's rows was a
    quarter of its import)."""
    levels = [*row.levels, None, None, None, None, None][:5]
    return {
        "site_id": site_id,
        "kind": row.kind,
        "key": row.key,
        "level1": levels[0],
        "level2": levels[1],
        "level3": levels[2],
        "level4": levels[3],
        "level5": levels[4],
        "name": row.name,
        "path": _path(row),
        "url": _optional(row.url),
        "platform": row.platform or None,
        "handle": _optional(row.handle),
        "content": _optional(row.content),
        "note": _optional(row.note),
        "category": _category(row),
        "created_at": now,
        "source_sheet": row.sheet,
        "source_row": row.row,
        **_rule_columns(row.rule_text or ""),
    }


@lru_cache(maxsize=4096)
def _rule_columns(text: str) -> dict[str, object]:
    # A province's list repeats a few dozen rule texts: each stored form (its JSON) is made once.
    return rule_columns(text)


class _NewItems:
    """A chunk's new items: their rows gathered as the list is read, then written a batch per INSERT and read
    back as `Item`s (by key), which the rest of the chunk (units, logged updates, judging) works on."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.waiting: list[dict[str, object]] = []
        self.items: dict[str, Item] = {}

    def add(self, values: dict[str, object]) -> None:
        self.waiting.append(values)

    def write(self) -> None:
        if not self.waiting:
            return
        ids = insert_all(self.session, Item, self.waiting, returning="id")
        self.waiting = []
        for item in self.session.exec(select(Item).where(col(Item.id).in_(ids))):
            self.items[item.key] = item


def _link_units(session: Session, added: Sequence[tuple[Item, ListRow]], units: dict[str, Unit]) -> None:
    """The new items' unit links, a batch of rows per INSERT."""
    rows = []
    for item, row in added:
        for uid, role in _wanted(units, row.units or ()).items():
            rows.append({"item_id": item.id, "unit_id": uid, "lead": role != LinkRole.HELPER, "role": role})
    insert_all(session, ItemUnit, rows)


def _wanted(units: dict[str, Unit], refs: Sequence[UnitLink]) -> dict[int, LinkRole]:
    """Unit id -> role for a row; two names of one (merged) unit keep the stronger part."""
    out: dict[int, LinkRole] = {}
    for ref in refs:
        unit_id = units[ref.name].id
        assert unit_id is not None
        if unit_id not in out or (out[unit_id] == LinkRole.HELPER and ref.role != LinkRole.HELPER):
            out[unit_id] = ref.role
    return out


def _update_item(
    session: Session,
    now: datetime,
    judge: Judge,
    item: Item,
    row: ListRow,
    units: dict[str, Unit],
    links: dict[int, ItemUnit],
    report: ImportReport,
    statement: str = "none",
) -> None:
    assert item.id is not None
    changed: list[str] = []
    # A column the list does not have leaves the field as it is (a list without URLs keeps the URLs).
    for name, value in (
        ("content", row.content),
        ("note", row.note),
        ("url", row.url),
        ("handle", row.handle),
    ):
        if value is None:
            continue
        if getattr(item, name) != _optional(value):
            setattr(item, name, _optional(value))
            changed.append(name)
    if row.units is not None:
        wanted = _wanted(units, row.units)
        if {uid: link.role for uid, link in links.items()} != wanted:
            changed.append("units")
            for uid, link in links.items():
                if uid not in wanted:
                    session.delete(link)
                elif link.role != wanted[uid]:
                    link.role, link.lead = wanted[uid], wanted[uid] != LinkRole.HELPER
                    session.add(link)
            for uid, role in wanted.items():
                if uid not in links:
                    session.add(
                        ItemUnit(item_id=item.id, unit_id=uid, lead=role != LinkRole.HELPER, role=role)
                    )
    rule_changed = row.rule_text is not None and row.rule_text != item.rule_text
    if rule_changed:
        changed.append("rule_text")
    # A better classifier is not a change the administrator made: not reported (the chunk judges it again).
    item.category = item.category_override or _category(row)
    item.source_sheet, item.source_row = row.sheet, row.row
    # Back on the list: an item that had only left the list returns; one an administrator retired stays
    # retired unless the list's 停更 column says it is in use again.
    restored = (
        item.retired_at is not None
        and statement != "retired"
        and (not item.retired_by_admin or statement == "active")
    )
    if restored:
        unretire(session, now, judge, item, refresh=False)  # in the audit trail, as /unretire is
        report.restored.append(row.label)
    elif item.retired_at is not None and item.retired_by_admin and statement != "retired":
        report.kept_retired.append(f"{row.label}（{item.retired_reason or '未注明原因'}）")
    session.add(item)
    if rule_changed:
        set_rule(session, now, judge, item, row.rule_text or "", refresh=False)
    if changed:
        order = list(FIELD_LABELS)
        report.changed.append(Change(row.label, tuple(sorted(changed, key=order.index))))


def _log_last_update(
    session: Session,
    now: datetime,
    judge: Judge,
    item: Item,
    row: ListRow,
    report: ImportReport,
    *,
    has_open_event: bool = True,
) -> bool:
    """Take the list's last-update date into the log when it is newer than what Zhiri knows (by local day,
    so importing the same list, or an export of it, twice logs once)."""
    assert row.last_update is not None
    at = _moment(row.last_update, judge.tz)
    if judge.local_day(at) > judge.today(now):
        report.notices.append(
            Notice(row.sheet, row.row, f"最近更新日期 {judge.local_day(at)} 晚于今天，已忽略")
        )
        return False
    at = min(at, now)
    known = item.last_update_at
    if known is not None and judge.local_day(at) <= judge.local_day(known):
        return False
    log_update(
        session,
        now,
        judge,
        item,
        source=UpdateSource.IMPORT,
        at=at,
        note=f"导入：工作表“{row.sheet}”第{row.row}行",
        refresh=False,
        has_open_event=has_open_event,
    )
    return True


def import_list(
    session: Session, now: datetime, judge: Judge, path: Path, *, site: str | None = None
) -> ImportReport:
    """Read a list file and import it in the caller's transaction."""
    return import_rows(session, now, judge, parse_list(path), site=site, file_name=path.name)


def run_import(
    engine: Engine,
    now: datetime,
    tz: ZoneInfo,
    source: Path | ParsedList,
    *,
    site: str | None = None,
    dry_run: bool = False,
    file_name: str | None = None,
    guard: RetireGuard | None = None,
) -> ImportReport:
    """The import in short transactions (`import_rows` with a commit after the units and after each chunk);
    a `dry_run` is one transaction, rolled back after reporting. Raises ImportProblem before writing anything
    (RetireRefused when the `guard` stops it: a dry run only says so), or ImportInterrupted when something
    failed after the first chunks were written.

    `source` is a list file, or one already read with `sheetread.sheets.parse_list` (then name the file)."""
    if isinstance(source, Path):
        # A file that cannot be read never opens a transaction.
        parsed, name = parse_list(source), file_name or source.name
    else:
        parsed, name = source, file_name or ""
    committed = 0
    with session_scope(engine) as session:

        def commit() -> None:
            nonlocal committed
            session.commit()
            committed += 1

        judge = site_judge(session, find_site(session, site), tz)
        needs_confirm = False
        if dry_run and guard is not None:
            try:
                _check_retirements(
                    session, guard, find_site(session, site), parsed.kinds, {r.key for r in parsed.rows}
                )
            except RetireRefused:
                needs_confirm = True
            guard = None
        try:
            report = import_rows(
                session,
                now,
                judge,
                parsed,
                site=site,
                file_name=name,
                guard=guard,
                commit=None if dry_run else commit,
            )
        except Exception as exc:
            if committed == 0:
                raise
            done = min(len(parsed.rows), committed * CHUNK_ROWS)
            raise ImportInterrupted(done, len(parsed.rows), exc) from exc
        if dry_run:
            report.dry_run = True
            report.needs_confirm = needs_confirm
            session.rollback()
    return report


class ImportInterrupted(RuntimeError):
    """A real import failed after some of its chunks were written (a full disk, the database gone): what was
    written is whole and stays; importing the same list again completes it (the import is an upsert)."""

    def __init__(self, rows_done: int, rows: int, cause: BaseException) -> None:
        super().__init__(f"import interrupted after {rows_done} of {rows} rows: {cause}")
        self.rows_done, self.rows, self.cause = rows_done, rows, cause

    def render(self) -> str:
        return (
            f"导入中断：清单 {self.rows} 行中的前 {self.rows_done} 行已写入（每批都完整），其余没有写入，"
            f"停用也没有进行。原因：{self.cause}\n"
            "排除原因后，重新导入同一个文件即可完成（已导入的不会重复）。"
        )
