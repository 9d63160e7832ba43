"""`kechuang user`: create (password given or prompted), list, deactivate, invite."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kechuang.cli.main import app
from kechuang.domain.errors import NotFound
from kechuang.services import accounts
from kechuang.services.sample import load_sample

runner = CliRunner()


@pytest.fixture
def cli(uow, engine, monkeypatch, tmp_path, fast_passwords):
    monkeypatch.setenv("KECHUANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KECHUANG_DATA_DIR", str(tmp_path))
    load_sample(uow)

    def run(*args: str, prompt: str | None = None):
        return runner.invoke(app, list(args), input=prompt, catch_exceptions=False)

    return run


def test_create_list_deactivate(cli, uow):
    made = cli(
        "user",
        "create",
        "li_wei",
        "--org",
        "org-enterprise-a",
        "--role",
        "enterprise",
        "--password",
        "long enough",
        "--name",
        "李伟",
    )
    assert made.exit_code == 0, made.output
    assert "user li_wei created" in made.output
    prompted = cli("user", "create", "root2", "--role", "admin", prompt="secret-pass\nsecret-pass\n")
    assert prompted.exit_code == 0, prompted.output
    assert accounts.authenticate(uow, "root2", "secret-pass").role.value == "admin"
    listed = cli("user", "list").output
    assert "li_wei\tenterprise" in listed and "李伟" in listed and "active" in listed
    assert cli("user", "deactivate", "li_wei").exit_code == 0
    assert "li_wei\tenterprise\torg" in cli("user", "list").output
    assert "deactivated" in cli("user", "list").output
    assert not accounts.find_user(uow, "li_wei").active


def test_invite_prints_a_code_that_works_once(cli, uow):
    result = cli("user", "invite", "--org", "org-tto", "--role", "institution")
    assert result.exit_code == 0, result.output
    code = result.output.strip()
    user = accounts.accept_invitation(uow, code, username="newbie", password="long enough")
    assert user.role.value == "institution"


def test_unknown_organization_is_an_error(cli):
    with pytest.raises(NotFound):
        cli(
            "user",
            "create",
            "x_user",
            "--org",
            "org-nowhere",
            "--role",
            "enterprise",
            "--password",
            "long enough",
        )


def test_create_applies_the_password_policy(cli):
    from kechuang.domain.errors import InvalidInput

    for weak in ("password123", "li_wei_li_wei", " " * 12):
        with pytest.raises(InvalidInput) as refused:
            cli("user", "create", "li_wei", "--role", "admin", "--password", weak)
        assert refused.value.field == "password"
