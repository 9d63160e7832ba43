"""Import templates (example row, allowed values, XLSX drop-downs), every error of a row at once, links."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.entities import Organization
from kechuang.domain.errors import ImportRejected
from kechuang.services.contracts import contract_spec, import_contracts
from kechuang.services.entity_fields import SPECS, spec_for
from kechuang.services.exporting import export_template
from kechuang.services.importing import import_file
from kechuang.services.tabular.readers import read_sheet

# the order in which the examples refer to each other: organization, person, achievement, then the rest
ORDER = ("organization", "person", "achievement", "demand", "scenario", "investor", "project", "affiliation",
         "ownership", "authorship")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
def test_every_template_example_row_imports_as_it_is(uow, admin, fmt, lang):
    assert set(ORDER) == set(SPECS)
    for entity in ORDER:
        result = import_file(admin, entity, f"{entity}.{fmt}", export_template(entity, fmt, lang), uow)
        assert sum(result.counts[entity].values()) == 1, entity
    sheet = read_sheet(contract_spec(), f"contract.{fmt}", export_template("contract", fmt, lang))
    assert not sheet.errors and len(sheet.rows) == 1
    imported = import_contracts(admin, uow, f"contract.{fmt}", export_template("contract", fmt, lang))
    assert imported.created == 1


def test_csv_template_lists_allowed_values_in_comment_lines_that_are_not_imported():
    zh = export_template("achievement", "csv", "zh").decode("utf-8-sig").splitlines()
    assert zh[0].startswith("外部编号,所属机构编号,可见范围,标题（中文）")
    assert zh[1].startswith("ACH-0001,ORG-0001,公开,")
    assert "# 可见范围：公开、会员可见、保密" in zh
    assert any(line.startswith("# 技术成熟度：1–9") for line in zh)
    assert any(line.startswith("# 行业代码：GB/T 4754") for line in zh)
    en = list(csv.reader(io.StringIO(export_template("achievement", "csv", "en").decode("utf-8-sig"))))
    assert en[0][:4] == ["External ID", "Owner organization ID", "Visibility", "Title (Chinese)"]
    assert any(row[0].startswith("# Visibility: Public, ") for row in en[2:])
    contract = export_template("contract", "csv", "zh").decode("utf-8-sig")
    assert "合同子类" in contract and "卖方类型：企业、高等院校、科研院所" in contract


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_template_has_drop_downs_for_enumerated_and_code_columns(lang):
    for entity in (*ORDER, "contract"):
        spec = contract_spec() if entity == "contract" else spec_for(entity)
        book = load_workbook(io.BytesIO(export_template(entity, "xlsx", lang)))
        sheet = book.worksheets[0]
        headers = [c.value for c in sheet[1]]
        assert headers == spec.headers(lang)
        validations = {str(v.sqref).split(":")[0][:-1]: v for v in sheet.data_validations.dataValidation}
        for index, column in enumerate(spec.columns):
            parser = spec.parsers.get(column)
            letter = sheet.cell(row=1, column=index + 1).column_letter
            enumerated = any(hasattr(parser, a) for a in ("enum", "choices", "scheme", "low"))
            assert (letter in validations) == enumerated, (entity, column)
            if letter not in validations or validations[letter].type != "list":
                continue
            # each drop-down item parses back to a valid value of its column
            reference = validations[letter].formula1
            sheet_name, cells = reference.rsplit("!", 1)
            source = book[sheet_name.strip("'")]
            first, last = (part.replace("$", "") for part in cells.split(":"))
            items = [row[0].value for row in source[first:last]]
            assert items and all(parser(item) not in (None, "", []) for item in items[:400]), (entity, column)
    book = load_workbook(io.BytesIO(export_template("achievement", "xlsx", lang)))
    names = book.sheetnames
    assert names[1:] == (["可选值", "代码表", "说明"] if lang == "zh" else ["Allowed values", "Codes", "Guide"])
    codes = book[names[2]]
    assert codes.max_row > 3000  # the whole discipline list is there to choose from


def test_every_error_of_a_row_is_reported_at_once_including_database_checks(uow, admin):
    org = ('{"external_id": "org-a", "name_zh": "甲大学", "kind": "university"}\n'
           '{"external_id": "org-b", "name_zh": "乙公司", "kind": "enterprise"}\n')
    import_file(admin, "organization", "orgs.jsonl", org.encode(), uow)
    with uow() as session:
        own = session.scalars(select(Organization).where(Organization.external_id == "org-a")).one()
    member = Actor(name="m", organization_id=own.id, roles=frozenset({"institution"}), authenticated=True)
    rows = [
        {"external_id": "p-1", "owner_org": "org-b", "organization": "org-none", "name_zh": "",
         "email": "not-mail", "birth_year": 1800},
    ]
    content = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
    with pytest.raises(ImportRejected) as parsed:
        import_file(member, "person", "p.jsonl", content, uow)
    assert {e.column for e in parsed.value.errors} == {"email", "birth_year", "name_zh"}
    rows[0].update(name_zh="张伟", email="zhang@example.com", birth_year=1980)
    content = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
    with pytest.raises(ImportRejected) as written:  # a bad reference and another's organization, together
        import_file(member, "person", "p.jsonl", content, uow)
    assert {(e.row, e.column) for e in written.value.errors} == {(1, "organization"), (1, "owner_org")}


def test_an_accepted_import_names_its_records_for_links(uow, admin):
    content = ('{"external_id": "org-a", "name_zh": "甲大学", "name_en": "A University"}\n'
               '{"external_id": "org-b", "name_en": "B Ltd"}\n').encode()
    result = import_file(admin, "organization", "orgs.jsonl", content, uow)
    links = result.records["organization"]
    assert [(link.external_id, link.label_zh, link.label_en) for link in links] == [
        ("org-a", "甲大学", "A University"), ("org-b", "", "B Ltd")]
    with uow() as session:
        ids = dict(session.execute(select(Organization.external_id, Organization.id)).all())
    assert [link.id for link in links] == [ids["org-a"], ids["org-b"]]
