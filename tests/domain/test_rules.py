"""Rule texts: every phrase of 附件2 (seeds/chuxiong-city-website-columns.txt) and DOMAIN.md, plus wordings
other governments use for the same ideas."""

from __future__ import annotations

from typing import Any

import pytest

from domain.model import Quota, Rule, Span, TimeUnit
from domain.rules import describe_rule, parse_rule, rule_to_dict

_UNITS = {"d": "day", "wd": "workday", "w": "week", "hm": "halfmonth", "m": "month", "y": "year"}


def S(spec: str) -> dict[str, Any]:
    """'2w' -> {"n": 2, "unit": "week"}."""
    digits = "".join(ch for ch in spec if ch.isdigit())
    return {"n": int(digits), "unit": _UNITS[spec[len(digits) :]]}


def Q(count: int, per: str, rolling: bool = False) -> dict[str, Any]:
    return {"count": count, "per": S(per), "rolling": rolling}


def expect(
    gap: str | None = None,
    quota: dict[str, Any] | None = None,
    after: str | None = None,
    alt: str | None = None,
    on_change: bool = False,
    check: bool = False,
    external: bool = False,
    per_unit: bool = False,
) -> dict[str, Any]:
    return {
        "ok": True,
        "max_gap": S(gap) if gap else None,
        "quota": quota,
        "after_event": S(after) if after else None,
        "after_event_alt": S(alt) if alt else None,
        "on_change": on_change,
        "check_only": check,
        "external": external,
        "reason": None,
        "per_unit": per_unit,
    }


def meaning(text: str) -> dict[str, Any]:
    d = rule_to_dict(parse_rule(text))
    assert d.pop("text") == text
    return d


ANNEX_2 = [
    ("适时更新，自该政府信息形成或者变更之日起20个工作日内予以公开。", expect(after="20wd", on_change=True)),
    ("2周内更新。", expect(gap="2w")),
    ("6个月内更新。", expect(gap="6m")),
    ("6个月内有更新。", expect(gap="6m")),
    ("2个月内更新。", expect(gap="2m")),
    ("30日内办结回复。", expect(after="30d")),
    ("15个工作日内回复", expect(after="15wd")),
    ("每日检查是否运行正常。", expect(check=True)),
    ("每年不少于6次。", expect(quota=Q(6, "1y"))),
    ("热点专题2周内更新。", expect(gap="2w")),
    ("适时更新，至少一年更新一次。", expect(gap="1y", on_change=True)),
    ("自该信息形成或者变更之日起20个工作日内予以公开。", expect(after="20wd")),
    (
        "适时更新，“书记信箱”和“市长信箱”有适宜公开的办结件则选登到此栏目。",
        expect(on_change=True),
    ),
    # The note under 附件2: 适时更新的栏目…有变化或者有新的信息则更新。但最迟1年内要有更新。
    ("有变化或者有新的信息则更新。但最迟1年内要有更新。", expect(gap="1y", on_change=True)),
    # Quotas hidden in the content text of 部门动态 and 乡镇动态.
    ("每周向“部门动态”栏目报送信息不少于1条", expect(gap="1w")),
    ("每2周向“部门动态”栏目报送信息不少于1条", expect(gap="2w")),
    ("每个乡镇每周向“乡镇动态”栏目报送信息不少于2条", expect(quota=Q(2, "1w"), per_unit=True)),
]

GAPS = [
    ("每周", "1w"),
    ("每个星期", "1w"),
    ("任意连续2周不少于1条", "2w"),
    ("三个月内至少更新一次", "3m"),
    ("2周内更新", "2w"),
    ("6个月内有更新", "6m"),
    ("2个月内更新", "2m"),
    ("每周一次", "1w"),
    ("每2周一次", "2w"),
    ("每两周一次", "2w"),
    ("每月一次", "1m"),
    ("每两月一次", "2m"),
    ("每季度", "3m"),
    ("每季度更新", "3m"),
    ("每半年", "6m"),
    ("每年一次", "1y"),
    ("数据更新，一年一次", "1y"),
    ("每天", "1wd"),
    ("每日更新", "1wd"),
    ("半月", "1hm"),
    ("每半月一次", "1hm"),
    ("10日内更新", "10d"),
    ("一个月内", "1m"),
    ("两个星期内", "2w"),
    ("每旬", "10d"),
    ("按月更新", "1m"),
    ("季度更新", "3m"),
    ("年度更新", "1y"),
    ("热点专题2周内更新", "2w"),
    ("至少每年一次", "1y"),
    ("至少一年更新一次", "1y"),
    # Wordings from elsewhere.
    ("每周更新", "1w"),
    ("每周更新一次", "1w"),
    ("每月更新一次", "1m"),
    ("每星期一次", "1w"),
    ("每个礼拜更新一次", "1w"),
    ("每２周更新", "2w"),
    ("１个月内有更新", "1m"),
    ("十五日内更新", "15d"),
    ("每15天更新一次", "15d"),
    ("一百日内", "100d"),
    ("半个月内更新", "1hm"),
    ("半年内有更新", "6m"),
    ("一年内有更新", "1y"),
    ("3个月内有更新", "3m"),
    ("每三个月更新一次", "3m"),
    ("按季度更新", "3m"),
    ("逐月更新", "1m"),
    ("双周更新", "2w"),
    ("隔周更新", "2w"),
    ("一周一更", "1w"),
    ("每周一期", "1w"),
    ("每周一更新", "1w"),
    ("每周五前报送", "1w"),
    ("至少每两周更新一次", "2w"),
    ("更新周期不超过1个月", "1m"),
    ("近两周内有更新", "2w"),
    ("超过2周未更新视为不合格", "2w"),
    ("每月5日前更新", "1m"),
    ("每年1月31日前发布上年度信息公开年度报告", "1y"),
    ("每年3月31日前公开上一年度报告", "1y"),
    ("每季度第一个月10日前公开上季度数据", "3m"),
    ("1.5个月内更新", "3hm"),
    ("一个半月内更新", "3hm"),
    ("每个工作日更新", "1wd"),
    ("工作日每天更新", "1wd"),
    ("每5个工作日更新一次", "5wd"),
    ("每日更新，节假日除外", "1wd"),
    ("每日更新（含节假日）", "1d"),
    ("节假日也要更新，每天更新", "1d"),
    ("每个自然日更新", "1d"),
    ("转载上级信息，2周内更新", "2w"),
    ("2周内更新；6个月内更新", "2w"),  # both hold: the shorter one bites
    ("  2周内更新  ", "2w"),
    ("2周内\n更新", "2w"),
    ("每月底前更新", "1m"),
    ("每年年底前更新", "1y"),
    ("每周末更新", "1w"),
    ("每季度末更新", "3m"),
    ("原则上一周内更新", "1w"),
    ("每年一季度发布上年度报告", "1y"),
    ("每月10号前更新", "1m"),
    ("每两个月", "2m"),
    ("一季度一次", "3m"),
    ("新闻类信息1周内更新", "1w"),
    ("本栏目每月更新", "1m"),
    ("2018年起每年一次", "1y"),  # a year number is a date, not 2018 years
]

QUOTAS = [
    ("每年不少于6次", Q(6, "1y")),
    ("每周不少于2条", Q(2, "1w")),
    ("每月至少更新4条", Q(4, "1m")),
    ("全年不少于6次", Q(6, "1y")),
    ("每季度不少于3篇", Q(3, "3m")),
    ("任意连续2周内不少于3条", Q(3, "2w", rolling=True)),
    ("滚动12个月内不少于6次", Q(6, "12m", rolling=True)),
    ("2周内不少于3条", Q(3, "2w", rolling=True)),
    ("每周两次", Q(2, "1w")),
    ("每周更新两次", Q(2, "1w")),
    ("一周两更", Q(2, "1w")),
    ("每月2期", Q(2, "1m")),
    ("原则上每周更新不少于2条信息", Q(2, "1w")),
    ("全年累计不少于12期", Q(12, "1y")),
    ("月均不少于4条", Q(4, "1m")),
    ("6次/年", Q(6, "1y")),
    ("每年不少于６次", Q(6, "1y")),
    ("每年度开展不少于六次", Q(6, "1y")),
]

DEADLINES = [
    ("30日内办结回复", expect(after="30d")),
    ("15个工作日内回复", expect(after="15wd")),
    ("印发后5个工作日内", expect(after="5wd")),
    ("自该政府信息形成或者变更之日起20个工作日内予以公开", expect(after="20wd")),
    ("收到后3日内", expect(after="3d")),
    ("15个工作日内答复，需延期的不超过15个工作日", expect(after="15wd", alt="15wd")),
    ("印发后5个工作日内公开，最迟不超过10个工作日", expect(after="5wd", alt="10wd")),
    (
        "收到申请之日起15个工作日内予以答复；如需延长答复期限的，应当经政府信息公开工作机构负责人同意"
        "并告知申请人，延长的期限最长不得超过15个工作日",
        expect(after="15wd", alt="15wd"),
    ),
    ("收到留言后7个工作日内答复", expect(after="7wd")),
    ("信件受理后30日内办结", expect(after="30d")),
    ("政策文件印发后3个工作日内发布", expect(after="3wd")),
    ("信息发生变化后10个工作日内更新", expect(after="10wd")),
    ("二十五日内办结", expect(after="25d")),
    ("30个自然日内办结", expect(after="30d")),
    ("24小时内回复", expect(after="1d")),
    ("每次会议召开后5日内公开", expect(after="5d")),
    ("适时更新，自该政府信息形成或者变更之日起20个工作日内予以公开", expect(after="20wd", on_change=True)),
    ("有新信息时5个工作日内发布", expect(after="5wd", on_change=True)),
    ("领导活动信息于活动结束后3个工作日内发布", expect(after="3wd")),
    ("及时办理回复网民信件，30日内办结", expect(after="30d", on_change=True)),
]

EVENT_DRIVEN = [
    "适时更新",
    "及时更新",
    "根据人事变动情况更新",
    "根据会议召开情况更新",
    "根据调整变动情况更新",
    "进行采购时",
    "有新政策出台时更新",
    "随时更新",
    "动态更新",
    "实时更新",
    "不定期更新",
    "领导分工调整后及时更新",
    "如有变动及时更新",
    "视情况更新",
    "按需更新",
    "适时更新，“书记信箱”和“市长信箱”有适宜公开的办结件则选登到此栏目",
]

NO_CONTENT_DUTY = [
    ("每日检查是否运行正常", expect(check=True)),
    ("确保正常运行", expect(check=True)),
    ("保障链接有效", expect(check=True)),
    ("每天检查一次", expect(check=True)),
    ("确保链接可用", expect(check=True)),
    ("此栏目为自动更新栏目，共同负责此栏目日常巡查、管理。", expect(check=True)),
    ("外链", expect(external=True)),
    ("链接到省政府网站", expect(external=True)),
    ("外部链接", expect(external=True)),
    ("链接省上网站", expect(external=True)),
    ("外链，每日检查是否运行正常", expect(external=True, check=True)),
]

NOT_UNDERSTOOD = [
    "随便",
    "asdf",
    "不少于次",
    "不少于6次",
    "更新",
    "常态化更新",
    "滚动更新",
    "周",
    "—",
    "无",
    "最近一年的人口情况",
    "每周不少于",
    "每周不少于0条",
    "0周内更新",
    "每周不少于2条，每月不少于5条",
    "2周内更新，每月不少于",
    "2周内更新，不少于几条",
    "按规定时限更新",
    "年底前完成",
]


@pytest.mark.parametrize(("text", "want"), ANNEX_2)
def test_it_understands_every_rule_of_the_city_list(text: str, want: dict[str, Any]) -> None:
    assert meaning(text) == want


@pytest.mark.parametrize(("text", "gap"), GAPS)
def test_it_reads_a_longest_gap(text: str, gap: str) -> None:
    assert meaning(text) == expect(gap=gap)


# "At least once per period", in every spelling, is one meaning: at most that long between updates.
AT_LEAST_ONCE = [
    ("每两周至少1条", "2w"),
    ("每周至少一次", "1w"),
    ("每年至少更新一次", "1y"),
    ("每年至少一次", "1y"),
    ("至少每年一次", "1y"),
    ("至少一年更新一次", "1y"),
    ("每月至少更新一次", "1m"),
    ("每个星期至少发布一条信息", "1w"),
    ("每周不得少于1条", "1w"),
    ("每周发布信息1条以上", "1w"),
    ("每年更新一次以上", "1y"),
    ("每半月不少于1期", "1hm"),
    ("每年一次", "1y"),
    ("1年内更新", "1y"),
]


@pytest.mark.parametrize(("text", "gap"), AT_LEAST_ONCE)
def test_at_least_once_per_period_is_a_longest_gap_in_every_spelling(text: str, gap: str) -> None:
    assert meaning(text) == expect(gap=gap)
    assert "按间隔计" in describe_rule(parse_rule(text))


@pytest.mark.parametrize(("text", "quota"), QUOTAS)
def test_it_reads_a_quota(text: str, quota: dict[str, Any]) -> None:
    assert meaning(text) == expect(quota=quota)


@pytest.mark.parametrize(("text", "want"), DEADLINES)
def test_it_reads_deadlines_after_an_event(text: str, want: dict[str, Any]) -> None:
    assert meaning(text) == want


@pytest.mark.parametrize("text", EVENT_DRIVEN)
def test_it_reads_event_driven_rules(text: str) -> None:
    assert meaning(text) == expect(on_change=True)


@pytest.mark.parametrize(("text", "want"), NO_CONTENT_DUTY)
def test_it_reads_check_only_and_external_items(text: str, want: dict[str, Any]) -> None:
    assert meaning(text) == want


@pytest.mark.parametrize("text", NOT_UNDERSTOOD)
def test_it_reports_what_it_does_not_understand_instead_of_guessing(text: str) -> None:
    rule = parse_rule(text)
    assert rule == Rule(text=text, ok=False, reason=rule.reason)
    assert rule.reason is not None
    assert rule.reason.startswith("无法识别更新要求：")
    assert "请改写为如“2周内更新”“每年不少于6次”" in rule.reason or "数量要求" in rule.reason


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_it_reports_an_empty_rule(text: str) -> None:
    assert parse_rule(text) == Rule(text=text, ok=False, reason="更新要求为空")


def test_it_names_the_part_it_could_not_read() -> None:
    rule = parse_rule("2周内更新，不少于次")
    assert rule.reason == "无法识别更新要求：不少于次（请改写为如“2周内更新”“每年不少于6次”）"


@pytest.mark.parametrize(
    ("text", "why"), [("1.5周内更新", "时长不是整天数"), ("半周内更新", "时长不是整天数")]
)
def test_it_refuses_a_length_that_is_not_whole_days(text: str, why: str) -> None:
    assert (
        parse_rule(text).reason == f"无法识别更新要求：{text}（{why}；请改写为如“2周内更新”“每年不少于6次”）"
    )


def test_it_refuses_more_than_two_deadlines() -> None:
    text = "5个工作日内回复，延期不超过5个工作日，最迟不超过10个工作日"
    assert parse_rule(text).reason == (
        f"无法识别更新要求：{text}（期限超过两个，请只保留办理期限和延期期限）"
    )


@pytest.mark.parametrize(
    ("text", "per_unit"),
    [
        ("各乡镇每周不少于2条", True),
        ("各部门每周至少报送1条信息", True),
        ("每个乡镇每周不少于2条信息", True),
        ("各成员单位每月至少更新一次", True),
        ("每周不少于2条", False),
        ("每周一、三、五各1条", False),
        ("每个星期至少发布一条信息", False),
        ("各单位及时受理来信", False),  # no quota or gap to share out
    ],
)
def test_it_reads_a_duty_held_by_each_contributing_unit(text: str, per_unit: bool) -> None:
    rule = parse_rule(text)
    assert rule.ok and rule.per_unit is per_unit
    assert rule_to_dict(rule)["per_unit"] is per_unit
    assert describe_rule(rule).startswith("按每个责任单位分别计算") is per_unit


def test_it_keeps_the_model_types() -> None:
    rule = parse_rule("每两周至少3条，适时更新")
    assert rule.quota == Quota(3, Span(2, TimeUnit.WEEK))
    assert rule.on_change is True


def test_it_caches_parsed_rules() -> None:
    assert parse_rule("每年不少于6次。") is parse_rule("每年不少于6次。")


def test_it_writes_the_json_contract_keys_exactly() -> None:
    assert list(rule_to_dict(parse_rule("2周内更新"))) == [
        "text",
        "ok",
        "max_gap",
        "quota",
        "after_event",
        "after_event_alt",
        "on_change",
        "check_only",
        "external",
        "reason",
        "per_unit",  # added with per-unit duties (各乡镇每周不少于2条); every earlier key is unchanged
    ]


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("2周内更新", "每2周内至少更新一次（按间隔计：距上次更新不超过2周即可，与“2周内更新”同义）。"),
        ("每周一次", "每周至少更新一次（按间隔计：距上次更新不超过1周即可，与“1周内更新”同义）。"),
        (
            "每季度",
            "每季度内至少更新一次（按间隔计：距上次更新不超过一个季度即可，与“一个季度内更新”同义）。",
        ),
        ("半月", "每半月至少更新一次（按间隔计：距上次更新不超过半个月即可，与“半个月内更新”同义）。"),
        ("每半年", "每半年内至少更新一次（按间隔计：距上次更新不超过半年即可，与“半年内更新”同义）。"),
        ("1.5个月内更新", "每45天内至少更新一次（按间隔计：距上次更新不超过45天即可，与“45天内更新”同义）。"),
        (
            "每年不少于6次",
            "每年不少于6次（条）（按自然周期计：周期结束仍不足即逾期，逾期天数从周期结束次日算起，再有更新即解除；列入清单的当期按剩余天数折算）。",
        ),
        ("任意连续2周内不少于3条", "任意连续2周内不少于3次（条）。"),
        (
            "30日内办结回复",
            "每件来信（留言、咨询）自收到之日起30天内办结答复；按收到的每一件计期限，不是页面更新；超过3个月未办结为单项否决项，超过2个月即督办。",
        ),
        (
            "15个工作日内答复，需延期的不超过15个工作日",
            "每件来信（留言、咨询）自收到之日起15个工作日内办结答复（另一期限：15个工作日内）；按收到的每一件计期限，不是页面更新；超过3个月未办结为单项否决项，超过2个月即督办。",
        ),
        (
            "及时受理来信",
            "每件来信（留言、咨询）自收到之日起30天内办结答复（要求未写期限，按本地规定期限30天，可在设置中修改）；按收到的每一件计期限，不是页面更新；超过3个月未办结为单项否决项，超过2个月即督办。",
        ),
        (
            "及时受理依申请来件",
            "每件依申请公开申请自收到之日起20个工作日内办结答复（要求未写期限，按法定期限20个工作日，可在设置中修改）；按收到的每一件计期限，不是页面更新；超过3个月未办结为单项否决项，超过2个月即督办。",
        ),
        (
            "每日更新",
            "每个工作日至少更新一次（按工作日计，周末和法定节假日不计，调休上班日要计；如节假日也要更新，请在要求中写明“节假日也要更新”）。",
        ),
        (
            "适时更新，至少一年更新一次",
            "有新信息或情况变化时及时更新，且每年至少更新一次（按间隔计：距上次更新不超过1年即可，与“1年内更新”同义）。",
        ),
        ("每日检查是否运行正常", "定期检查栏目或链接能否正常使用，无内容更新要求。"),
        ("外链", "外部链接，内容由对方网站维护，无内容更新要求。"),
        ("随便", "无法识别更新要求：随便（请改写为如“2周内更新”“每年不少于6次”）"),
    ],
)
def test_it_describes_a_rule_in_one_sentence(text: str, sentence: str) -> None:
    assert describe_rule(parse_rule(text)) == sentence


def test_it_covers_at_least_eighty_phrases() -> None:
    phrases = (
        [t for t, _ in ANNEX_2]
        + [t for t, _ in GAPS]
        + [t for t, _ in QUOTAS]
        + [t for t, _ in DEADLINES]
        + EVENT_DRIVEN
        + [t for t, _ in NO_CONTENT_DUTY]
        + NOT_UNDERSTOOD
    )
    assert len(set(phrases)) >= 80
