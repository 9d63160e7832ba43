"""The stored-data commands: import values, save a framework, compute and publish an edition, list measures."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kechuang.cli.main import app
from kechuang.domain.access import Actor
from kechuang.services.indicators.editions import list_editions

runner = CliRunner()


@pytest.fixture
def cli(uow, engine, monkeypatch, tmp_path):
    monkeypatch.setenv("KECHUANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KECHUANG_DATA_DIR", str(tmp_path))
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_import_framework_edition_publish_round_trip(cli, uow, tmp_path):
    values = tmp_path / "wide.csv"
    values.write_text("unit,year,x,y,group\nA,2024,1,10,g1\nB,2024,3,30,g1\nC,2024,2,,g2\n", encoding="utf-8")
    framework = tmp_path / "framework.csv"
    framework.write_text(
        "code,parent,weight,direction,name_zh,name_en\nR,,1,,总,Total\nx,R,1,1,甲,X\ny,R,1,-1,乙,Y\n",
        encoding="utf-8",
    )
    imported = cli("indicators", "import", "tiny", str(values))
    assert "5 created" in imported.output and "3 units" in imported.output
    assert "0 created, 0 updated, 5 unchanged" in cli("indicators", "import", "tiny", str(values)).output
    assert "version 1" in cli("indicators", "framework", "tiny", str(framework)).output
    assert "version 1" in cli("indicators", "framework", "tiny", str(framework)).output  # same tree: no v2
    made = cli(
        "indicators",
        "edition",
        "--framework",
        "tiny",
        "--dataset",
        "tiny",
        "--runs",
        "40",
        "--impute",
        "mean",
        "--publish",
    )
    assert made.exit_code == 0 and "published" in made.output
    edition = list_editions(Actor(), uow)[0]
    assert edition.config["index"]["impute"] == "mean" and edition.results["report"]["imputed_share"]["y"] > 0
    assert "platform.share_abroad" in cli("indicators", "measures", "--lang", "en").output
