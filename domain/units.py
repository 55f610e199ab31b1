"""Responsible units (责任单位) as offices write them in a list's cell, read into who answers for an item.

A cell names lead units (牵头), co-leads (several units leading together: `A、B牵头`), helping units
(配合、供稿) and placeholders: unit groups (`市属各部门`, `各乡镇`) and roles (`具备执法权的单位`, `实施单位`)
that the administrator fills with real units. Offices write this as prose (`A负责发布，各部门配合供稿`), run
names together (`县税务局县科工信局`), and put people and phone numbers beside the units. Nothing here
invents a unit from a fragment of a sentence: a piece that does not look like a unit is a problem to report.

Pure: no I/O. `sheetread.sheets` reads the cells, `acts.catalog` stores the result.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from domain.model import LinkRole, UnitKind

__all__ = [
    "CellReading",
    "Groups",
    "UnitLink",
    "UnitReading",
    "compose_units",
    "is_group_word",
    "is_role_word",
    "looks_like_unit",
    "placeholder_kind",
    "read_cell",
    "read_units",
    "split_units",
    "strip_contacts",
]


@dataclass(frozen=True, slots=True)
class UnitLink:
    """One unit named for a row, with its part (`role`) and what it is (`kind`)."""

    name: str
    role: LinkRole = LinkRole.LEAD
    kind: UnitKind = UnitKind.UNIT

    @property
    def lead(self) -> bool:
        return self.role != LinkRole.HELPER

    @property
    def group(self) -> bool:
        """A placeholder (group or role): filled with member units by the administrator."""
        return self.kind != UnitKind.UNIT


@dataclass(frozen=True, slots=True)
class UnitReading:
    """The units of one row, read from its unit cells."""

    links: tuple[UnitLink, ...] = ()
    problems: tuple[str, ...] = ()  # pieces that are not units (sentence fragments): reported, never units
    dropped: tuple[str, ...] = ()  # people and phone numbers written beside the units
    external: bool = False  # the cell says 外链: an external link, no update duty
    blank: bool = False  # nothing (empty, —, 无)

    def _names(self, role: LinkRole, placeholder: bool = False) -> tuple[str, ...]:
        return tuple(u.name for u in self.links if u.role == role and u.group == placeholder)

    @property
    def leads(self) -> tuple[str, ...]:
        return self._names(LinkRole.LEAD)

    @property
    def coleads(self) -> tuple[str, ...]:
        return self._names(LinkRole.COLEAD)

    @property
    def helpers(self) -> tuple[str, ...]:
        return self._names(LinkRole.HELPER)

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(u.name for u in self.links if u.group)


# ---------------------------------------------------------------------------------------------------------
# Words

# Marks after a unit's name: （牵头） makes it the lead, （配合） a helper.
_LEAD_PAREN = re.compile(r"[（\[【]\s*(?:牵头|主责|主要负责|负总责|主办|负责)\s*[）\]】]")
_HELPER_PAREN = re.compile(r"[（\[【]\s*(?:配合|协办|协助|参与|协同)\s*[）\]】]")
_LEAD_SENTINEL, _HELPER_SENTINEL = "\x01", "\x02"
# A label in front of units: "牵头：市发改局；配合：市统计局" (the label holds until the next one).
_UNIT_LABEL = re.compile(
    r"(?:(?P<lead>牵头|主责|主办|责任)|(?P<helper>配合|协办|协助|参与|协同))(?:单位|部门|科室)?\s*[:：]"
)
# A clause's verb after its units. "A负责发布", "A、B牵头", "各部门按分工具体负责", "B、C等部门配合供稿".
_LEAD_VERB = re.compile(
    r"^(?P<units>.+?)(?:等(?:部门|单位)?)?\s*"
    r"(?:共同|联合|分别)?(?:按(?:照)?(?:职责)?分工)?(?:具体)?(?:牵头|负总责|主责|负责|承担)(?P<rest>.*)$"
)
_HELPER_VERB = re.compile(
    r"^(?P<units>.+?)(?:等(?:部门|单位)?)?\s*(?:负责)?(?:配合|协助|协同|参与|(?<!政)协办|供稿|提供)(?P<rest>.*)$"
)
# Clauses: units under one verb. 、 / ／ | separate units inside a clause.
_CLAUSE_SPLIT = re.compile(r"[，,；;。\n\r]+")
# 及 only when a unit follows ("县政府办公室及各乡镇", "A及涉及单位").
_UNIT_SPLIT = re.compile(
    r"[、/|]+|及(?=[市县州区省各全乡镇街\d一二三四五六七八九十]|涉及|相关|有关|其他|其它)|以及"
)
_GROUP = re.compile(
    r"^(各|全体|全部|所有|相关|有关|涉及)"
    r"|各(级|类)?(部门|单位|乡镇|街道|县|区|社区|村|科室|委办局|机关)"
    r"|(相关|有关|涉及|组成|直属|所属|下属|成员)(部门|单位|乡镇|机构)"
    r"|^(\d+|[一二三四五六七八九十两]+)个"
    r"|等(部门|单位)$"
    r"|^(市|县|区|州)属"
)
# A role instead of a unit: "具备执法权的单位", "文件起草、制发单位", "规划制定部门", "实施单位",
# "各预算单位".
_ROLE = re.compile(
    r"(的|执法|起草|制发|制定|实施|预算|主管|职能|承办|发布|审批|执行|采购|编制|发文|责任|办理)"
    r"[^、]{0,6}(单位|部门|机关|机构|主体)$"
)
_PLACEHOLDER_END = re.compile(r"(单位|部门|机关|机构|主体)$")
# Cells that name no unit at all.
_NOTHING = frozenset({"", "无", "暂无", "-", "--", "—", "——", "/", "－", "空", "不适用", "/无"})
_EXTERNAL = frozenset({"外链", "外部链接", "链接", "外链栏目", "外链网站"})
# Words of a sentence, never of a unit's name.
_SENTENCE = re.compile(
    r"负责|牵头|配合|协助|更新|发布|维护|供稿|报送|上传|审核|检查|按照|根据|要求|及时|做好|确保|填报|自行|"
    r"栏目|链接|每[日天周月年]|以上|以下|进行"
)
# Last characters of unit names.
_UNIT_ENDINGS = "局办委室部院所队站会处科股组馆台社行司厅镇乡村区县市州省心府团校园场联协党厂署道关警盟中"
# A unit name ends with one of these, and a new unit may start right after (县税务局县科工信局).
_RUN_END = "局办委院府部心镇乡队站所馆厅处室团社会联"
_PLACE_START = "县市州区省"
_NOT_A_START = (
    "市场",
    "县域",
    "区域",
    "市民",
    "州级",
    "市级",
    "县级",
    "区级",
    "省级",
    "市属",
    "县属",
    "区属",
)
_UNIT_TAIL = re.compile(r"(街道|公司|集团|大队|支队|中队|人大|政协|委员会|中心)$")

# People and phones in a unit cell: "市财政局（张三 13800000000）", "县政府办：李四", "联系人：王五".
_PHONE = re.compile(
    r"(?<![\d.])(?:1[3-9]\d{9}|0\d{2,3}[-－—]?\d{7,8}|\d{3,4}[-－—]\d{7,8}|\d{7,8})(?:[-－转]\d{1,5})?(?![\d.])"
)
_CONTACT_WORDS = (
    "联系人|负责人|责任人|经办人|联系电话|办公电话|电话|手机|座机|联系方式|信息员|管理员|网管员|维护员|"
    "分管领导"
)
_CONTACT_LABEL = re.compile(rf"(?:{_CONTACT_WORDS})\s*[:：]?")
_CONTACT_FIELD = re.compile(rf"(?:{_CONTACT_WORDS})\s*[:：]\s*[^\s、，,；;:：\n（）()]*")
_PAREN = re.compile(r"[（(]([^（）()]*)[）)]")
_NOT_PEOPLE = frozenset(
    {
        *("人大", "公安", "税务", "消防", "气象", "电信", "移动", "联通", "邮政", "烟草", "供电", "电力"),
        *("国资", "统计", "审计", "财政", "民政", "司法", "人社", "医保", "应急", "信访", "档案", "史志"),
        *("地震", "水务", "林草", "教体", "卫健", "融媒", "街道", "社区", "乡镇", "网信", "宣传"),
        *("牵头", "主责", "主办", "负总责", "配合", "协办", "协助", "参与", "协同", "负责"),
    }
)
# Common surnames: a person's name starts with one (a unit name starts with 市, 县, a place, a field).
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单"
    "季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
    "娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘"
    "池查麻苑迟邝"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "夏侯")


def is_group_word(name: str) -> bool:
    """A group of units written as one (市属各部门, 各乡镇, 15个乡镇): the administrator fills it in."""
    return bool(_GROUP.search(name))


def is_role_word(name: str) -> bool:
    """A role written instead of a unit (具备执法权的单位, 实施单位, 各预算单位): filled like a group."""
    return bool(_ROLE.search(name))


def placeholder_kind(name: str) -> UnitKind | None:
    """A role, a group, or None for a real unit's name."""
    if is_role_word(name):
        return UnitKind.ROLE
    if is_group_word(name):
        return UnitKind.GROUP
    if _PLACEHOLDER_END.search(name) and not _SENTENCE.search(name):
        return UnitKind.ROLE  # "规划部门", "监管机构": a kind of unit, not one
    return None


def looks_like_unit(name: str) -> bool:
    """A real unit's name: no sentence words, and a unit's ending (局, 办, 中心 …) or a short form of one
    written with the site's prefix (县文旅)."""
    if not name or len(name) > 30 or _SENTENCE.search(name):
        return False
    if not re.fullmatch(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f0-9A-Za-z（）]+", name):
        return False
    bare = re.sub(r"（[^（）]*）$", "", name)  # "县委宣传部（网信办）"
    if bare and (bare[-1] in _UNIT_ENDINGS or _UNIT_TAIL.search(bare)):
        return True
    return name[0] in _PLACE_START and 3 <= len(name) <= 8


def _is_person(text: str) -> bool:
    """A person's name written beside a unit: a surname and one to three Han characters, maybe 同志."""
    name = text.removesuffix("同志").strip()
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name) or name in _NOT_PEOPLE:
        return False
    if name[-1] in _UNIT_ENDINGS or is_group_word(name):
        return False
    return name[0] in _SURNAMES or name.startswith(_COMPOUND_SURNAMES)


def _is_people(text: str) -> bool:
    parts = [p for p in re.split(r"[、，,；;\s]+", text.removeprefix("联系人").strip(":： ")) if p]
    return bool(parts) and all(_is_person(p) for p in parts)


def strip_contacts(text: str) -> tuple[str, list[str]]:
    """A unit cell without the people and phone numbers written in it: (cleaned text, what was taken out)."""
    removed: list[str] = []
    s = unicodedata.normalize("NFKC", text)

    def paren(m: re.Match[str]) -> str:
        inner = m.group(1).strip()
        if _PHONE.search(inner) or _CONTACT_LABEL.search(inner) or _is_people(inner):
            removed.append(inner)
            return " "
        return m.group(0)

    s = _PAREN.sub(paren, s)

    def drop(m: re.Match[str]) -> str:
        removed.append(m.group(0).strip())
        return " "

    s = _CONTACT_FIELD.sub(drop, s)
    s = _PHONE.sub(drop, s)
    # "县政府办：张三", "县融媒体中心 王五": a person after a unit.
    s = re.sub(
        r"(?<=\S)\s*[:：]\s*([\u4e00-\u9fff]{2,4}(?:同志)?)(?=$|[\s、，,；;\n])",
        lambda m: drop(m) if _is_person(m.group(1)) else m.group(0),
        s,
    )
    s = re.sub(
        r"(?<=[\u4e00-\u9fff）)])[ \t\u3000]+([\u4e00-\u9fff]{2,4}(?:同志)?)(?=$|[\s、，,；;\n])",
        lambda m: drop(m) if _is_person(m.group(1)) else m.group(0),
        s,
    )
    removed = [r.strip(" :：，,、") for r in removed if r.strip(" :：，,、")]
    return s, removed


# ---------------------------------------------------------------------------------------------------------
# One cell


@dataclass
class CellReading:
    """One cell: units with their mark (True 牵头, False 配合, None unmarked), in the order written."""

    units: list[tuple[str, bool | None]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    external: bool = False
    blank: bool = False


def _labelled(text: str) -> list[tuple[str, bool | None]]:
    """The cell in stretches under one label: [(text, True for 牵头：, False for 配合：, None unlabelled)]."""
    out: list[tuple[str, bool | None]] = []
    mark: bool | None = None
    pos = 0
    for m in _UNIT_LABEL.finditer(text):
        out.append((text[pos : m.start()], mark))
        mark = bool(m.group("lead"))
        pos = m.end()
    out.append((text[pos:], mark))
    return [(t, k) for t, k in out if t.strip(" 　;；,，、\n")]


def _clauses(stretch: str, label: bool | None) -> list[tuple[str, bool | None]]:
    """A stretch in clauses, each with the mark its verb gives: "A牵头" True, "B、C配合" False."""
    out: list[tuple[str, bool | None]] = []
    for clause in _CLAUSE_SPLIT.split(stretch):
        clause = clause.strip(" 　\t")
        while clause:
            lead = _LEAD_VERB.match(clause)
            helper = _HELPER_VERB.match(clause)
            if lead and (not helper or len(lead["units"]) < len(helper["units"])):
                out.append((lead["units"], True))
                clause = _continuation(lead["rest"])
            elif helper:
                out.append((helper["units"], False))
                clause = _continuation(helper["rest"])
            else:
                out.append((clause, label))
                clause = ""
    return out


def _continuation(rest: str) -> str:
    """What follows a verb: more units under their own verb ("A牵头B配合"), or the task, which is dropped."""
    rest = rest.strip(" 　")
    if _LEAD_VERB.match(rest) or _HELPER_VERB.match(rest):
        m = _LEAD_VERB.match(rest) or _HELPER_VERB.match(rest)
        assert m is not None
        units = m["units"]
        if any(looks_like_unit(p) or placeholder_kind(p) for p in _split_names(units)):
            return rest
    return ""


def _split_run_together(name: str) -> list[str]:
    """ "县税务局县科工信局" → two units: a unit's ending followed by the site's prefix starts a new unit."""
    out: list[str] = []
    start = 0
    for i in range(3, len(name) - 2):
        if i - start < 3:
            continue
        before, after = name[i - 1], name[i:]
        ends = before in _RUN_END or name[i - 2 : i] == "街道"
        begins = (after[0] in _PLACE_START and not after.startswith(_NOT_A_START)) or after[0] == "各"
        if ends and begins:
            out.append(name[start:i])
            start = i
    out.append(name[start:])
    return out


def _split_names(text: str) -> list[str]:
    parts: list[str] = []
    for part in _UNIT_SPLIT.split(text):
        pieces = part.split()
        # Spaces separate units ("市财政局 市审计局") unless they only pad one name ("市 财 政 局").
        if len(pieces) > 1 and all(len(p.strip(_LEAD_SENTINEL + _HELPER_SENTINEL)) >= 3 for p in pieces):
            parts.extend(pieces)
        else:
            parts.append("".join(pieces))
    # "文件起草、制发单位": a task without a unit's ending belongs to the role that follows it.
    joined: list[str] = []
    for part in parts:
        last = _clean_name(joined[-1])[0] if joined else ""
        if (
            last
            and placeholder_kind(_clean_name(part)[0])
            and not looks_like_unit(last)
            and not placeholder_kind(last)
            and not _SENTENCE.search(last)
        ):
            joined[-1] = f"{joined[-1]}、{part}"
        else:
            joined.append(part)
    out: list[str] = []
    for part in joined:
        out.extend(_split_run_together(part) if not placeholder_kind(_clean_name(part)[0]) else [part])
    return out


def _clean_name(part: str) -> tuple[str, bool | None]:
    mark: bool | None = None
    if _LEAD_SENTINEL in part:
        mark = True
    elif _HELPER_SENTINEL in part:
        mark = False
    name = part.replace(_LEAD_SENTINEL, "").replace(_HELPER_SENTINEL, "")
    name = name.strip(" 　\"'“”‘’。.:：")
    name = re.sub(r"^(由|请|其中)", "", name)
    if len(name) > 2 and name.endswith("等") and not is_group_word(name):
        name = name[:-1]
    return name, mark


def read_cell(text: str) -> CellReading:
    """One unit cell read: units with marks, the pieces that are not units, people and phones left out."""
    cleaned, removed = strip_contacts(text)
    reading = CellReading(dropped=removed)
    flat = "".join(cleaned.split())
    if flat in _EXTERNAL:
        reading.external = True
        return reading
    if flat in _NOTHING:
        reading.blank = True
        return reading
    s = cleaned.replace("(", "（").replace(")", "）")
    s = _LEAD_PAREN.sub(_LEAD_SENTINEL, s)
    s = _HELPER_PAREN.sub(_HELPER_SENTINEL, s)
    for stretch, label in _labelled(s):
        for clause, clause_mark in _clauses(stretch, label):
            for part in _split_names(clause):
                name, own = _clean_name(part)
                mark = own if own is not None else clause_mark
                if not name or name in _NOTHING or name == "等":
                    continue
                if _is_person(name):
                    reading.dropped.append(name)
                elif placeholder_kind(name) or looks_like_unit(name):
                    if name not in (u for u, _ in reading.units):
                        reading.units.append((name, mark))
                else:
                    reading.problems.append(name)
    return reading


def read_units(text: str) -> tuple[list[tuple[str, bool | None]], list[str]]:
    """Units named in one cell with their marks, and the people and phone numbers that were left out."""
    reading = read_cell(text)
    return reading.units, reading.dropped


def split_units(text: str) -> list[tuple[str, bool | None]]:
    """Units named in one cell: (name, mark); mark is True for 牵头, False for 配合, else None."""
    return read_cell(text).units


# ---------------------------------------------------------------------------------------------------------
# A row's cells together


def compose_units(
    lead_cells: Iterable[str] = (), main_cells: Iterable[str] = (), helper_cells: Iterable[str] = ()
) -> UnitReading:
    """The units of one row from its 牵头 / 责任 / 配合 cells: leads first, each name once.

    Without any mark, the first unit of the first unit cell leads and the others help (the way lists write
    "县政府办公室、县属各部门"). Several leads lead together (co-leads)."""
    lead_cells, main_cells, helper_cells = list(lead_cells), list(main_cells), list(helper_cells)
    chosen: dict[str, bool] = {}
    problems: list[str] = []
    dropped: list[str] = []
    external = False
    readings: list[CellReading] = []

    def read(text: str) -> CellReading:
        nonlocal external
        r = read_cell(text)
        readings.append(r)
        problems.extend(r.problems)
        dropped.extend(r.dropped)
        external = external or r.external
        return r

    def put(name: str, lead: bool) -> None:
        chosen[name] = chosen.get(name, False) or lead

    for text in lead_cells:
        for name, mark in read(text).units:
            put(name, mark is not False)
    for i, text in enumerate(main_cells):
        parts = read(text).units
        marked = any(mark for _, mark in parts)
        for j, (name, mark) in enumerate(parts):
            implicit = not lead_cells and not marked and i == 0 and j == 0
            put(name, bool(mark) or implicit)
    for text in helper_cells:
        for name, _mark in read(text).units:
            put(name, False)
    if chosen and not any(chosen.values()):
        chosen[next(iter(chosen))] = True
    leads = sum(chosen.values())
    ordered = sorted(chosen.items(), key=lambda kv: not kv[1])  # stable: leads first, file order kept
    links = tuple(
        UnitLink(
            name,
            (LinkRole.COLEAD if leads > 1 else LinkRole.LEAD) if lead else LinkRole.HELPER,
            placeholder_kind(name) or UnitKind.UNIT,
        )
        for name, lead in ordered
    )
    blank = not links and not problems and not external and all(r.blank or not r.units for r in readings)
    return UnitReading(links, tuple(problems), tuple(dropped), external, blank)


def read_unit_cell(text: str) -> UnitReading:
    """One cell on its own, as `compose_units` reads it."""
    return compose_units(main_cells=[text])


def names_of(links: Sequence[UnitLink]) -> list[str]:
    return [u.name for u in links]


# ---------------------------------------------------------------------------------------------------------
# One office under several names

_LEVELS = "省州市县区"


def site_place(site_name: str) -> str:
    """The site's place with its level ("某某县人民政府网站" → "某某县"), or "" when the name has none."""
    m = re.match(r"^(.{1,8}?[省州市县区])(?:人民政府|政府|门户|网站|$)", site_name)
    return m.group(1) if m else ""


def office_key(name: str, place: str = "") -> str:
    """One spelling for the names of one office: the site's place written as its level (某某县财政局 →
    县财政局), 监督管理 as 监管, without 和/与, 人民政府 as 政府, 办公室 as 办."""
    n = "".join(unicodedata.normalize("NFKC", name).split())
    if place and n.startswith(place) and len(n) > len(place):
        n = place[-1] + n[len(place) :]
    n = n.replace("监督管理", "监管").replace("人民政府", "政府").replace("办公室", "办")
    n = re.sub(r"(?<=[\u4e00-\u9fff])[和与](?=[\u4e00-\u9fff])", "", n)
    # 县财政局 and 财政局 are one office of a county site: the level in front is left out of the key.
    if len(n) > 2 and n[0] in _LEVELS:
        n = n[1:]
    return n


def _abbreviates(short: str, full: str) -> bool:
    """ "发改局" for "发展改革局", "文旅" for "文化旅游局" (keys, without the level): the short name's
    characters in order in the full one, the same first character, and the same ending (or none at all)."""
    if len(short) >= len(full) or short[0] != full[0]:
        return False
    ending = short[-1] in _UNIT_ENDINGS
    if ending and (short[-1] != full[-1] or len(short) < 3):
        return False
    rest = iter(full)
    return all(ch in rest for ch in short)


def propose_merges(names: Iterable[str], place: str = "") -> list[tuple[str, str]]:
    """Pairs (name, into) that look like one office under two names; `into` is the fuller name. Only
    real units are compared (never groups or roles); each name is proposed into one other at most."""
    units = [n for n in dict.fromkeys(names) if n and not placeholder_kind(n)]
    keys = {n: office_key(n, place) for n in units}
    # Each name is tried against the fuller names, longest first (the list's order among equals), and takes
    # the first that is the same office. Only names holding every character of its key can be: the same
    # key, or a key it abbreviates (its characters in order). So each name is compared with those alone,
    # found by character, not with every name: a province's 2,000 units were 1.8M comparisons.
    rank = {n: k for k, n in enumerate(sorted(units, key=lambda n: -len(n)))}
    holding: dict[str, set[str]] = {}
    for n in units:
        for ch in set(keys[n]):
            holding.setdefault(ch, set()).add(n)
    out: list[tuple[str, str]] = []
    taken: set[str] = set()
    for short in sorted(units, key=len):
        if short in taken:
            continue
        chars = sorted(set(keys[short]), key=lambda ch: len(holding[ch]))
        candidates = set(holding[chars[0]]).intersection(*(holding[c] for c in chars[1:])) if chars else units
        for full in sorted(candidates, key=rank.__getitem__):
            if full == short or full in taken or len(full) < len(short):
                continue
            same = keys[short] == keys[full]
            if same or _abbreviates(keys[short], keys[full]):
                if same and len(full) == len(short) and full > short:
                    continue  # the same length both ways: propose once
                out.append((short, full))
                taken.add(short)
                break
    return out


# ---------------------------------------------------------------------------------------------------------
# Unit groups


@dataclass(frozen=True, slots=True)
class Groups:
    """Unit groups and their member units (市属各部门 → 市财政局, 市教育局 …; a role such as 具备执法权的单位
    is a group too), as the administrator filled them: the one place a group is expanded.

    One meaning everywhere: an item of a group belongs to each of its members, so the people and the chats
    of a member answer for it; and the people and chats bound to a group answer for each member's items.
    Both sides are expanded and compared: the routine's snapshot (who is told of which item), the units a
    person answers for (`storage.queries.actor_for`) and the chat a half-month answer is given in
    (`acts.routine`) ask this. Groups are one level deep: a member is a unit, not another group. A group
    with no members yet stands for itself.
    """

    members: Mapping[int, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, pairs: Iterable[tuple[int, int]]) -> Groups:
        """From (group id, member id) pairs."""
        members: dict[int, list[int]] = {}
        for group, member in pairs:
            listed = members.setdefault(group, [])
            if member not in listed:
                listed.append(member)
        return cls({group: tuple(listed) for group, listed in members.items()})

    def expand(self, units: Iterable[int]) -> tuple[int, ...]:
        """The units standing behind `units`: each group replaced by its members, in order, each once."""
        out: dict[int, None] = {}
        for unit in units:
            for real in self.members.get(unit) or (unit,):
                out[real] = None
        return tuple(out)

    def covers(self, bound: Iterable[int], item_units: Iterable[int]) -> bool:
        """Whether people or a chat bound to `bound` answer for something of `item_units`: once groups are
        expanded, the two share a unit."""
        return not set(self.expand(bound)).isdisjoint(self.expand(item_units))

    def answerable(self, bound: Iterable[int]) -> frozenset[int]:
        """Every unit whose items `bound` answers for (the `covers` of each unit an item can be stored
        under): the units themselves, their groups' members, and the groups holding any of those."""
        bound = frozenset(bound)
        mine = set(self.expand(bound))
        holding = {group for group, members in self.members.items() if not mine.isdisjoint(members)}
        return frozenset(bound | mine | holding)
