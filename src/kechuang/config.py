"""Typed settings in one place; each key has a default and a help text, read from KECHUANG_* variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kechuang.domain.feedback import Freshness


class Settings(BaseSettings):
    """Installation settings; created by the entry point and passed in, never a module global."""

    model_config = SettingsConfigDict(env_prefix="KECHUANG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Folder for the SQLite database, indexes and exports.")
    database_url: str = Field(
        "",
        description="SQLAlchemy URL; empty means a SQLite file kechuang.db in data_dir. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/db.",
    )
    demo_mode: bool = Field(
        True,
        description="Demo installation: the sample and the demo accounts (public password kechuang-demo) "
        "are loaded. Set false in production.",
    )
    allow_demo_accounts: bool = Field(
        False,
        description="Let `kechuang serve` start although demo accounts can sign in on what looks like a "
        "production installation (demo mode off, or a non-loopback --host); only for a shared demo server.",
    )
    secure_cookies: bool = Field(
        False,
        description="Mark the session and CSRF cookies Secure (sent over HTTPS only). Set true whenever "
        "users reach the site over HTTPS, also behind a TLS proxy (where requests look like plain http).",
    )
    sign_in_limit_per_account: int = Field(
        10,
        ge=1,
        description="Sign-in and password-change attempts one account may receive per sign_in_window_seconds "
        "(counted per server process, before the 5-failure lockout); more are answered 429 with Retry-After.",
    )
    sign_in_limit_per_ip: int = Field(
        60,
        ge=1,
        description="Sign-in and password-change attempts one client address may make per "
        "sign_in_window_seconds, over all accounts; more are answered 429 with Retry-After.",
    )
    sign_in_window_seconds: int = Field(
        300, ge=1, description="Length of the sliding window of the two sign-in limits, in seconds."
    )
    default_language: str = Field("zh", description="Interface language for new visitors: zh or en.")
    page_size_max: int = Field(200, description="Largest page a list API returns.")
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        description="Largest request body in bytes (JSON and forms); a larger one is refused with 413 "
        "before it is read. Uploads (multipart/form-data) have max_upload_bytes instead.",
    )
    max_upload_bytes: int = Field(
        20 * 1024 * 1024,
        ge=1024,
        description="Largest uploaded import file in bytes (CSV, XLSX, JSONL); a larger one is refused "
        "with 413. Rows, columns and unpacked XLSX size have their own limits (docs/settings.md).",
    )
    embedder: str = Field(
        "use",
        description="Text embedder for matching: use (multilingual USE, shipped in its wheel), e5, hashing, "
        "none (lexical only) or st:/path/to/a/local/sentence-transformers/model.",
    )

    db_lock_timeout: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Seconds a write waits for a database lock (SQLite's single writer during a large "
        "import, a PostgreSQL row lock) before the request is refused with 503 and Retry-After.",
    )
    index_sync: Literal["worker", "inline"] = Field(
        "worker",
        description="worker: a background thread keeps the matching indexes in step and requests never wait "
        "for indexing (a match answer says when its index is behind); inline: each match request syncs first "
        "(single-user scripts and the test suite, where read-your-writes matters more than latency).",
    )
    index_sync_interval: float = Field(
        2.0,
        gt=0,
        le=3600,
        description="Seconds between the index worker's checks of the change feed (it also wakes after "
        "writes made by this process).",
    )
    listing_stale_months: int = Field(
        12,
        ge=1,
        le=120,
        description="Months an achievement stays in matching and search results after its owner last "
        "confirmed it (or created it); a demand stays until its deadline, or this long after a confirmation "
        "past it. Stale listings remain on their pages, in deals and in history.",
    )
    listing_remind_days: int = Field(
        30,
        ge=1,
        le=365,
        description="Days before a listing goes stale that `kechuang listings remind` notifies its owners, "
        "with a one-click \"still current\" confirmation.",
    )

    @property
    def freshness(self) -> Freshness:
        """The listing-expiry rule these settings describe."""
        return Freshness(self.listing_stale_months, self.listing_remind_days)

    index_folder: Path | None = Field(
        None,
        description="Folder of the matching indexes; empty means `index` in data_dir. With several servers "
        "on one database, give each its own folder on local disk: each syncs itself from the database's "
        "change feed (docs/deployment.md).",
    )
    public_url: str = Field(
        "",
        description="Address users reach the site at (https://kechuang.example.gov.cn); e-mailed password-"
        "reset links start with it. Empty: the address of the admin's request (CLI: the path only).",
    )
    smtp_host: str = Field(
        "",
        description="Mail server for password-reset links; empty (the default) means no e-mail is sent and "
        "the admin hands the one-time link over in person.",
    )
    smtp_port: int = Field(
        587, ge=1, le=65535, description="Port of smtp_host (587 with STARTTLS, 25 without)."
    )
    smtp_sender: str = Field(
        "", description="From address of the platform's e-mails (noreply@kechuang.example.gov.cn)."
    )
    smtp_tls: bool = Field(
        True,
        description="Upgrade the SMTP connection with STARTTLS before sending; false only on a trusted LAN.",
    )

    @property
    def index_dir(self) -> Path:
        """Folder of the matching indexes."""
        return self.index_folder or self.data_dir / "index"

    @property
    def uploads_dir(self) -> Path:
        """Folder of uploaded import files kept between preview and confirmation."""
        return self.data_dir / "uploads"

    @model_validator(mode="after")
    def _check_language(self) -> Settings:
        if self.default_language not in {"zh", "en"}:
            raise ValueError("KECHUANG_DEFAULT_LANGUAGE must be 'zh' or 'en'")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'kechuang.db'}"
