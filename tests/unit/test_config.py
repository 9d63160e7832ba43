"""Settings: typed, documented, and refusing placeholder secrets outside demo mode."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from kechuang.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_placeholder_secret_is_refused_outside_demo_mode():
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(demo_mode=False)
    assert Settings(demo_mode=False, secret_key="a-real-long-secret-value").demo_mode is False


def test_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path):
    assert Settings(data_dir=tmp_path).resolved_database_url == f"sqlite:///{tmp_path / 'kechuang.db'}"
    assert Settings(database_url="postgresql+psycopg://x@h/db").resolved_database_url.startswith("postgresql")


def test_every_setting_has_a_description_and_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
        assert f"KECHUANG_{name.upper()}" in text, f"docs/settings.md does not document {name}"
