"""A campaign's summary, written in Chinese and in English from its records (a few queries):
the counts by kind, the overall verdict, the most frequent failures and the orders given.

"此次活动共督查酒店2家、饭店3家、超市2家、中学1所、小学1所。从检查结果来看，整体情况较好，但也存在
个别场所消杀记录不详等问题，对此，督查人员均责令其立即整改。"
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count

from wangge.inspections.models import Answer, AnswerResult, Campaign, CampaignKind, Inspection, Order, Verdict

# Schools and clinics are counted in 所, other venues in 家.
SUO = ("school", "kindergarten", "clinic")


@dataclass
class Summary:
    zh: str
    en: str
    counts: list[tuple[str, str, int]] = field(default_factory=list)  # (zh name, en name, n)
    inspected: int = 0
    failed: int = 0
    problems: list[tuple[str, str, int]] = field(default_factory=list)
    orders: int = 0
    orders_immediate: int = 0
    orders_closed: int = 0


def _unit(code: str) -> str:
    return "所" if any(code.endswith(s) or code == s for s in SUO) else "家"


def _en_count(name_en: str, n: int) -> str:
    name = (name_en or "venue").split("/")[0].strip() or "venue"
    # Mid-sentence: a kind's name is a common noun ("Hotel" → "hotel"), an acronym kept (KTV).
    if not name[:2].isupper():
        name = name[:1].lower() + name[1:]
    if n != 1:
        name = (
            name[:-1] + "ies" if name.endswith("y") and not name.endswith(("ay", "ey", "oy")) else name + "s"
        )
    return f"{n} {name}"


def _en_join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _short(name: str) -> str:
    """A kind's name as a sentence says it: the first of its alternatives ("饭店/餐馆" → "饭店")."""
    return name.split("/")[0].strip() or name


def summarise(campaign: Campaign) -> Summary:
    inspections = Inspection.objects.filter(campaign=campaign).exclude(status="open")
    by_kind = list(
        inspections.values(
            "venue__kind__code", "venue__kind__name", "venue__kind__name_en", "venue__kind__order"
        )
        .annotate(n=Count("venue", distinct=True))
        .order_by("venue__kind__order", "venue__kind__code")
    )
    verdicts = Counter(inspections.values_list("verdict", flat=True))
    inspected = sum(verdicts.values())
    failed = verdicts.get(Verdict.FAIL, 0)
    problems = list(
        Answer.objects.filter(inspection__in=inspections, result=AnswerResult.FAIL)
        .values("item__problem", "item__problem_en")
        .annotate(n=Count("inspection", distinct=True))
        .order_by("-n", "item__problem")[:2]
    )
    order_rows = list(Order.objects.filter(inspection__in=inspections).values_list("immediate", "status"))
    s = Summary("", "")
    s.counts = [(r["venue__kind__name"], r["venue__kind__name_en"], r["n"]) for r in by_kind]
    s.inspected, s.failed = inspected, failed
    s.problems = [(p["item__problem"], p["item__problem_en"], p["n"]) for p in problems]
    s.orders = len(order_rows)
    s.orders_immediate = sum(1 for imm, _st in order_rows if imm)
    s.orders_closed = sum(1 for _imm, st in order_rows if st == "closed")
    s.zh = _zh(campaign, s, by_kind)
    s.en = _en(campaign, s, by_kind)
    return s


def _zh(campaign: Campaign, s: Summary, by_kind: list[dict]) -> str:
    verb = "巡查" if campaign.kind == CampaignKind.PATROL else "督查"
    if not s.inspected:
        return f"此次活动尚无已完成的{verb}。"
    counts = "、".join(
        f"{_short(r['venue__kind__name'])}{r['n']}{_unit(r['venue__kind__code'])}" for r in by_kind
    )
    text = f"此次活动共{verb}{counts}。"
    good = s.failed * 2 <= s.inspected
    if not s.problems:
        return text + "从检查结果来看，整体情况良好，未发现问题。"
    few = "个别" if s.failed * 3 <= s.inspected else "部分"
    problems = "、".join(p[0] for p in s.problems)
    text += "从检查结果来看，整体情况较好，但也存在" if good else "从检查结果来看，整体情况不够理想，"
    text += f"{few}场所{problems}等问题"
    if s.orders:
        if s.orders_immediate == s.orders:
            text += f"，对此，{verb}人员均责令其立即整改。"
        elif s.orders_immediate == 0:
            text += f"，对此，{verb}人员均责令其限期整改。"
        else:
            text += f"，对此，{verb}人员已责令其立即或限期整改。"
    else:
        text += "。"
    return text


def _en(campaign: Campaign, s: Summary, by_kind: list[dict]) -> str:
    verb = "patrolled" if campaign.kind == CampaignKind.PATROL else "inspected"
    if not s.inspected:
        return "No inspection of this campaign is finished yet."
    counts = _en_join([_en_count(r["venue__kind__name_en"], r["n"]) for r in by_kind])
    text = f"This campaign {verb} {counts}. "
    if not s.problems:
        return text + "Overall the results were good and no problems were found."
    good = s.failed * 2 <= s.inspected
    few = "a few" if s.failed * 3 <= s.inspected else "some"
    problems = _en_join([p[1] or p[0] for p in s.problems])
    text += "Overall the results were good, but " if good else "Overall the results were poor: "
    text += f"{few} venues had problems such as {problems}"
    if s.orders:
        if s.orders_immediate == s.orders:
            text += "; the inspectors ordered each of them to put this right immediately."
        elif s.orders_immediate == 0:
            text += "; the inspectors ordered each of them to put this right by a deadline."
        else:
            text += "; the inspectors ordered them to put this right, immediately or by a deadline."
    else:
        text += "."
    return text
