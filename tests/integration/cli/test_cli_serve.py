"""`kechuang serve` refuses to expose demo accounts (public password) on a production installation."""

from __future__ import annotations

import pytest
import uvicorn
from typer.testing import CliRunner

from kechuang.cli.main import app
from kechuang.domain.access import Actor
from kechuang.services import accounts
from kechuang.services.sample import load_demo_accounts, load_sample

runner = CliRunner()


@pytest.fixture
def serve(uow, engine, monkeypatch, tmp_path, fast_passwords):
    monkeypatch.setenv("KECHUANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KECHUANG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KECHUANG_EMBEDDER", "none")
    served: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port: served.append(host))

    def run(*args: str, **env: str):
        for name, value in env.items():
            monkeypatch.setenv(f"KECHUANG_{name.upper()}", value)
        result = runner.invoke(app, ["serve", "--no-init", *args])
        return result, served

    return run


def test_demo_mode_serves_on_loopback_but_not_on_the_network(serve):
    result, served = serve("--host", "127.0.0.1")
    assert result.exit_code == 0 and served == ["127.0.0.1"], result.output
    result, served = serve("--host", "0.0.0.0")
    assert result.exit_code != 0 and served == ["127.0.0.1"]
    assert "KECHUANG_ALLOW_DEMO_ACCOUNTS" in result.output and "KECHUANG_DEMO_MODE" in result.output


def test_a_shared_demo_server_is_allowed_explicitly(serve):
    result, served = serve("--host", "0.0.0.0", allow_demo_accounts="true")
    assert result.exit_code == 0 and served == ["0.0.0.0"], result.output


def test_production_refuses_while_a_demo_account_can_sign_in(serve, uow):
    load_sample(uow)
    load_demo_accounts(uow)
    result, served = serve("--host", "127.0.0.1", demo_mode="false")
    assert result.exit_code != 0 and served == [] and "enterprise_a" in result.output, result.output
    operator = Actor.system("test")
    for user in accounts.list_users(operator, uow):
        if user.is_sample:
            accounts.deactivate_user(operator, uow, user.id)
    result, served = serve("--host", "0.0.0.0", demo_mode="false")
    assert result.exit_code == 0 and served == ["0.0.0.0"], result.output
