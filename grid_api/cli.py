"""Command line: ``grid-api migrate | demo | demo-logins | create-user | import-areas |
storage-init | storage-migrate | load-holidays | generate-grids | import-units |
import-routing-rules | import-staff``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from alembic import command
from flask import Flask
from sqlalchemy.orm import Session

from grid_api.app import create_app
from grid_api.cases import tally
from grid_api.config import Settings
from grid_api.demo import city
from grid_api.errors import AppError, StorageUnavailable
from grid_api.evaluation import tallies
from grid_api.geography import area_import
from grid_api.geography.areas import find_area_by_code
from grid_api.identity import accounts
from grid_api.identity.phones import normalize_phone
from grid_api.infra import storage, storage_copy
from grid_api.infra.migrations_state import alembic_config
from grid_api.onboarding import setup_files
from grid_api.working_time import holidays
from models.unit import Unit
from models.user import Role


def _session(app: Flask) -> Session:
    return app.extensions["grid_db"].new_session()


@click.group()
def main() -> None:
    """Operate a grid-api deployment (settings come from the environment)."""


@main.command()
def migrate() -> None:
    """Upgrade the database schema to the newest migration."""
    app = create_app()
    command.upgrade(alembic_config(app.config["GRID_SETTINGS"].database_url), "head")
    click.echo("database at head")


@main.command("demo")
@click.option("--force", is_flag=True, help="Load even when GRID_ENV=production.")
def load_demo(force: bool) -> None:
    """Load the demo city (Hangzhou) and one account per role; safe to run again."""
    app = create_app()
    if app.config["GRID_SETTINGS"].production and not force:
        raise click.ClickException("refusing to create demo accounts in production")
    with app.app_context(), _session(app) as session, session.begin():
        report = city.load_demo_city(session)
        city.load_demo_accounts(session, app.extensions["grid_passwords"])
    click.echo(f"demo city: {report.districts} districts ({report.repaired} repaired), "
               f"{report.generated} streets, communities and grid cells generated")


@main.command("demo-logins")
def demo_logins() -> None:
    """Print the demo accounts to sign in with."""
    click.echo(f"  Demo logins (password {city.DEMO_PASSWORD}):")
    for local_phone, name, role in city.DEMO_ACCOUNTS:
        click.echo(f"    {role.value:12} {local_phone}  {name}")


@main.command("create-user")
@click.option("--phone", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([role.value for role in Role]))
@click.option("--unit", "unit_code", help="Unit code (unit staff).")
@click.option("--area", "area_code", help="Area code (supervisors).")
@click.password_option()
def create_user(  # noqa: PLR0917 - click passes options positionally by name
    phone: str, display_name: str, roles: tuple[str, ...], unit_code: str | None,
    area_code: str | None, password: str,
) -> None:
    """Create a staff (or resident) account."""
    app = create_app()
    normalized = normalize_phone(phone)
    if normalized is None:
        raise click.BadParameter("not a phone number", param_hint="--phone")
    with app.app_context(), _session(app) as session, session.begin():
        unit = session.query(Unit).filter_by(code=unit_code).one_or_none() if unit_code else None
        area = find_area_by_code(session, area_code) if area_code else None
        if (unit_code and unit is None) or (area_code and area is None):
            raise click.ClickException("unknown unit or area code")
        try:
            user = accounts.create_staff(
                session, app.extensions["grid_passwords"], phone=normalized, password=password,
                display_name=display_name, roles={Role(role) for role in roles},
                unit_id=unit.id if unit else None, area_id=area.id if area else None)
        except AppError as exc:
            raise click.ClickException(f"{exc.detail_code}: {exc.errors or ''}") from exc
    click.echo(f"created user {user.id} ({normalized})")


def _echo_refusals(report: area_import.ImportReport, limit: int = 50) -> None:
    refused = [item for item in report.features if item.status == "rejected"]
    for item in refused[:limit]:
        parent = f" (parent {item.missing_parent})" if item.missing_parent else ""
        click.echo(f"rejected #{item.index} {item.code or '-'} {item.name or ''}: "
                   f"{item.reason}{parent}", err=True)
    if len(refused) > limit:
        click.echo(f"... and {len(refused) - limit} more (see --report)", err=True)


@main.command("import-areas")
@click.argument("geojson", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--area", "area_code",
              help="Code of the area whose subtree receives the features; without it the "
                   "file is imported from the root down.")
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option("--code-property", default="code", show_default=True)
@click.option("--name-property", default="name", show_default=True)
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the full per-feature report here (JSON).")
def import_areas(  # noqa: PLR0917 - click passes options positionally
    geojson: Path, area_code: str | None, dry_run: bool, code_property: str,
    name_property: str, report_path: Path | None,
) -> None:
    """Import a GeoJSON FeatureCollection from the root down, or into an area's subtree
    (all or nothing); each feature's level and parent come from its code, and a parent
    earlier in the same file counts."""
    app = create_app()
    try:
        collection = json.loads(geojson.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"not a JSON file: {exc}") from exc
    total = len(collection.get("features") or []) if isinstance(collection, dict) else 0
    with app.app_context(), _session(app) as session, session.begin():
        area = find_area_by_code(session, area_code) if area_code else None
        if area_code and area is None:
            raise click.ClickException(f"no area with code {area_code}")
        with click.progressbar(length=total, label="importing", file=click.get_text_stream(
                "stderr")) as bar:
            done = [0]

            def progress(count: int) -> None:
                bar.update(count - done[0])
                done[0] = count

            try:
                report = area_import.import_areas(
                    session, area_id=area.id if area else None, collection=collection,
                    dry_run=dry_run,
                    code_property=code_property, name_property=name_property, progress=progress)
            except AppError as exc:
                raise click.ClickException(f"{exc.detail_code}: {exc.errors or ''}") from exc
    if report_path:
        report_path.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    _echo_refusals(report)
    click.echo(f"{'dry run: ' if dry_run else ''}{report.created} created, {report.updated} "
               f"updated, {report.unchanged} unchanged, {report.repaired} repaired, "
               f"{report.rejected} rejected; "
               f"{len(report.overlaps)} overlaps, "
               f"{sum(gap['count'] for gap in report.gaps)} gaps")


@main.command("storage-init")
def storage_init() -> None:
    """Create the S3 bucket (STORAGE_BACKEND=s3) when it is missing; safe to run again."""
    settings = Settings.from_env()
    if settings.storage_backend != "s3":
        click.echo(f"local storage under {settings.storage_dir}: nothing to create")
        return
    try:
        created = storage.from_settings(settings).ensure_bucket()
    except StorageUnavailable as exc:
        raise click.ClickException(f"the object store at {settings.s3_endpoint_url} did not "
                                   f"answer: {exc.__cause__}") from exc
    click.echo(f"bucket {settings.s3_bucket} {'created' if created else 'already there'}")


@main.command("storage-migrate")
@click.option("--from", "source_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The local media directory (default: STORAGE_DIR).")
@click.option("--delete-local", is_flag=True,
              help="Remove each local file once its copy in the store is verified.")
def storage_migrate(source_dir: Path | None, delete_local: bool) -> None:
    """Move photos and exports from local disk to the S3 store (STORAGE_BACKEND=s3). Every
    file is verified by SHA-256; run it again to resume after an interruption."""
    settings = Settings.from_env()
    if settings.storage_backend != "s3":
        raise click.ClickException("set STORAGE_BACKEND=s3 and the S3_* settings of the "
                                   "target store first")
    source = storage.LocalStorage(source_dir or settings.storage_dir)
    keys = list(source.keys())
    target = storage.from_settings(settings)
    with click.progressbar(length=len(keys), label="moving to S3", show_pos=True,
                           file=sys.stderr) as bar:
        try:
            report = storage_copy.copy_all(source, target, keys, delete_local=delete_local,
                                           on_each=lambda _key, _outcome: bar.update(1))
        except StorageUnavailable as exc:
            raise click.ClickException(
                f"the object store stopped answering ({exc.__cause__}); what was copied is "
                "kept: run the command again to resume") from exc
    removed = f", {report.deleted_locally} local files removed" if delete_local else ""
    click.echo(f"{report.copied} copied, {report.already_there} already there{removed}")
    if report.mismatched:
        raise click.ClickException(f"{len(report.mismatched)} files read back different from "
                                   f"the local copy (kept): {', '.join(report.mismatched[:10])}")
@main.command("load-holidays")
@click.option("--year", "years", type=int, multiple=True,
              help="Year to load (repeatable); default: this year in TIMEZONE.")
def load_holidays(years: tuple[int, ...]) -> None:
    """Load public holidays and make-up working days into the working calendar (from the
    chinesecalendar package); safe to run again."""
    app = create_app()
    settings = app.config["GRID_SETTINGS"]
    years = years or (datetime.now(ZoneInfo(settings.timezone)).year,)
    with app.app_context(), _session(app) as session, session.begin():
        for year in years:
            try:
                load = holidays.load_year(session, year)
            except AppError as exc:
                first, last = holidays.covered_years()
                raise click.ClickException(
                    f"{exc.detail_code}: {holidays.SOURCE} knows {first}-{last}, not {year}"
                ) from exc
            click.echo(f"{year}: {load.holidays} holidays, {load.make_up_days} make-up working "
                       f"days ({load.changed} changed) from {load.source}")


def _apply_setup_file(what: str, apply: Callable[[Flask, Session], setup_files.Tally],
                      ) -> setup_files.Tally:
    app = create_app()
    with app.app_context(), _session(app) as session, session.begin():
        try:
            tally = apply(app, session)
        except setup_files.SetupFileError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"{what}: {tally.summary()}")
    return tally


SETUP_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@main.command("generate-grids")
@click.argument("plan", type=SETUP_FILE)
def generate_grids(plan: Path) -> None:
    """Generate the levels a plan (grid.csv: area,levels) names below each area; areas that
    have children keep them. Safe to run again."""
    _apply_setup_file("areas generated",
                      lambda app, session: setup_files.apply_grid_plan(session, plan))


@main.command("import-units")
@click.argument("units_csv", type=SETUP_FILE)
def import_units(units_csv: Path) -> None:
    """Create or update units from a CSV (code,name,parent,contact). Safe to run again."""
    _apply_setup_file("units", lambda app, session: setup_files.apply_units(session, units_csv))


@main.command("import-routing-rules")
@click.argument("rules_csv", type=SETUP_FILE)
def import_routing_rules(rules_csv: Path) -> None:
    """Add routing rules from a CSV (category,area,unit,priority; category * = every major
    class); rules already in force are left alone."""
    _apply_setup_file("routing rules",
                      lambda app, session: setup_files.apply_routing_rules(session, rules_csv))


@main.command("import-staff")
@click.argument("staff_csv", type=SETUP_FILE)
def import_staff(staff_csv: Path) -> None:
    """Create staff accounts from a CSV (phone,name,roles,unit,area,cells); existing ones are
    left alone. Prints each new account's first password once: hand it over."""
    tally = _apply_setup_file("staff", lambda app, session: setup_files.apply_staff(
        session, app.extensions["grid_passwords"], staff_csv))
    for phone, roles, password in tally.new_accounts:
        click.echo(f"  new account {phone} ({roles}) first password: {password}")
@main.command("rebuild-counters")
@click.option("--batch", default=tally.REBUILD_BATCH, show_default=True,
              help="Cases per transaction.")
def rebuild_counters(batch: int) -> None:
    """Recompute every case's counters (what the indicators count) from the timelines;
    run after upgrading, safe while the system is in use. The daily tallies are switched
    off meanwhile (indicators count the cases) and rebuilt once at the end: following every
    row through the trigger would take hours at 10^7 cases."""
    app = create_app()
    settings = app.config["GRID_SETTINGS"]
    done = 0
    with app.app_context(), _session(app) as session:
        tallies.ensure(session, zone=settings.timezone, depth=0)
        session.commit()
        for count in tally.rebuild_all(session, batch=batch):
            session.commit()
            done += count
            click.echo(f"\r{done} cases", nl=False, err=True)
        tallies.ensure(session, zone=settings.timezone, depth=settings.tally_depth)
        session.commit()
    click.echo(f"counters rebuilt for {done} cases")
