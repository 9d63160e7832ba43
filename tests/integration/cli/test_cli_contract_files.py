"""`kechuang template contract` and `kechuang market export-contracts`: the register's files from the CLI."""

from __future__ import annotations

from typer.testing import CliRunner

from kechuang.cli.main import app

runner = CliRunner()
REGISTER = (
    "外部编号,登记编号,合同类型,卖方名称,买方名称,卖方类型,合同金额（元）,免征增值税资格,登记日期\n"
    "c-1,2025110108000501,技术开发,甲大学,乙公司,高等院校,300000,是,2025-02-03\n"
)


def test_contract_template_import_and_export_from_the_cli(uow, engine, monkeypatch, tmp_path):
    monkeypatch.setenv("KECHUANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KECHUANG_DATA_DIR", str(tmp_path))
    template = tmp_path / "contract.xlsx"
    done = runner.invoke(app, ["template", "contract", "--format", "xlsx", "--lang", "en", "--out", str(template)])
    assert done.exit_code == 0 and template.read_bytes()[:2] == b"PK"
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    imported = runner.invoke(app, ["market", "import-contracts", str(register)])
    assert imported.exit_code == 0 and "1 created" in imported.output
    exported = tmp_path / "out.csv"
    assert runner.invoke(app, ["market", "export-contracts", str(exported), "--lang", "en"]).exit_code == 0
    text = exported.read_text(encoding="utf-8-sig")
    assert "Seller kind" in text and "university" in text and ",yes," in text
