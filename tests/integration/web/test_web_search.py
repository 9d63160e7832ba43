"""The site search and list pages rank by relevance and offer the entity's sort orders."""

from __future__ import annotations

import re


def card_titles(html: str) -> list[str]:
    return re.findall(r'<a class="card-title" href="/achievements/\d+">([^<]+)</a>', html)


def test_the_site_search_leads_with_battery_achievements(client):
    page = client.get("/search", params={"q": "电池"}).text
    section = page.split('href="/achievements/', 1)[1][:2000]
    assert "NV色心" not in section and "电池" in section.split("</a>")[0]


def test_a_list_search_offers_relevance_and_the_entitys_orders(client):
    page = client.get("/achievements", params={"q": "钠离子电池"}).text
    assert '<option value="relevance" selected>相关度</option>' in page
    assert '<option value="trl"' in page and '<option value="price"' in page
    assert "钠离子电池" in card_titles(page)[0]
    plain = client.get("/achievements").text
    assert '<option value="relevance"' not in plain and '<option value="newest" selected>' in plain
    odd = client.get("/achievements", params={"sort": "nonsense"})  # a hand-typed URL falls back, no error
    assert odd.status_code == 200 and '<option value="newest" selected>' in odd.text


def related_titles(html: str) -> list[str]:
    if 'id="related"' not in html:
        return []
    return re.findall(r'href="/achievements/\d+">([^<]+)</a>', html.split('id="related"', 1)[1])


def test_a_query_no_record_holds_shows_achievements_near_in_meaning(client):
    # every word must occur for the exact lists, so the made-up word leaves them empty; the embedding
    # still finds the achievement the rest of the query describes
    q = "Online vision inspection of lithium-battery electrode defects qzxvyk"
    page = client.get("/search", params={"q": q}).text
    assert "没有找到" not in page
    titles = related_titles(page)
    assert titles and "锂电池极片缺陷" in titles[0]
    assert len(titles) <= 5


def test_related_achievements_never_show_a_confidential_one_to_a_visitor(client):
    q = "XH-2 compute-in-memory vision chip architecture internal qzxvyk"
    titles = related_titles(client.get("/search", params={"q": q}).text)
    assert titles  # something near is shown...
    assert not any("XH-2" in title for title in titles)  # ...but not the confidential record


def test_an_exact_match_is_not_repeated_among_the_related(client):
    page = client.get("/search", params={"q": "Online vision inspection of lithium-battery electrode defects"}).text
    exact = page.split('id="related"', 1)[0]
    assert "锂电池极片缺陷" in exact
    assert not any("锂电池极片缺陷" in title for title in related_titles(page))
