"""The `kechuang` command end to end on the test database."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from kechuang.cli.main import app
from kechuang.services.sample import load_sample

runner = CliRunner()


@pytest.fixture
def cli(uow, engine, monkeypatch, tmp_path):
    monkeypatch.setenv("KECHUANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KECHUANG_DATA_DIR", str(tmp_path))

    def run(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run


def test_import_list_show_export_round_trip(cli, tmp_path):
    orgs = tmp_path / "orgs.csv"
    orgs.write_text(
        "外部编号,名称（中文）,Name (English),类型,行政区划代码\n"
        "org-1,北京航空航天大学,Beihang University,高校,海淀区\n",
        encoding="utf-8",
    )
    result = cli("import", str(orgs), "--entity", "organization")
    assert result.exit_code == 0, result.output
    assert "organization: 1 created" in result.output and "rows/s" in result.output
    listed = json.loads(cli("list", "organizations", "--json").output)
    assert listed["count"] == 1 and listed["data"][0]["region_code"] == "110108"
    shown = cli("show", "organization", str(listed["data"][0]["id"]))
    assert "Beihang University" in shown.output
    out = tmp_path / "export.xlsx"
    assert cli("export", "organization", "--format", "xlsx", "--out", str(out)).exit_code == 0
    again = cli("import", str(out), "--entity", "organization")
    assert "0 created, 0 updated, 1 unchanged" in again.output


def test_bad_rows_are_printed_with_location_and_exit_nonzero(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "external_id,name_zh,kind\no1,甲,university\no2,,enterprise\no3,丙,spaceship\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["import", str(bad), "--entity", "organization"])
    assert result.exit_code == 1
    assert "bad.csv:3: [name_zh]" in result.output and "bad.csv:4: [kind]" in result.output
    assert json.loads(cli("list", "organization", "--json").output)["count"] == 0


def test_template_and_codes_lookup(cli, tmp_path):
    out = tmp_path / "t.csv"
    assert cli("template", "demand", "--format", "csv", "--lang", "en", "--out", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8-sig").startswith("External ID,Owner organization ID")
    assert "110108" in cli("codes", "region", "Haidian").output


def test_plain_file_without_entity_is_refused_with_a_hint(cli, tmp_path):
    plain = tmp_path / "x.csv"
    plain.write_text("a,b\n1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(plain)])
    assert result.exit_code == 2 and "--entity" in result.output


def test_match_prints_reasons_in_the_chosen_language(cli, uow, monkeypatch):
    monkeypatch.setenv("KECHUANG_EMBEDDER", "hashing")
    load_sample(uow)
    demand = json.loads(cli("list", "demand", "--q", "小样本工业缺陷检测算法授权", "--json").output)["data"][0]
    english = cli("match", str(demand["id"]), "--limit", "3", "--lang", "en")
    assert english.exit_code == 0 and " 1. [achievement " in english.output and "Related content" in english.output
    chinese = cli("match", str(demand["id"]), "--limit", "3")
    assert "内容相关" in chinese.output
    assert "achievement:" in cli("index").output


def test_index_leaves_a_servers_indexes_alone_and_rebuild_starts_afresh(cli, uow, monkeypatch, tmp_path):
    from kechuang.services.index_locks import LeaderLock

    monkeypatch.setenv("KECHUANG_EMBEDDER", "none")
    load_sample(uow)
    server = LeaderLock(tmp_path / "index")
    assert server.try_acquire()  # a running server's index worker
    try:
        assert "a running server keeps" in cli("index").output
        assert cli("index", "--rebuild").exit_code == 1
    finally:
        server.release()
    built = cli("index", "--rebuild")
    assert built.exit_code == 0 and re.search(r"achievement: [1-9]\d* records indexed", built.output)
    assert (tmp_path / "index" / ".writer.lock").exists() and (tmp_path / "index" / "achievement").is_dir()
