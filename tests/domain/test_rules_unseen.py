"""Rule phrasings collected from outside the city list (附件2), to check that a list from another county
imports without code changes. Each group says where its texts come from. Texts marked "as written" are
quoted from the source; the others are the same rule in the short form a responsibility table uses
(the source sentence reduced to its 更新时限要求 cell), or a common variant of a listed phrase.

Meanings follow the decisions in the `domain.rules` docstring; the ambiguous ones are decided there.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.rules import describe_rule, parse_rule
from tests.domain import test_rules
from tests.domain.test_rules import Q, expect, meaning

# ---------------------------------------------------------------------------------------------------------
# seeds/chuxiong-prefecture-2018-disclosure-plan.txt (楚雄州 2018 政务公开工作要点 任务分解)

PREFECTURE_PLAN = [
    # 政策解读: "政策文件公开后，相关解读材料应于3个工作日内在政府网站…政策解读专栏发布" (as written).
    ("政策文件公开后，相关解读材料应于3个工作日内在政府网站和部门网站政策解读专栏发布", expect(after="3wd")),
    # "每年解读重要政策措施不少于3次" (as written).
    ("每年解读重要政策措施不少于3次", expect(quota=Q(3, "1y"))),
    # "各县市政府办公室每季度通报1次本地政策文件解读情况并在政府门户网站公布" (as written): one a quarter.
    ("每季度通报1次本地政策文件解读情况并在政府门户网站公布", expect(gap="3m")),
    # 舆情回应: "力争在3小时内、最迟不超过5小时发布权威信息" — hours round up to whole days.
    ("力争在3小时内、最迟不超过5小时发布权威信息", expect(after="1d", alt="1d")),
    ("24小时内举行新闻发布会", expect(after="1d")),
    # 办事指南: "应在完成审批程序后1个工作日内公开变更后的相关信息" (as written).
    ("应在完成审批程序后1个工作日内公开变更后的相关信息和具体实施时间", expect(after="1wd")),
    # 政府公报: "部门规范性文件印发后 5 个工作日内报送本级政府办公室" (as written, spaces included).
    ("部门规范性文件印发后 5 个工作日内报送本级政府办公室", expect(after="5wd")),
    # "每年至少听取1次政务公开工作汇报" / "年内至少开展 1 次政府开放日主题活动" (as written).
    ("每年至少听取1次政务公开工作汇报", expect(gap="1y")),
    ("年内至少开展 1 次政府开放日主题活动", expect(gap="1y")),
    # "并根据工作进展，持续发布权威信息" (as written).
    ("根据工作进展，持续发布权威信息", expect(on_change=True)),
]

# ---------------------------------------------------------------------------------------------------------
# Web pages found with the `search` tool (pages corpus), 2015–2025 county/city rules and notices.

WEB = [
    # 北京市政府办公厅关于进一步加强政府网站信息内容建设的实施意见 (2015, via 国脉电子政务网):
    # "政府网站原则上要至少一周更新一次，时效性高的随时编辑、上网".
    ("原则上要至少一周更新一次", expect(gap="1w")),
    ("时效性高的随时编辑、上网", expect(on_change=True)),
    # 院校网站普查通知 (2017): "新闻和通知公告类等动态栏目每周至少更新两次，科普类栏目每月至少更新一次，
    # 部门简介等基本信息类栏目至少半年更新一次".
    ("每周至少更新两次", expect(quota=Q(2, "1w"))),
    ("每月至少更新一次", expect(gap="1m")),
    ("至少半年更新一次", expect(gap="6m")),
    # 盘锦市机关事务管理局 网站信息发布管理要求 (2018):
    # "保证在网站上每周发布至少 5 篇信息，每半年网站更新一次".
    ("保证在网站上每周发布至少 5 篇信息", expect(quota=Q(5, "1w"))),
    ("每半年网站更新一次", expect(gap="6m")),
    # 新余市政府门户网站管理办法: "主网站动态信息必须每天更新，子网站动态信息每周至少更新一次"; 基础信息
    # "发生变更时应及时更新".
    ("主网站动态信息必须每天更新", expect(gap="1wd")),
    ("子网站动态信息每周至少更新一次", expect(gap="1w")),
    ("发生变更时应及时更新", expect(on_change=True)),
    # 贵州省政府网站信息内容建设自查 (2015): "动态类栏目信息是否达到每日更新的频率".
    ("动态类栏目信息达到每日更新的频率", expect(gap="1wd")),
    # 沈阳市长信箱使用说明: "一般问题，原则上在3个工作日办结；较复杂的问题延长到10个工作日".
    ("一般问题，原则上在3个工作日办结；较复杂的问题延长到10个工作日", expect(after="3wd", alt="10wd")),
    # 铜陵 领导信箱: "您可以在回复您的来信后20个工作日内进行网上评价" (an event deadline).
    ("回复来信后20个工作日内进行网上评价", expect(after="20wd")),
    # 西市区政务新媒体检查通报 (2026): "保持常态化更新" — no period: refused (see REFUSED).
    # 北京市政务服务局通报: "超过2周不更新" / 贵州省通报: "超过2周未更新".
    ("超过2周不更新", expect(gap="2w")),
    ("超过三个月未更新的账号列为僵尸账号", expect(gap="3m")),
]

# 基层政务公开标准目录, column 公开时限 (凤屯镇 政府文件领域; 锡林浩特 卫生健康领域; 德安 涉农资金领域; 赛罕区
# 重大建设项目领域), and 六安市民政局新媒体运营管理制度 (2016): cells as written.
CATALOGUES = [
    ("信息形成或变更之日起3个工作日内", expect(after="3wd")),
    ("信息形成或变更之日起20个工作日内", expect(after="20wd")),
    ("自信息形成或者变更之日起20个工作日内予以公开", expect(after="20wd")),
    ("信息形成或者变更之日起20个工作日内", expect(after="20wd")),
    ("实时公开", expect(on_change=True)),
    ("及时公开", expect(on_change=True)),
    ("每周至少发布一次信息", expect(gap="1w")),
    ("每月至少发布一篇回应关切", expect(gap="1m")),
    ("根据工作需要，及时发布信息", expect(on_change=True)),
    # Same catalogues, other cells of the kind (常年公开 = stays published, no update duty).
    ("常年公开", expect(check=True)),
    ("长期公开", expect(check=True)),
    ("按年度公开", expect(gap="1y")),
    ("结果产生后7个工作日内", expect(after="7wd")),
    ("办结后20个工作日内", expect(after="20wd")),
    ("项目完成后公开", expect(on_change=True)),
    # A display period is not an update rule: its part is skipped, the rest of the rule still counts.
    ("每年不少于6次，每次征求意见时间不少于30日", expect(quota=Q(6, "1y"))),
]

# ---------------------------------------------------------------------------------------------------------
# The lead's list of phrasings seen in other counties' responsibility tables (更新频率 / 更新要求 cells).

FREQUENCIES = [
    ("每月至少更新1次", expect(gap="1m")),
    ("每季度更新不少于1次", expect(gap="3m")),
    ("原则上每周更新不少于2条", expect(quota=Q(2, "1w"))),
    ("每10天", expect(gap="10d")),
    ("每十天更新一次", expect(gap="10d")),
    ("一旬一次", expect(gap="10d")),
    ("季更", expect(gap="3m")),
    ("月更", expect(gap="1m")),
    ("周更", expect(gap="1w")),
    ("日更", expect(gap="1wd")),
    ("年更", expect(gap="1y")),
    ("半个月内", expect(gap="1hm")),
    ("一个半月", expect(gap="3hm")),
    ("两个半月内更新", expect(gap="5hm")),
    ("每周一、三、五更新", expect(quota=Q(3, "1w"))),
    ("每周二、四更新", expect(quota=Q(2, "1w"))),
    ("每周一至周五更新", expect(gap="1wd")),
    ("周一至周五每天更新", expect(gap="1wd")),
    ("每周一至周五每天更新", expect(gap="1wd")),
    ("每1-2个月更新一次", expect(gap="2m")),
    ("每年6月和12月更新", expect(quota=Q(2, "1y"))),
    ("隔日更新", expect(gap="2d")),
    ("当月数据次月15日前发布", expect(gap="1m")),
    ("次年3月底前公开上年度报告", expect(gap="1y")),
    ("每周三更新", expect(gap="1w")),
    ("每周不少于3次", expect(quota=Q(3, "1w"))),
    ("年度不少于12篇", expect(quota=Q(12, "1y"))),
    ("全年更新不少于24条", expect(quota=Q(24, "1y"))),
    ("每月不少于4篇原创", expect(quota=Q(4, "1m"))),
    ("每周更新2-3条", expect(quota=Q(2, "1w"))),
    ("每周更新2至3次", expect(quota=Q(2, "1w"))),
    ("每周1~2条", expect(gap="1w")),
    ("周均不少于3条", expect(quota=Q(3, "1w"))),
    ("日均不少于1条", expect(gap="1wd")),
    ("每天至少发布1条", expect(gap="1wd")),
    ("每两个月至少更新一次", expect(gap="2m")),
    ("至少每月更新一次", expect(gap="1m")),
    ("更新间隔不超过15天", expect(gap="15d")),
    ("更新周期不超过5个工作日", expect(gap="5wd")),
    ("两周内至少更新1次", expect(gap="2w")),
    ("连续两周不更新视为僵尸账号", expect(gap="2w")),
    ("每两年更新一次", expect(gap="2y")),
    ("五年一次", expect(gap="5y")),
    ("半年度", expect(gap="6m")),
    ("每年6月、12月各更新一次", expect(quota=Q(2, "1y"))),
    ("每月10日、20日更新", expect(quota=Q(2, "1m"))),
    ("每月上旬发布上月数据", expect(gap="1m")),
    ("次月10日前发布上月数据", expect(gap="1m")),
    ("每年1月底前", expect(gap="1y")),
    ("每年一月底前更新", expect(gap="1y")),
    ("每年3月31日前发布上一年度报告", expect(gap="1y")),
    ("每月5日前更新上月数据", expect(gap="1m")),
    ("每年12月底前公布下一年度计划", expect(gap="1y")),
    ("每季度结束后15日内公开", expect(gap="3m", after="15d")),
    ("每月更新，节假日顺延", expect(gap="1m")),
    ("每24小时", expect(gap="1d")),
    ("７天内更新", expect(gap="7d")),
    ("每周至少更新1次（转发计入）", expect(gap="1w")),
    ("每周更新不少于3条，其中原创不少于1条", expect(quota=Q(3, "1w"))),
    ("每周至少推送1期", expect(gap="1w")),
]

DEADLINES = [
    ("7个工作日内办结", expect(after="7wd")),
    ("自收到之日起10个工作日内答复", expect(after="10wd")),
    ("会议召开后3个工作日内发布", expect(after="3wd")),
    ("文件印发之日起20个工作日内", expect(after="20wd")),
    ("T+1", expect(after="1d")),
    ("数据T+1更新", expect(after="1d")),
    ("当天", expect(after="1d")),
    ("当日发布", expect(after="1d")),
    ("活动结束当天发布", expect(after="1d")),
    ("收到即将逾期提醒当天更新", expect(after="1d")),
    ("次日发布", expect(after="1d")),
    ("24小时内", expect(after="1d")),
    ("48小时内", expect(after="2d")),
    ("72小时内回复", expect(after="3d")),
    ("1个工作日内", expect(after="1wd")),
    ("2个工作日", expect(after="2wd")),
    ("5个工作日内更新", expect(after="5wd")),
    ("收到信件后5个工作日内回复，复杂问题不超过15个工作日", expect(after="5wd", alt="15wd")),
    ("一般咨询3个工作日内答复，复杂问题10个工作日内答复", expect(after="3wd", alt="10wd")),
    ("依申请公开：20个工作日内答复", expect(after="20wd")),
    ("行政处罚决定作出之日起7日内公示", expect(after="7d")),
    ("行政许可决定作出之日起7个工作日内上网公开", expect(after="7wd")),
    ("信息形成之日起7个工作日内", expect(after="7wd")),
    ("有新文件出台后3个工作日内发布", expect(after="3wd")),
]

EVENT_DRIVEN = [
    "信息发布后及时更新",
    "根据工作进展及时更新",
    "有新信息即时发布",
    "即时更新",
    "动态调整",
    "按需",
    "视工作需要更新",
    "与上级网站同步更新",
    "同步更新",
    "换届后及时更新",
    "办结后及时公开",
    "人员变动时更新",
]

NO_CONTENT_DUTY = [
    ("无需更新", expect(check=True)),
    ("不需更新（固定内容）", expect(check=True)),
    ("固定内容", expect(check=True)),
    ("长期保留", expect(check=True)),
    ("长期有效", expect(check=True)),
    ("内容相对固定，无需定期更新", expect(check=True)),
    ("不涉及", expect(check=True)),
    ("自动更新", expect(check=True)),
    ("系统自动同步，每日巡查", expect(check=True)),
    ("链接至州政府网站", expect(external=True)),
    ("链接至…", expect(external=True)),
    ("跳转至上级网站", expect(external=True)),
    ("链接国务院政策文件库", expect(external=True)),
    ("外部链接，确保链接有效", expect(external=True, check=True)),
    # Fixed content with an event-driven duty: the duty wins, the content is just rarely changed.
    ("内容相对固定，有变化时及时更新", expect(on_change=True)),
]

# Genuinely vague: no period, no count, no event. The administrator is asked to rewrite them.
REFUSED = [
    "保持常态化更新",
    "长期",
    "长期更新",
    "持续更新",
    "经常更新",
    "定期更新",
    "日常更新",
    "按法定时限办理",
    "每年若干次",
    "每月多次更新",
    "待定",
    "/",
    "-",
    "每",
    "同上",
    "按要求公开",
    "公示期7天",
    "征求意见时间不少于30日",
    "周一",
]


@pytest.mark.parametrize(
    ("text", "want"), PREFECTURE_PLAN + WEB + CATALOGUES + FREQUENCIES + DEADLINES + NO_CONTENT_DUTY
)
def test_it_understands_phrasings_from_other_lists(text: str, want: dict[str, Any]) -> None:
    assert meaning(text) == want


@pytest.mark.parametrize("text", EVENT_DRIVEN)
def test_it_reads_other_event_driven_wordings(text: str) -> None:
    assert meaning(text) == expect(on_change=True)


@pytest.mark.parametrize("text", REFUSED)
def test_it_refuses_vague_phrasings_with_a_reason(text: str) -> None:
    rule = parse_rule(text)
    assert not rule.ok
    assert rule.reason is not None and rule.reason.startswith("无法识别更新要求：")
    assert "请改写为" in rule.reason


def test_it_says_why_a_phrase_without_a_period_is_refused() -> None:
    assert "没有写明" in (parse_rule("常态化更新").reason or "")
    assert "无需更新" in (parse_rule("长期").reason or "")
    assert "同上" in (parse_rule("同上").reason or "")
    assert "次数不明确" in (parse_rule("每年若干次").reason or "")


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("无需更新", "定期检查栏目或链接能否正常使用，无内容更新要求。"),
        ("当天", "事项发生或收到后1天内办结或公开。"),
        (
            "每周一、三、五更新",
            "每周不少于3次（条）（按自然周期计：周期结束仍不足即逾期，逾期天数从周期结束次日算起，再有更新即解除；列入清单的当期按剩余天数折算）。",
        ),
    ],
)
def test_it_describes_the_new_wordings(text: str, sentence: str) -> None:
    assert describe_rule(parse_rule(text)) == sentence


def test_it_collects_at_least_eighty_new_phrasings() -> None:
    phrases = (
        [t for t, _ in PREFECTURE_PLAN + WEB + CATALOGUES + FREQUENCIES + DEADLINES + NO_CONTENT_DUTY]
        + EVENT_DRIVEN
        + REFUSED
    )
    seen = (
        {t for t, _ in test_rules.ANNEX_2 + test_rules.DEADLINES + test_rules.NO_CONTENT_DUTY}
        | {t for t, _ in test_rules.GAPS}
        | {t for t, _ in test_rules.QUOTAS}
        | set(test_rules.EVENT_DRIVEN)
        | set(test_rules.NOT_UNDERSTOOD)
    )
    assert len(set(phrases)) == len(phrases)
    assert not set(phrases) & seen
    assert len(phrases) >= 80
