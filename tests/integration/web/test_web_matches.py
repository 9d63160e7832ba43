"""Match pages a user can trust: results down to a relevance floor, one scale for the bars, reasons for
investors, no function words among shared concepts, in both languages."""

from __future__ import annotations

import re

from web_client import record_id, token_of

from kechuang.domain.entities import Achievement, Demand

WIDTH = re.compile(r'<span class="meter" aria-hidden="true"><span style="width: (\d+)(?:\.0)?%"></span></span>\s*'
                   r'<span class="contribution">\+([0-9.]+)</span>')


def bars(html: str) -> list[tuple[int, float]]:
    return [(int(width), float(value)) for width, value in WIDTH.findall(html)]


def test_bars_share_one_scale_across_the_page(client, uow):
    demand = record_id(uow, Demand, "dem-0006")
    for kind in ("achievement", "expert", "investor"):
        page = client.get(f"/demands/{demand}/matches", params={"kind": kind}).text
        found = bars(page)
        assert len(found) >= 2, kind
        top = max(value for _, value in found)
        for width, value in found:  # widths are proportional to contributions over the whole page
            assert abs(width - 100 * value / top) <= 1.5, (kind, width, value, top)
        assert sum(1 for width, _ in found if width == 100) >= 1


def test_the_page_says_when_there_are_no_more_good_matches(client, uow):
    demand = record_id(uow, Demand, "dem-0006")
    page = client.get(f"/demands/{demand}/matches").text
    assert 1 <= page.count('class="match"') < 10
    assert "没有更多相关度足够的匹配" in page
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token_of(client)})
    english = client.get(f"/demands/{demand}/matches", params={"kind": "expert"}).text
    assert "No more good matches" in english and english.count('class="match"') < 10
    adopters = client.get(f"/achievements/{record_id(uow, Achievement, 'ach-0002')}/matches").text
    assert adopters.count('class="match"') >= 1


def test_investor_matches_give_their_reasons_in_both_languages(client, uow):
    demand = record_id(uow, Demand, "dem-0006")
    page = client.get(f"/demands/{demand}/matches", params={"kind": "investor"}).text
    assert "投资领域相符" in page and "投资阶段相符" in page and "投资地区相符" in page
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token_of(client)})
    english = client.get(f"/demands/{demand}/matches", params={"kind": "investor"}).text
    assert "Invests in the field" in english and "Invests at the stage" in english


def test_shared_concepts_on_the_page_hold_no_function_words(client, uow):
    for external in ("dem-0001", "dem-0006"):
        page = client.get(f"/demands/{record_id(uow, Demand, external)}/matches").text
        concepts = "".join(re.findall(r"共同概念：([^<|]*)", page))
        assert concepts
        for word in ("即可", "技术", "合作", "平台", "开展"):
            assert word not in concepts.split("、"), (external, word)
