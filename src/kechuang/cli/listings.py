"""`kechuang listings`: upkeep of demands and achievements (reminders before they go stale)."""

from __future__ import annotations

import typer

from kechuang.domain.access import Actor
from kechuang.services import listings

listings_app = typer.Typer(help="Listing upkeep: expiry reminders for demands and achievements.",
                           no_args_is_help=True)
OPERATOR = Actor.system("cli")


@listings_app.command()
def remind(ctx: typer.Context) -> None:
    """Notify owners of listings that go stale soon, once per listing and expiry date (safe to run daily)."""
    settings = ctx.obj.settings
    result = listings.remind(OPERATOR, ctx.obj.uow, settings.freshness)
    typer.echo(f"reminders: {result.listings} listings, {result.notifications} notifications "
               f"(stale after {settings.listing_stale_months} months, "
               f"notice {settings.listing_remind_days} days)")
