"""People on the pages: named by their name (job title beside it); contact data for members only (PIPL)."""

from __future__ import annotations

from web_client import record_id, sign_in, token_of

from kechuang.domain.entities import Person


def test_the_person_page_shows_contact_data_to_members_only(client, uow):
    person_id = record_id(uow, Person, "per-zhangwei-thu")
    with uow() as session:
        person = session.get(Person, person_id)
        email, born = person.email, person.birth_year
    assert email and born, "张伟 of the sample should have contact data to hide"
    public = client.get(f"/people/{person_id}")
    assert public.status_code == 200 and person.name_zh in public.text
    assert email not in public.text and str(born) not in public.text
    sign_in(client, "enterprise_b")
    member = client.get(f"/people/{person_id}")
    assert email in member.text


def test_people_are_listed_and_headed_by_name_with_the_job_title_as_subtitle(client, uow):
    person_id = record_id(uow, Person, "per-zhangwei-thu")
    listed = client.get("/people?q=张伟").text
    assert f'<a class="card-title" href="/people/{person_id}">张伟</a>' in listed
    assert '<span class="subtitle">教授</span>' in listed
    page = client.get(f"/people/{person_id}").text
    assert "<h1>张伟</h1>" in page and '<p class="other-lang">Zhang Wei</p>' in page
    assert '<p class="subtitle">教授</p>' in page
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token_of(client)})
    english = client.get(f"/people/{person_id}").text
    assert "<h1>Zhang Wei</h1>" in english and '<p class="subtitle">Professor</p>' in english


def test_the_person_form_labels_the_job_title_as_such(client):
    sign_in(client, "enterprise_a")
    form = client.get("/people/new").text
    assert "职称（中文）" in form and "姓名（中文）" in form and "标题（中文）" not in form
