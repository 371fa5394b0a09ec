"""Command line: ``grid-api migrate | demo | serve-info`` (more commands join per feature)."""

from __future__ import annotations

import click
from alembic import command

from grid_api.app import create_app
from grid_api.migrations_state import alembic_config


@click.group()
def main() -> None:
    """Operate a grid-api deployment (settings come from the environment)."""


@main.command()
def migrate() -> None:
    """Upgrade the database schema to the newest migration."""
    app = create_app()
    command.upgrade(alembic_config(app.config["GRID_SETTINGS"].database_url), "head")
    click.echo("database at head")


@main.command()
def demo() -> None:
    """Load the demo city (Hangzhou's districts); safe to run again."""
    from grid_api.services.demo import load_demo_city  # noqa: PLC0415 - demo only

    app = create_app()
    with app.app_context():
        session = app.extensions["grid_db"].new_session()
        with session.begin():
            report = load_demo_city(session)
    click.echo(f"demo city: {report.districts} districts ({report.repaired} repaired)")
