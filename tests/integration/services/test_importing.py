"""Imports: located row errors, nothing half-written, idempotent re-import, all three formats."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from kechuang.domain.access import Actor
from kechuang.domain.entities import Achievement, ImportBatch, Organization
from kechuang.domain.enums import Visibility
from kechuang.domain.errors import ImportRejected, PermissionDenied
from kechuang.services.entity_fields import spec_for
from kechuang.services.exporting import export_records, export_template
from kechuang.services.importing import import_file, preview_file

HEADERS = [
    "external_id",
    "owner_org",
    "title_zh",
    "title_en",
    "trl",
    "discipline_codes",
    "kind",
    "visibility",
]


def org_file() -> bytes:
    rows = [
        {
            "external_id": "org-thu",
            "name_zh": "清华大学",
            "name_en": "Tsinghua University",
            "kind": "university",
            "region_code": "110108",
        },
        {"external_id": "org-tju", "name_zh": "天津大学", "kind": "高校", "region_code": "南开区"},
    ]
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()


def achievement_rows(n: int = 100) -> list[dict[str, str]]:
    return [
        {
            "external_id": f"ach-{i:03d}",
            "owner_org": "org-thu" if i % 2 else "org-tju",
            "title_zh": f"成果{i}：锂电池极片缺陷在线检测",
            "title_en": f"Electrode defect inspection {i}",
            "trl": str(1 + i % 9),
            "discipline_codes": "520; 计算机科学技术",
            "kind": "专利",
            "visibility": "public",
        }
        for i in range(n)
    ]


def to_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADERS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def count(uow, model) -> int:
    with uow() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def orgs(uow, admin):
    import_file(admin, "organization", "orgs.jsonl", org_file(), uow)


def test_three_bad_rows_are_reported_exactly_and_nothing_is_written(uow, admin, orgs):
    rows = achievement_rows()
    rows[9]["trl"] = "12"  # file row 11
    rows[41]["discipline_codes"] = "不存在的学科"  # file row 43
    rows[76]["title_zh"] = rows[76]["title_en"] = ""  # file row 78
    with pytest.raises(ImportRejected) as caught:
        import_file(admin, "achievement", "achievements.csv", to_csv(rows), uow)
    errors = caught.value.errors
    assert [(e.row, e.column) for e in errors] == [(11, "trl"), (43, "discipline_codes"), (78, "title_zh")]
    assert all(e.file == "achievements.csv" and e.reason for e in errors)
    assert "between 1 and 9" in errors[0].reason
    assert count(uow, Achievement) == 0
    assert count(uow, ImportBatch) == 1  # only the organizations' batch


def test_corrected_file_imports_and_reimport_changes_nothing(uow, admin, orgs):
    content = to_csv(achievement_rows())
    first = import_file(admin, "achievement", "achievements.csv", content, uow)
    assert first.counts["achievement"] == {"created": 100, "updated": 0, "unchanged": 0}
    with uow() as session:
        stamps = dict(session.execute(select(Achievement.external_id, Achievement.updated_at)).all())
        item = session.scalars(select(Achievement).where(Achievement.external_id == "ach-003")).one()
        assert item.discipline_codes == ["520"] and item.trl == 4 and item.kind.value == "patent"
    second = import_file(admin, "achievement", "achievements.csv", content, uow)
    assert second.counts["achievement"] == {"created": 0, "updated": 0, "unchanged": 100}
    assert second.changed == 0
    with uow() as session:
        assert dict(session.execute(select(Achievement.external_id, Achievement.updated_at)).all()) == stamps
    assert count(uow, Achievement) == 100


def test_changed_row_updates_only_that_record(uow, admin, orgs):
    rows = achievement_rows(10)
    import_file(admin, "achievement", "a.csv", to_csv(rows), uow)
    rows[4]["title_en"] = "Improved inspection"
    result = import_file(admin, "achievement", "a.csv", to_csv(rows), uow)
    assert result.counts["achievement"] == {"created": 0, "updated": 1, "unchanged": 9}


def test_unknown_reference_and_duplicate_ids_are_located(uow, admin, orgs):
    rows = achievement_rows(5)
    rows[1]["owner_org"] = "org-nowhere"
    rows[3]["external_id"] = rows[2]["external_id"]
    with pytest.raises(ImportRejected) as caught:
        import_file(admin, "achievement", "a.csv", to_csv(rows), uow)
    found = {(e.row, e.column) for e in caught.value.errors}
    assert (5, "external_id") in found  # duplicate of row 4, found while checking
    assert count(uow, Achievement) == 0


def test_reference_errors_found_at_write_time_roll_back(uow, admin, orgs):
    rows = achievement_rows(5)
    rows[1]["owner_org"] = "org-nowhere"
    with pytest.raises(ImportRejected) as caught:
        import_file(admin, "achievement", "a.csv", to_csv(rows), uow)
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "owner_org")]
    assert "org-nowhere" in caught.value.errors[0].reason
    assert count(uow, Achievement) == 0


def test_unknown_header_is_reported_on_row_one(uow, admin):
    content = "external_id,title_zh,colour\nx1,标题,red\n".encode()
    with pytest.raises(ImportRejected) as caught:
        import_file(admin, "achievement", "a.csv", content, uow)
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, "colour")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_export_reimports_unchanged_in_every_format(uow, admin, orgs, fmt, lang):
    import_file(admin, "achievement", "a.csv", to_csv(achievement_rows(20)), uow)
    exported = export_records(admin, "achievement", fmt, uow, lang=lang)
    result = import_file(admin, "achievement", f"export.{fmt}", exported, uow)
    assert result.counts["achievement"] == {"created": 0, "updated": 0, "unchanged": 20}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_headers_are_accepted_on_import(uow, admin, fmt):
    """A template's example row imports as it is, once the example organization it names exists."""
    import_file(admin, "organization", f"org.{fmt}", export_template("organization", fmt, "zh"), uow)
    example = export_template("demand", fmt, "zh")
    result = import_file(admin, "demand", f"template.{fmt}", example, uow)
    assert result.counts["demand"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert "标题（中文）" in export_template("demand", "csv", "zh").decode("utf-8-sig")
    assert "Title (English)" in export_template("demand", "csv", "en").decode("utf-8-sig")


def test_gb18030_csv_from_chinese_excel_is_read(uow, admin):
    content = "外部编号,名称（中文）,类型\norg-x,北京某科技有限公司,企业\n".encode("gb18030")
    import_file(admin, "organization", "机构.csv", content, uow)
    with uow() as session:
        org = session.scalars(select(Organization)).one()
    assert org.name_zh == "北京某科技有限公司" and org.kind.value == "enterprise"
    assert org.owner_org_id == org.id  # an organization owns its own profile


def test_members_import_only_for_their_own_organization(uow, admin, orgs):
    with uow() as session:
        thu = session.scalars(select(Organization).where(Organization.external_id == "org-thu")).one()
    member = Actor(name="tto", organization_id=thu.id, roles=frozenset({"tto"}), authenticated=True)
    rows = achievement_rows(4)  # rows alternate between org-thu and org-tju
    with pytest.raises(ImportRejected) as caught:
        import_file(member, "achievement", "a.csv", to_csv(rows), uow)
    assert [e.row for e in caught.value.errors] == [2, 4]
    own = [dict(r, owner_org="") for r in rows]
    import_file(member, "achievement", "a.csv", to_csv(own), uow)
    with uow() as session:
        assert set(session.scalars(select(Achievement.owner_org_id))) == {thu.id}
    with pytest.raises(PermissionDenied):
        import_file(Actor(), "achievement", "a.csv", to_csv(own), uow)


def test_empty_visibility_cell_keeps_a_confidential_record_confidential(uow, admin, orgs):
    rows = achievement_rows(1)
    rows[0]["visibility"] = "confidential"
    import_file(admin, "achievement", "a.csv", to_csv(rows), uow)
    rows[0]["visibility"] = ""
    import_file(admin, "achievement", "a.csv", to_csv(rows), uow)
    with uow() as session:
        assert session.scalars(select(Achievement.visibility)).one() == Visibility.CONFIDENTIAL


def test_link_rows_upsert_by_their_natural_key(uow, admin, orgs):
    people = b'{"external_id": "p1", "name_zh": "\\u5f20\\u4f1f", "organization": "org-thu"}\n'
    import_file(admin, "person", "people.jsonl", people, uow)
    links = b"person,organization,role\np1,org-thu,employee\np1,org-tju,advisor\n"
    assert import_file(admin, "affiliation", "aff.csv", links, uow).counts["affiliation"]["created"] == 2
    again = import_file(admin, "affiliation", "aff.csv", links, uow)
    assert again.counts["affiliation"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert spec_for("affiliations").name == "affiliation"


def test_preview_reports_what_an_import_would_do_and_writes_nothing(uow, admin, orgs):
    rows = achievement_rows(5)
    with uow() as session:
        batches = session.scalar(select(func.count()).select_from(ImportBatch))
    result = preview_file(admin, "achievement", "a.csv", to_csv(rows), uow)
    assert result.counts["achievement"]["created"] == 5
    with uow() as session:
        assert session.scalar(select(func.count()).select_from(Achievement)) == 0
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == batches
    with pytest.raises(ImportRejected):
        preview_file(admin, "achievement", "a.csv", to_csv([dict(rows[0], trl="12")]), uow)
