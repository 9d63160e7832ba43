"""Import pages: a bad file shows every row error and writes nothing; a good one waits for confirmation."""

from __future__ import annotations

from sqlalchemy import func, select
from web_client import sign_in, token_of

from kechuang.domain.entities import Demand

GOOD = "external_id,title_zh,budget_max,required_trl\nweb-imp-1,网页导入需求一,100,5\nweb-imp-2,网页导入需求二,,\n"
BAD = "external_id,title_zh,budget_max,required_trl\nweb-bad-1,预算错误,很多,5\nweb-bad-2,成熟度错误,10,15\n"


def count(uow) -> int:
    with uow() as session:
        return session.scalar(select(func.count()).select_from(Demand))


def upload(client, name, text):
    return client.post("/import", data={"entity": "demand", "csrf_token": token_of(client, "/import")},
                       files={"file": (name, text.encode(), "text/csv")})


def test_bad_rows_are_located_and_nothing_is_written(client, uow):
    sign_in(client, "enterprise_a")
    before = count(uow)
    response = upload(client, "bad.csv", BAD)
    assert response.status_code == 422
    assert "没有写入任何数据" in response.text
    assert "<td>2</td><td>最低预算（万元）</td>" not in response.text
    assert "<td>2</td><td>最高预算（万元）</td><td>“很多”不是数字。</td>" in response.text
    assert "<td>3</td><td>要求技术成熟度</td>" in response.text
    assert count(uow) == before


def test_a_clean_file_is_previewed_then_imported_on_confirm(client, uow):
    sign_in(client, "enterprise_a")
    before = count(uow)
    preview = upload(client, "good.csv", GOOD)
    assert preview.status_code == 200 and "将新增 2 条" in preview.text
    assert count(uow) == before
    token = preview.text.split('name="token" value="')[1].split('"')[0]
    done = client.post("/import/confirm", data={"token": token, "csrf_token": token_of(client)})
    assert done.status_code == 200 and "新增 2 条" in done.text
    assert count(uow) == before + 2
    again = client.post("/import/confirm", data={"token": token, "csrf_token": token_of(client)})
    assert again.status_code == 410


def test_an_upload_is_only_confirmed_by_its_owner(app, client):
    from fastapi.testclient import TestClient

    sign_in(client, "enterprise_a")
    token = upload(client, "good.csv", GOOD).text.split('name="token" value="')[1].split('"')[0]
    other = TestClient(app, follow_redirects=False)
    sign_in(other, "enterprise_b")
    stolen = other.post("/import/confirm", data={"token": token, "csrf_token": token_of(other)})
    assert stolen.status_code == 410


def test_template_links_point_at_the_api(client):
    sign_in(client, "enterprise_a")
    page = client.get("/import")
    assert 'href="/api/templates/demand.xlsx?lang=zh"' in page.text
    assert client.get("/api/templates/demand.csv?lang=zh").status_code == 200
