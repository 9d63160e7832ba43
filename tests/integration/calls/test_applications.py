"""Applications: eligibility checked on submit with the rule named, and each applicant sees only its own."""

from __future__ import annotations

import io
import zipfile

import pytest
from calls_cast import application_data, published_call, submitted_application

from kechuang.domain.access import ANONYMOUS
from kechuang.domain.calls import ApplicationStatus
from kechuang.domain.errors import Conflict, InvalidFields, InvalidInput, NotFound, PermissionDenied
from kechuang.services.calls.applications import (
    applications_of,
    create_application,
    get_application,
    list_applications,
    submit_application,
    withdraw_application,
)
from kechuang.services.calls.attachments import add_attachment, list_attachments, read_attachment, sniff_kind
from kechuang.services.calls.calls import transition


def office_file(main: str, macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        kind = "application/vnd.ms-word.document.macroEnabled.main+xml" if macro else "application/xml"
        archive.writestr("[Content_Types].xml", f'<Types><Override ContentType="{kind}"/></Types>')
        archive.writestr(main, "<document/>")
    return buffer.getvalue()


def test_two_organizations_apply_and_each_sees_only_its_own(uow, cast):
    call = published_call(uow, cast)
    a = submitted_application(uow, cast, cast.enterprise_a, call.id, "org-enterprise-a")
    b = submitted_application(uow, cast, cast.researcher, call.id, "org-researcher-inst")
    assert a.status == ApplicationStatus.SUBMITTED and b.status == ApplicationStatus.SUBMITTED
    assert [x.id for x in list_applications(cast.enterprise_a, call.id, uow)] == [a.id]
    assert {x.id for x in list_applications(cast.officer, call.id, uow)} == {a.id, b.id}
    for outsider, application in (
        (cast.enterprise_a, b),
        (cast.researcher, a),
        (ANONYMOUS, a),
        (cast.tto, a),
    ):
        with pytest.raises(NotFound):
            get_application(outsider, application.id, uow)
    with uow() as session:
        assert [x.id for x in applications_of(session, call.id)] == [a.id, b.id]


def test_a_partner_organization_sees_the_joint_application(uow, cast):
    call = published_call(uow, cast)
    joint = submitted_application(
        uow, cast, cast.enterprise_a, call.id, "org-enterprise-a", partner_org_ids=[cast.orgs["org-tto"]]
    )
    assert get_application(cast.tto, joint.id, uow).lead_org_id == cast.orgs["org-enterprise-a"]


@pytest.mark.parametrize(
    ("call_changes", "app_changes", "rule"),
    [
        ({"joint_allowed": False}, {"partner_org_ids": "tto"}, "joint_allowed"),
        ({"max_team_size": 1}, {}, "max_team_size"),
        ({"eligible_org_kinds": ["university"]}, {}, "eligible_org_kinds"),
        ({"eligible_regions": ["12"]}, {}, "eligible_regions"),
    ],
)
def test_an_ineligible_application_is_refused_on_submit_naming_the_rule(
    uow, cast, call_changes, app_changes, rule
):
    call = published_call(uow, cast, **call_changes)
    if app_changes.get("partner_org_ids") == "tto":
        app_changes = {"partner_org_ids": [cast.orgs["org-tto"]]}
    draft = create_application(
        cast.enterprise_a,
        call.id,
        application_data(uow, cast, call.id, "org-enterprise-a", **app_changes),
        uow,
    )
    with pytest.raises(InvalidInput, match=f"not eligible: {rule}") as caught:
        submit_application(cast.enterprise_a, draft.id, uow)
    assert caught.value.field == rule
    assert get_application(cast.enterprise_a, draft.id, uow).status == ApplicationStatus.DRAFT


def test_a_foreign_partner_is_outside_beijing_tianjin_hebei(uow, cast):
    call = published_call(uow, cast, eligible_org_kinds=[])
    draft = create_application(
        cast.partner, call.id, application_data(uow, cast, call.id, "org-f-wessex"), uow
    )
    with pytest.raises(InvalidInput, match="eligible_regions"):
        submit_application(cast.partner, draft.id, uow)


def test_a_commitment_is_needed_for_every_indicator_and_unknown_people_are_refused(uow, cast):
    call = published_call(uow, cast)
    data = application_data(uow, cast, call.id, "org-enterprise-a")
    draft = create_application(
        cast.enterprise_a, call.id, {**data, "commitments": data["commitments"][:1]}, uow
    )
    with pytest.raises(InvalidInput, match="every indicator"):
        submit_application(cast.enterprise_a, draft.id, uow)
    with pytest.raises(InvalidFields) as caught:
        create_application(cast.enterprise_b, call.id, {**data, "team_person_ids": [999999]}, uow)
    assert "not in the registry" in caught.value.problems["team_person_ids"]


def test_applications_only_while_published_and_once_per_organization(uow, cast):
    call = published_call(uow, cast)
    submitted_application(uow, cast, cast.enterprise_a, call.id, "org-enterprise-a")
    with pytest.raises(Conflict, match="already has application"):
        create_application(
            cast.enterprise_a, call.id, application_data(uow, cast, call.id, "org-enterprise-a"), uow
        )
    transition(cast.officer, call.id, "close", uow)
    with pytest.raises(Conflict, match="allowed in: published"):
        create_application(
            cast.enterprise_b, call.id, application_data(uow, cast, call.id, "org-enterprise-b"), uow
        )


def test_withdrawn_applications_leave_the_review(uow, cast):
    call = published_call(uow, cast)
    a = submitted_application(uow, cast, cast.enterprise_a, call.id, "org-enterprise-a")
    withdraw_application(cast.enterprise_a, a.id, uow, reason="团队调整")
    with uow() as session:
        assert applications_of(session, call.id) == []


def test_attachments_are_checked_by_content_and_hidden_from_outsiders(uow, cast, tmp_path):
    call = published_call(uow, cast)
    a = submitted_application(uow, cast, cast.enterprise_a, call.id, "org-enterprise-a")
    pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF"
    row = add_attachment(cast.enterprise_a, a.id, "方案.pdf", pdf, uow, data_dir=tmp_path)
    assert row.kind == "pdf" and (tmp_path / "call_attachments" / row.stored_name).read_bytes() == pdf
    docx = add_attachment(
        cast.enterprise_a, a.id, "plan.docx", office_file("word/document.xml"), uow, data_dir=tmp_path
    )
    assert docx.kind == "docx"
    assert sniff_kind(office_file("xl/workbook.xml")) == "xlsx"
    for bad in (b"MZ\x90\x00 executable", office_file("word/document.xml", macro=True), b"plain text"):
        with pytest.raises(InvalidInput, match="PDF, DOCX or XLSX"):
            add_attachment(cast.enterprise_a, a.id, "renamed.pdf", bad, uow, data_dir=tmp_path)
    with pytest.raises(InvalidInput, match="larger than"):
        add_attachment(
            cast.enterprise_a, a.id, "big.pdf", pdf + b"x" * 2000, uow, data_dir=tmp_path, max_bytes=1024
        )
    assert read_attachment(cast.officer, a.id, row.id, uow, data_dir=tmp_path)[1] == pdf
    assert [x.id for x in list_attachments(cast.enterprise_a, a.id, uow)] == [row.id, docx.id]
    for outsider in (ANONYMOUS, cast.enterprise_b, cast.researcher):
        with pytest.raises(NotFound):
            read_attachment(outsider, a.id, row.id, uow, data_dir=tmp_path)
    with pytest.raises(PermissionDenied):
        add_attachment(cast.officer, a.id, "x.pdf", pdf, uow, data_dir=tmp_path)
