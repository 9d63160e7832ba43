"""Notification services without HTTP: messages, new-match notices, read-time titles, read marks."""

from __future__ import annotations

import logging

import pytest

from kechuang.domain.access import ANONYMOUS, Actor
from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kechuang.services import notifications as n
from kechuang.services.accounts import actor_for, create_user, find_user
from kechuang.services.match_index import MatchIndexes
from kechuang.services.registry import create_record, get_record, id_of_external, update_record
from kechuang.services.sample import load_demo_accounts, load_sample


@pytest.fixture
def platform(uow, tmp_path, fast_passwords):
    load_sample(uow)
    load_demo_accounts(uow)
    return MatchIndexes(tmp_path / "indexes", "hashing")


def who(uow, username: str) -> Actor:
    return actor_for(find_user(uow, username))


def offer_for(uow, actor, demand_ref: str, visibility: str, title: str):
    """An achievement written to answer exactly the sample demand `demand_ref`."""
    wanted = get_record(Actor.system(), "demand", id_of_external("demand", demand_ref, uow), uow)
    body = {
        "title": f"{wanted.title_zh} {title}",
        "description": wanted.description_zh,
        "keywords_zh": wanted.keywords_zh,
        "visibility": visibility,
    }
    return create_record(actor, "achievement", body, uow)


def test_a_message_reaches_every_active_user_of_the_owner_organization(uow, platform, admin):
    a_org = id_of_external("organization", "org-enterprise-a", uow)
    colleague = create_user(
        admin, uow, username="a_colleague", password="long enough", organization_id=a_org, role="enterprise"
    )
    listing = id_of_external("demand", "dem-0001", uow)
    assert n.send_message(who(uow, "tto"), uow, "demand", listing, "  可以洽谈  ") == 2
    for reader in (who(uow, "enterprise_a"), actor_for(colleague)):
        page = n.list_notifications(reader, uow)
        assert page.count == 1 and page.items[0].text == "可以洽谈"
        assert page.items[0].kind == "message" and page.items[0].subject_title.startswith("小样本")
        assert page.items[0].sender_name == "清华技转院 陈老师"
    assert n.list_notifications(who(uow, "tto"), uow).count == 0  # the sender gets no copy


def test_messages_obey_visibility_and_need_text_and_a_sender(uow, platform):
    secret = id_of_external("demand", "dem-7961da78", uow)  # enterprise_a's confidential demand
    with pytest.raises(NotFound):
        n.send_message(who(uow, "enterprise_b"), uow, "demand", secret, "hello")
    with pytest.raises(PermissionDenied):
        n.send_message(ANONYMOUS, uow, "demand", id_of_external("demand", "dem-0001", uow), "hello")
    with pytest.raises(InvalidInput) as caught:
        n.send_message(who(uow, "tto"), uow, "demand", id_of_external("demand", "dem-0001", uow), "   ")
    assert caught.value.field == "text"
    nobody_home = id_of_external("demand", "dem-0011", uow)  # its organization has no account
    with pytest.raises(Conflict):
        n.send_message(who(uow, "tto"), uow, "demand", nobody_home, "hello")


def test_a_new_demand_tells_its_owners_of_strong_matches_they_may_see(uow, platform):
    b = who(uow, "enterprise_b")
    hidden = offer_for(uow, who(uow, "tto"), "dem-0009", "confidential", "内部")
    visible = offer_for(uow, who(uow, "researcher"), "dem-0009", "public", "公开")
    wanted = get_record(b, "demand", id_of_external("demand", "dem-0009", uow), uow)
    mine = create_record(
        b, "demand", {"title_zh": wanted.title_zh, "description_zh": wanted.description_zh}, uow
    )
    created = n.notify_new_matches(uow, platform, "demand", mine.id)
    page = n.list_notifications(b, uow)
    assert created == page.count >= 1
    related = {item.related_id for item in page.items}
    assert visible.id in related and hidden.id not in related
    assert all(item.subject_id == mine.id and item.score >= n.MATCH_THRESHOLD for item in page.items)
    assert n.notify_new_matches(uow, platform, "demand", mine.id) == 0  # no second notice for the same pair
    assert n.notify_new_matches(uow, platform, "demand", mine.id, threshold=2.0) == 0


@pytest.mark.parametrize(
    ("visibility", "told"), [("public", True), ("members", True), ("confidential", False)]
)
def test_a_new_achievement_reaches_the_organizations_asking_for_it_only_if_they_may_see_it(
    uow, platform, visibility, told
):
    offer = offer_for(uow, who(uow, "tto"), "dem-0009", visibility, "新成果")
    n.notify_new_matches(uow, platform, "achievement", offer.id)
    b_notices = n.list_notifications(who(uow, "enterprise_b"), uow).items
    assert (offer.id in {item.related_id for item in b_notices}) is told
    if told:
        notice = next(item for item in b_notices if item.related_id == offer.id)
        assert (
            notice.subject_id == id_of_external("demand", "dem-0009", uow)
            and "新成果" in notice.related_title
        )
    assert n.list_notifications(who(uow, "tto"), uow).count == 0  # not told about its own achievement


def test_titles_are_resolved_when_read_so_a_listing_hidden_later_disappears(uow, platform):
    tto = who(uow, "tto")
    offer = offer_for(uow, tto, "dem-0009", "public", "后来保密")
    n.notify_new_matches(uow, platform, "achievement", offer.id)
    b = who(uow, "enterprise_b")
    before = next(item for item in n.list_notifications(b, uow).items if item.related_id == offer.id)
    assert "后来保密" in before.related_title and before.score is not None
    update_record(tto, "achievement", offer.id, {"visibility": "confidential"}, uow)
    after = next(item for item in n.list_notifications(b, uow).items if item.id == before.id)
    assert (after.related_id, after.related_title, after.score) == (None, "", None)
    assert after.subject_title  # their own demand is still theirs to see


def test_unread_count_and_marking_read_touch_only_ones_own(uow, platform):
    listing = id_of_external("demand", "dem-0001", uow)
    tto, a = who(uow, "tto"), who(uow, "enterprise_a")
    for text in ("one", "two", "three"):
        n.send_message(tto, uow, "demand", listing, text)
    assert n.unread_count(a, uow) == 3
    first = n.list_notifications(a, uow).items[0]
    with pytest.raises(NotFound):
        n.mark_read(tto, uow, first.id)
    assert n.mark_read(a, uow, first.id) == 1
    assert n.unread_count(a, uow) == 2 and n.list_notifications(a, uow, unread_only=True).count == 2
    assert n.mark_read(a, uow) == 2 and n.unread_count(a, uow) == 0
    assert n.list_notifications(a, uow).count == 3
    with pytest.raises(PermissionDenied):
        n.unread_count(ANONYMOUS, uow)


def test_a_failed_match_run_is_logged_not_raised(uow, platform, caplog):
    with caplog.at_level(logging.ERROR):
        assert n.announce_new_listing(uow, platform, "demand", 987654) == 0
    assert "match notifications for demand 987654 failed" in caplog.text
