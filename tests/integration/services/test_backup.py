"""Backup and restore on the test backend: every row, the data folders and the audit chain come back; tampering is refused."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, select
from typer.testing import CliRunner

from kechuang.cli.main import app
from kechuang.domain.access import Actor
from kechuang.domain.errors import Conflict, InvalidInput, PermissionDenied
from kechuang.services import audit
from kechuang.services.backup import create_backup, restore_backup
from kechuang.services.market_sample import load_market_sample
from kechuang.services.registry import create_record
from kechuang.services.sample import load_demo_accounts, load_sample
from kechuang.store.db import UnitOfWork
from kechuang.store.schema import head_revision, schema_drift, upgrade_database
from kechuang.store.tables import metadata

ADMIN = Actor.system("test-backup")


def wipe(engine: Engine) -> None:
    """Drop every table, Alembic's included: the database is as blank as a new server's."""
    found = MetaData()
    found.reflect(engine)
    found.drop_all(engine)


def all_rows(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))]
            for table in metadata.sorted_tables
        }


def folder_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def installation(separate_database, tmp_path):
    """A database of its own with the sample, its market deals, an index folder and an upload."""
    own = separate_database("backup", tmp_path / "data" / "kechuang.db")
    wipe(own)
    upgrade_database(own)
    uow = UnitOfWork(own)
    load_sample(uow)
    load_demo_accounts(uow)
    assert load_market_sample(uow)["deals"] > 0
    folders = {"index": tmp_path / "data" / "index", "uploads": tmp_path / "data" / "uploads"}
    (folders["index"] / "achievement" / "lexical").mkdir(parents=True)
    (folders["index"] / "achievement" / "lexical" / "segment.idx").write_bytes(bytes(range(256)) * 40)
    (folders["index"] / "achievement" / "state.json").write_text('{"last_sync": "2025-01-01"}')
    (folders["uploads"] / "Tok3nTok3nTok3nTok3nTok3n").mkdir(parents=True)
    (folders["uploads"] / "Tok3nTok3nTok3nTok3nTok3n" / "content").write_text("名称\n北京航空航天大学\n")
    yield uow, folders
    own.dispose()


def test_round_trip_restores_every_row_the_folders_and_an_intact_chain(installation, tmp_path):
    uow, folders = installation
    before = all_rows(uow.engine)
    assert before["deals"] and before["contracts"] and len(before["audit_events"]) > 10
    files_before = {name: folder_files(folder) for name, folder in folders.items()}
    archive = tmp_path / "kechuang.tar.gz"

    made = create_backup(ADMIN, uow, archive, folders)
    assert made.rows["audit_events"] == len(before["audit_events"]) and made.files == 4

    wipe(uow.engine)
    shutil.rmtree(folders["uploads"])
    (folders["index"] / "stale.bin").write_bytes(b"from another database")
    steps: list[str] = []
    restored = restore_backup(ADMIN, uow, archive, folders, progress=steps.append)

    assert all_rows(uow.engine) == before
    assert {name: folder_files(folder) for name, folder in folders.items()} == files_before
    assert restored.audit.ok and restored.audit.events == len(before["audit_events"])
    assert restored.upgraded_to is None and restored.folders == {"index": 2, "uploads": 1}
    assert steps[0].startswith("checking") and steps[-1] == "verifying the audit chain"
    assert audit.verify(ADMIN, uow).ok
    # sequences came back too: the next insert does not collide with a restored id
    created = create_record(ADMIN, "organization", {"name_zh": "恢复后新建的机构"}, uow)
    assert created.id > max(row[0] for row in before["organizations"])


def test_a_backup_taken_while_the_chain_grows_is_one_consistent_snapshot(installation, tmp_path):
    uow, folders = installation
    events_before = len(all_rows(uow.engine)["audit_events"])
    stop, written = threading.Event(), []

    def keep_appending() -> None:
        while not stop.is_set():
            with uow() as session:
                head = audit.lock_chain(session)
                audit.append(session, head, ADMIN, "test.tick", "deal", None, {"n": len(written)})
            written.append(1)

    writer = threading.Thread(target=keep_appending)
    writer.start()
    try:
        while len(written) < 5:
            time.sleep(0.01)
        made = create_backup(ADMIN, uow, tmp_path / "live.tar", folders)
    finally:
        stop.set()
        writer.join()
    assert events_before + 5 <= made.rows["audit_events"] <= events_before + len(written)

    wipe(uow.engine)
    restored = restore_backup(ADMIN, uow, tmp_path / "live.tar", folders)
    assert restored.audit.ok and restored.audit.events == made.rows["audit_events"]
    assert restored.rows["audit_head"] == 1


def test_a_database_with_data_is_replaced_only_with_force(installation, tmp_path):
    uow, folders = installation
    before = all_rows(uow.engine)
    archive = tmp_path / "kechuang.tar"
    create_backup(ADMIN, uow, archive, folders)
    create_record(ADMIN, "organization", {"name_zh": "备份之后新建的机构"}, uow)

    with pytest.raises(Conflict, match="--force"):
        restore_backup(ADMIN, uow, archive, folders)
    assert len(all_rows(uow.engine)["organizations"]) == len(before["organizations"]) + 1

    assert restore_backup(ADMIN, uow, archive, folders, force=True).audit.ok
    assert all_rows(uow.engine) == before
    with pytest.raises(PermissionDenied):
        restore_backup(Actor(name="officer", roles=frozenset({"officer"}), authenticated=True), uow, archive,
                       folders, force=True)


def test_a_backup_of_an_older_schema_is_upgraded_after_the_restore(separate_database, tmp_path):
    own = separate_database("backup", tmp_path / "data" / "kechuang.db")
    wipe(own)
    upgrade_database(own, "0003")  # the first revision with the market and its audit chain
    uow = UnitOfWork(own)
    archive = tmp_path / "old.tar"
    assert create_backup(ADMIN, uow, archive, {}).revision == "0003"
    wipe(own)
    restored = restore_backup(ADMIN, uow, archive, {})
    assert restored.revision == "0003" and restored.upgraded_to == head_revision()
    assert schema_drift(own) == [] and restored.audit.ok
    own.dispose()


def rewrite(archive: Path, target: Path, change) -> None:
    """Copy a tar archive member by member, letting `change(name, content)` edit, drop (None) or add members."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
        members = [(info.name, source.extractfile(info).read()) for info in source]
        for name, content in change(members):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            out.addfile(info, io.BytesIO(content))


def flip_a_byte(members):
    return [(n, c[:100] + bytes([c[100] ^ 1]) + c[101:] if n.endswith("segment.idx") else c) for n, c in members]


def drop_the_upload(members):
    return [(n, c) for n, c in members if not n.startswith("uploads/")]


def smuggle_a_file(members):
    return [*members[:-1], ("index/extra.bin", b"not in the manifest"), members[-1]]


def escape_the_folder(members):
    return [("../outside.txt", b"x"), *members]


def claim_another_backend(members):
    def edit(content):
        manifest = json.loads(content)
        manifest["backend"] = "postgresql" if manifest["backend"] == "sqlite" else "sqlite"
        return json.dumps(manifest).encode()

    return [(n, edit(c) if n == "manifest.json" else c) for n, c in members]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (flip_a_byte, "checksum of index/achievement/lexical/segment.idx does not match"),
        (drop_the_upload, "listed in the manifest but missing"),
        (smuggle_a_file, "index/extra.bin is not listed in the manifest"),
        (escape_the_folder, "points outside the archive"),
        (claim_another_backend, "database and this installation uses"),
    ],
)
def test_a_tampered_archive_is_refused_before_anything_changes(separate_database, tmp_path, change, reason):
    # a small installation: the checks come before any row is read, so the sample's size adds nothing
    own = separate_database("backup", tmp_path / "data" / "kechuang.db")
    wipe(own)
    upgrade_database(own)
    uow = UnitOfWork(own)
    create_record(ADMIN, "organization", {"name_zh": "北京航空航天大学"}, uow)
    folders = {"index": tmp_path / "data" / "index", "uploads": tmp_path / "data" / "uploads"}
    (folders["index"] / "achievement" / "lexical").mkdir(parents=True)
    (folders["index"] / "achievement" / "lexical" / "segment.idx").write_bytes(bytes(range(256)))
    (folders["uploads"] / "Tok3nTok3nTok3nTok3nTok3n").mkdir(parents=True)
    (folders["uploads"] / "Tok3nTok3nTok3nTok3nTok3n" / "content").write_bytes(b"a,b\n")
    archive, tampered = tmp_path / "good.tar", tmp_path / "tampered.tar"
    create_backup(ADMIN, uow, archive, folders)
    rewrite(archive, tampered, change)
    create_record(ADMIN, "organization", {"name_zh": "备份之后新建的机构"}, uow)
    before, files_before = all_rows(own), folder_files(folders["index"])

    with pytest.raises(InvalidInput, match=reason):
        restore_backup(ADMIN, uow, tampered, folders, force=True)

    assert all_rows(own) == before and folder_files(folders["index"]) == files_before
    assert not (tmp_path / "outside.txt").exists()
    assert not list((tmp_path / "data").glob(".kechuang-restore-*"))  # staging is cleaned up
    own.dispose()


def test_cli_backup_and_restore_report_each_step_and_the_chain(uow, engine, monkeypatch, tmp_path):
    monkeypatch.setenv("KECHUANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KECHUANG_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data" / "uploads" / "Tok3nTok3nTok3nTok3nTok3n").mkdir(parents=True)
    (tmp_path / "data" / "uploads" / "Tok3nTok3nTok3nTok3nTok3n" / "content").write_bytes(b"a,b\n")
    runner = CliRunner()
    archive = str(tmp_path / "backup.tar.gz")

    made = runner.invoke(app, ["backup", archive], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    assert "backup written: backup.tar.gz" in made.stdout and "... adding uploads: 1 files" in made.stderr

    create_record(ADMIN, "organization", {"name_zh": "北京航空航天大学"}, uow)
    refused = runner.invoke(app, ["restore", archive])  # `main()` prints domain errors; the app raises them
    assert isinstance(refused.exception, Conflict) and "--force" in refused.exception.message

    done = runner.invoke(app, ["restore", archive, "--force"], catch_exceptions=False)
    assert done.exit_code == 0, done.stderr
    assert "uploads 1 files" in done.stdout and "audit chain intact: 0 events" in done.stdout
