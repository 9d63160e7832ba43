"""Typed settings in one place; each key has a default and a help text, read from KECHUANG_* variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "kechuang-demo-secret"}


class Settings(BaseSettings):
    """Installation settings; created by the entry point and passed in, never a module global."""

    model_config = SettingsConfigDict(env_prefix="KECHUANG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Folder for the SQLite database, indexes and exports.")
    database_url: str = Field(
        "",
        description="SQLAlchemy URL; empty means a SQLite file kechuang.db in data_dir. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/db.",
    )
    shared_data_dir: Path = Field(
        Path("../shared/data"), description="Folder of the shared real data sets (CSL, ChinaXiv, NSFC)."
    )
    demo_mode: bool = Field(True, description="Demo installation: sample data and demo accounts allowed.")
    secret_key: str = Field(
        "kechuang-demo-secret", description="Key that signs sessions; must be set outside demo mode."
    )
    default_language: str = Field("zh", description="Interface language for new visitors: zh or en.")
    page_size_max: int = Field(200, description="Largest page a list API returns.")
    embedder: str = Field(
        "use",
        description="Text embedder for matching: use (multilingual USE, shipped in its wheel), e5, hashing, "
        "none (lexical only) or st:/path/to/a/local/sentence-transformers/model.",
    )

    @property
    def index_dir(self) -> Path:
        """Folder of the matching indexes."""
        return self.data_dir / "index"

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if not self.demo_mode and self.secret_key in PLACEHOLDER_SECRETS:
            raise ValueError("KECHUANG_SECRET_KEY must be set to a real secret outside demo mode")
        if self.default_language not in {"zh", "en"}:
            raise ValueError("KECHUANG_DEFAULT_LANGUAGE must be 'zh' or 'en'")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'kechuang.db'}"
