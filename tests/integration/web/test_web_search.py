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
