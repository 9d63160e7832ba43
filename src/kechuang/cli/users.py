"""`kechuang user`: the operator creates, lists, deactivates and invites accounts, and issues reset links;
`kechuang saved-searches notify` announces new listings to saved searches."""

from __future__ import annotations

import typer

from kechuang.domain.access import Actor
from kechuang.services import accounts, password_reset, saved_searches
from kechuang.services.mail import smtp_settings
from kechuang.services.match_index import MatchIndexes
from kechuang.services.registry import id_of_external

user_app = typer.Typer(help="Accounts: create, list, deactivate, invite, reset links.", no_args_is_help=True)
OPERATOR = Actor.system("cli")


def _organization(ctx: typer.Context, external_id: str) -> int | None:
    return id_of_external("organization", external_id, ctx.obj.uow) if external_id else None


@user_app.command()
def create(
    ctx: typer.Context,
    username: str,
    org: str = typer.Option("", "--org", help="External id of the user's organization (none for admins)"),
    role: str = typer.Option(..., "--role", help="admin, officer, enterprise, institution, researcher..."),
    password: str = typer.Option(
        ..., "--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Asked if not given"
    ),
    display_name: str = typer.Option("", "--name", help="Name shown to others"),
    email: str = typer.Option("", "--email"),
    language: str = typer.Option("zh", "--language", help="zh or en"),
) -> None:
    """Create an account in an organization with a role."""
    user = accounts.create_user(
        OPERATOR,
        ctx.obj.uow,
        username=username,
        password=password,
        organization_id=_organization(ctx, org),
        role=role,
        display_name=display_name,
        email=email,
        language=language,
    )
    typer.echo(f"user {user.username} created (id {user.id}, role {user.role.value})")


@user_app.command("list")
def list_users(ctx: typer.Context) -> None:
    """List every account with its role, organization id and state."""
    for user in accounts.list_users(OPERATOR, ctx.obj.uow):
        state = "active" if user.active else "deactivated"
        org = user.organization_id if user.organization_id is not None else "-"
        typer.echo(f"{user.username}\t{user.role.value}\torg {org}\t{state}\t{user.display_name}")


@user_app.command()
def deactivate(ctx: typer.Context, username: str) -> None:
    """Switch an account off; its sessions and tokens stop working at once."""
    user = accounts.find_user(ctx.obj.uow, username)
    accounts.deactivate_user(OPERATOR, ctx.obj.uow, user.id or 0)
    typer.echo(f"user {user.username} deactivated")


@user_app.command()
def invite(
    ctx: typer.Context,
    org: str = typer.Option(..., "--org", help="External id of the organization to join"),
    role: str = typer.Option(..., "--role", help="Role of the new account"),
    email: str = typer.Option("", "--email", help="Invitee's email (for the record)"),
) -> None:
    """Print a one-time invitation code for joining an organization with a role."""
    organization_id = _organization(ctx, org)
    assert organization_id is not None  # --org is required
    typer.echo(
        accounts.invite(OPERATOR, ctx.obj.uow, organization_id=organization_id, role=role, email=email)
    )


@user_app.command("reset-link")
def reset_link(ctx: typer.Context, username: str) -> None:
    """Issue a one-time password-reset link (48 hours); e-mailed when SMTP is configured, else printed."""
    settings = ctx.obj.settings
    user = accounts.find_user(ctx.obj.uow, username)
    issued = password_reset.send_reset_link(
        OPERATOR, ctx.obj.uow, user.id or 0, base_url=settings.public_url, smtp=smtp_settings(settings)
    )
    if issued.emailed_to:
        typer.echo(f"reset link for {user.username} e-mailed to {issued.emailed_to}")
    else:
        typer.echo(settings.public_url.rstrip("/") + issued.path)


saved_searches_app = typer.Typer(
    help="Saved searches: notify their owners of new listings.", no_args_is_help=True
)


@saved_searches_app.command("notify")
def notify_saved(ctx: typer.Context) -> None:
    """Notify owners of saved searches about new listings that match and that they may see (repeatable)."""
    settings = ctx.obj.settings
    indexes = MatchIndexes(settings.index_dir, settings.embedder)
    written = saved_searches.notify_saved_searches(ctx.obj.uow, indexes)
    typer.echo(f"{written} notifications written")
