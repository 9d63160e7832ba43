"""Structured compatibility between a demand and a candidate, each part with its contribution and reason.

The text score finds candidates; these features reorder them the way a broker would: same field and
industry, mature enough (TRL at least the required one), in the preferred region, affordable, offered in the
wanted cooperation mode, from a supplier with a track record. Every part is returned, so a user sees why.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kechuang.domain.codes import code_table
from kechuang.domain.enums import TransferMode

TEXT_WEIGHT = 0.60
WEIGHTS = {"field": 0.12, "trl": 0.10, "region": 0.06, "budget": 0.05, "mode": 0.04, "track_record": 0.03}


@dataclass(frozen=True)
class Reason:
    """One part of a match score, readable in Chinese and English."""

    code: str
    contribution: float
    zh: str
    en: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Need:
    """What a demand asks for, in the terms the features compare."""

    discipline_codes: Sequence[str] = ()
    industry_codes: Sequence[str] = ()
    required_trl: int | None = None
    preferred_regions: Sequence[str] = ()
    budget_max: float | None = None
    modes: Sequence[str] = ()


@dataclass(frozen=True)
class Offer:
    """What a candidate (achievement, expert, organization) offers, in the same terms."""

    discipline_codes: Sequence[str] = ()
    industry_codes: Sequence[str] = ()
    trl: int | None = None
    region_code: str = ""
    price_min: float | None = None
    modes: Sequence[str] = ()
    track_record: int = 0


def _code_overlap(wanted: Sequence[str], offered: Sequence[str], prefix: int) -> tuple[float, list[str]]:
    """1.0 for a shared exact code, 0.5 for a shared parent (first `prefix` characters)."""
    if not wanted or not offered:
        return 0.0, []
    exact = sorted(set(wanted) & set(offered))
    if exact:
        return 1.0, exact
    parents = sorted({w[:prefix] for w in wanted} & {o[:prefix] for o in offered})
    return (0.5, parents) if parents else (0.0, [])


def field_fit(need: Need, offer: Offer) -> Reason | None:
    disc, disc_codes = _code_overlap(need.discipline_codes, offer.discipline_codes, 3)
    ind, ind_codes = _code_overlap(need.industry_codes, offer.industry_codes, 2)
    if not (disc or ind):
        return None
    value = WEIGHTS["field"] * max(disc, ind)
    zh = _labels("discipline", disc_codes, "zh") + _labels("industry", ind_codes, "zh")
    en = _labels("discipline", disc_codes, "en") + _labels("industry", ind_codes, "en")
    return Reason(
        "field",
        value,
        f"学科/行业相符：{'、'.join(zh)}",
        f"Same field or industry: {'; '.join(en)}",
        {"disciplines": disc_codes, "industries": ind_codes},
    )


def _labels(scheme: str, codes: Sequence[str], lang: str) -> list[str]:
    """Codes with their names in the reader's language, e.g. '52020 人工智能'."""
    table = code_table(scheme)
    return [f"{code} {found.label(lang)}" if (found := table.get(code)) else code for code in codes]


def trl_fit(need: Need, offer: Offer) -> Reason | None:
    if need.required_trl is None or offer.trl is None:
        return None
    gap = offer.trl - need.required_trl
    if gap >= 0:
        return Reason(
            "trl",
            WEIGHTS["trl"],
            f"技术成熟度 {offer.trl} ≥ 要求 {need.required_trl}",
            f"TRL {offer.trl} meets the required {need.required_trl}",
            {"trl": offer.trl, "gap": gap},
        )
    value = -WEIGHTS["trl"] * min(1.0, -gap / 3)
    return Reason(
        "trl",
        value,
        f"技术成熟度 {offer.trl} 低于要求 {need.required_trl}",
        f"TRL {offer.trl} is below the required {need.required_trl}",
        {"trl": offer.trl, "gap": gap},
    )


def _in_region(region: str, wanted: str) -> bool:
    """A 6-digit region lies in a wanted province (xx0000), city (xxxx00) or is the same district."""
    if not region or not wanted:
        return False
    stem = wanted[:2] if wanted.endswith("0000") else wanted[:4] if wanted.endswith("00") else wanted
    return region.startswith(stem)


def region_fit(need: Need, offer: Offer) -> Reason | None:
    if not need.preferred_regions or not offer.region_code:
        return None
    hit = next((w for w in need.preferred_regions if _in_region(offer.region_code, w)), None)
    if hit is None:
        return None
    return Reason(
        "region",
        WEIGHTS["region"],
        f"位于优先地区：{_labels('region', [hit], 'zh')[0]}",
        f"In the preferred region: {_labels('region', [hit], 'en')[0]}",
        {"region": offer.region_code, "preferred": hit},
    )


def budget_fit(need: Need, offer: Offer) -> Reason | None:
    if need.budget_max is None or offer.price_min is None:
        return None
    if offer.price_min <= need.budget_max:
        return Reason(
            "budget",
            WEIGHTS["budget"],
            f"报价起点 {offer.price_min:g} 万元在预算 {need.budget_max:g} 万元内",
            f"Asking from {offer.price_min:g} within the budget of {need.budget_max:g} (10k CNY)",
        )
    return Reason(
        "budget",
        -WEIGHTS["budget"],
        f"报价起点 {offer.price_min:g} 万元超出预算 {need.budget_max:g} 万元",
        f"Asking from {offer.price_min:g}, above the budget of {need.budget_max:g} (10k CNY)",
    )


def mode_fit(need: Need, offer: Offer) -> Reason | None:
    shared = sorted(set(need.modes) & set(offer.modes))
    if not shared:
        return None
    return Reason(
        "mode",
        WEIGHTS["mode"],
        f"合作方式相符：{'、'.join(TransferMode(m).zh for m in shared)}",
        f"Cooperation mode offered: {', '.join(TransferMode(m).en.lower() for m in shared)}",
        {"modes": shared},
    )


def track_record_fit(offer: Offer) -> Reason | None:
    if offer.track_record <= 0:
        return None
    value = WEIGHTS["track_record"] * min(1.0, math.log1p(offer.track_record) / math.log1p(20))
    return Reason(
        "track_record",
        value,
        f"供给方已有 {offer.track_record} 项成果/项目",
        f"The supplier has {offer.track_record} achievements or projects on record",
        {"count": offer.track_record},
    )


def compatibility(need: Need, offer: Offer, relevance: float = 1.0) -> list[Reason]:
    """Every structured reason that applies, best first, each scaled by the text relevance.

    Scaling keeps relevance first: a well-fitting but unrelated offer must not outrank a related one, so
    the features reorder candidates of similar relevance rather than lift unrelated ones.
    """
    reasons = [fit(need, offer) for fit in (field_fit, trl_fit, region_fit, budget_fit, mode_fit)]
    reasons.append(track_record_fit(offer))
    scaled = [replace(r, contribution=round(r.contribution * relevance, 4)) for r in reasons if r is not None]
    return sorted(scaled, key=lambda r: -r.contribution)


_HAN = re.compile(r"[\u3400-\u9fff]")
_NAME_LIKE = re.compile(r"[A-Z0-9]")  # SOH, mRNA, CAR-T, RISC-V, int8: written as they are in Chinese text


def _concepts_zh(concepts: Sequence[tuple[str, str]]) -> tuple[list[str], int]:
    """The shared concepts as a Chinese reader sees them: a cross-language pair by its Chinese side, acronyms
    and names as they are; plain English words (battery, edge) are not shown but counted."""
    shown: list[str] = []
    english = 0
    for a, b in concepts:
        sides = [w for w in dict.fromkeys((a, b))
                 if _HAN.search(w) or all(_NAME_LIKE.search(part) for part in w.split())]
        if not sides:
            english += 1
            continue
        chinese = [w for w in sides if _HAN.search(w)]
        label = " ↔ ".join(chinese or sides)
        if label not in shown:
            shown.append(label)
    return shown, english


def text_reason(score: float, concepts: Sequence[tuple[str, str]]) -> Reason:
    """The text part: fused relevance and the concepts both sides share (in either language)."""
    shown = [a if a == b else f"{a} ↔ {b}" for a, b in concepts[:8]]
    shown_zh, english = _concepts_zh(concepts[:8])
    zh = "内容相关" + (f"，共同概念：{'、'.join(shown_zh)}" if shown_zh else "")
    if english:
        zh += f"{'；另有' if shown_zh else '，有'} {english} 个共同英文术语"
    en = "Related content" + (f"; shared concepts: {', '.join(shown)}" if shown else "")
    return Reason(
        "text",
        TEXT_WEIGHT * score,
        zh,
        en,
        {"score": round(score, 4), "concepts": [list(c) for c in concepts]},
    )


INVESTOR_WEIGHTS = {"field": 0.12, "stage": 0.06, "ticket": 0.05, "region": 0.06}


def _stages_for(trl: int | None) -> tuple[str, ...]:
    """Rounds a venture at this technology readiness usually raises (TRL 1–4 seed and angel, 5–6 angel and
    series A, 7 and above series A onwards)."""
    if trl is None:
        return ()
    if trl <= 4:
        return ("seed", "angel")
    if trl <= 6:
        return ("angel", "series_a")
    return ("series_a", "series_b", "series_c_plus", "growth", "pre_ipo")


def investor_fit(
    need: Need, profile: Any, region: str = "", relevance: float = 1.0
) -> list[Reason]:
    """Why an investor suits a demand: its fields, the stage the demand's TRL implies, a ticket that covers
    the budget, and the region where the demand's owner is; each scaled by the text relevance."""
    from kechuang.domain.enums import InvestmentStage

    reasons: list[Reason] = []
    score, codes = _code_overlap(need.industry_codes, profile.industry_codes, 2)
    if not score:  # an investor may name a whole section (C manufacturing) or a group above the demand's code
        table = code_table("industry")
        covering = {a.code for wanted in need.industry_codes for a in table.ancestors(wanted)}
        codes = sorted(set(profile.industry_codes) & covering)
        score = 0.5 if codes else 0.0
    if score:
        reasons.append(Reason(
            "field",
            INVESTOR_WEIGHTS["field"] * score,
            f"投资领域相符：{'、'.join(_labels('industry', codes, 'zh'))}",
            f"Invests in the field: {'; '.join(_labels('industry', codes, 'en'))}",
            {"industries": codes},
        ))
    stages = [s for s in _stages_for(need.required_trl) if s in profile.stages]
    if stages:
        names = [InvestmentStage(s) for s in stages]
        reasons.append(Reason(
            "stage",
            INVESTOR_WEIGHTS["stage"],
            f"投资阶段相符（技术成熟度 {need.required_trl}）：{'、'.join(n.zh for n in names)}",
            f"Invests at the stage (TRL {need.required_trl}): {', '.join(n.en for n in names)}",
            {"stages": stages},
        ))
    low, high = profile.ticket_min, profile.ticket_max
    if need.budget_max is not None and (low is not None or high is not None):
        fits = (low is None or need.budget_max >= low) and (high is None or need.budget_max <= high)
        span_zh = f"{low or 0:g}–{high:g} 万元" if high is not None else f"{low:g} 万元起"
        span_en = f"{low or 0:g}–{high:g}" if high is not None else f"from {low:g}"
        if fits:
            reasons.append(Reason(
                "ticket",
                INVESTOR_WEIGHTS["ticket"],
                f"单笔投资 {span_zh}，覆盖预算 {need.budget_max:g} 万元",
                f"Ticket size {span_en} covers the budget of {need.budget_max:g} (10k CNY)",
                {"ticket_min": low, "ticket_max": high},
            ))
    if region and profile.regions:
        hit = next((w for w in profile.regions if _in_region(region, w)), None)
        if hit is not None:
            reasons.append(Reason(
                "region",
                INVESTOR_WEIGHTS["region"],
                f"投资地区相符：{_labels('region', [hit], 'zh')[0]}",
                f"Invests in the region: {_labels('region', [hit], 'en')[0]}",
                {"region": region, "preferred": hit},
            ))
    scaled = [replace(r, contribution=round(r.contribution * relevance, 4)) for r in reasons]
    return sorted(scaled, key=lambda r: -r.contribution)
