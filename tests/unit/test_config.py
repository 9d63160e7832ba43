"""Settings: typed, validated, documented, and each one read by the code."""

import inspect
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from kechuang.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"
SRC = Path(__file__).resolve().parents[2] / "src" / "kechuang"


def test_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path):
    assert Settings(data_dir=tmp_path).resolved_database_url == f"sqlite:///{tmp_path / 'kechuang.db'}"
    assert Settings(database_url="postgresql+psycopg://x@h/db").resolved_database_url.startswith("postgresql")


def test_every_setting_has_a_description_and_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
        assert f"KECHUANG_{name.upper()}" in text, f"docs/settings.md does not document {name}"


def test_no_secret_key_setting_that_nothing_reads():
    assert "secret_key" not in Settings.model_fields and "shared_data_dir" not in Settings.model_fields


def test_every_setting_is_read_outside_config():
    """A setting nobody reads is a promise the code does not keep (like a `secret_key` that signs nothing)."""
    sources = [p for p in SRC.rglob("*.py") if p.name != "config.py"]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    config = (SRC / "config.py").read_text(encoding="utf-8")
    # a property of Settings (resolved_database_url, index_dir) reads its fields on behalf of its callers
    readers = {
        name: inspect.getsource(member.fget)
        for name, member in vars(Settings).items()
        if isinstance(member, property) and member.fget is not None
    }
    assert readers and all(f"def {name}" in config for name in readers)
    for name in Settings.model_fields:
        via = [prop for prop, source in readers.items() if f"self.{name}" in source]
        used = [n for n in (name, *via) if re.search(rf"\.{n}\b", text)]
        assert used, f"setting {name} is read nowhere outside config.py"


def test_sign_in_limits_must_allow_at_least_one_attempt():
    for name in ("sign_in_limit_per_ip", "sign_in_limit_per_account", "sign_in_window_seconds"):
        with pytest.raises(ValidationError, match=name):
            Settings(**{name: 0})
