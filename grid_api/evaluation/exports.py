"""Exports of case lists and indicator tables: asked for over the API, written by a
background job (an outbox topic) in constant memory — rows streamed from a server-side
cursor straight into a file — with progress, for the asker's eyes only, until they expire.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import json
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, Text, cast, func, select, text, update
from sqlalchemy.orm import Session

from grid_api.cases.queries import CaseFilter, cases_query
from grid_api.errors import Conflict, Gone, NotFound, ValidationFailed
from grid_api.evaluation import tables, xlsx
from grid_api.evaluation.indicators import Period
from grid_api.evaluation.scope import Asked
from grid_api.identity.principal import Principal
from grid_api.identity.principals import principal_for
from grid_api.infra import outbox
from grid_api.infra.storage import Storage
from models.area import Area
from models.case import CaseSource
from models.category import Category
from models.export import Export, ExportStatus
from models.outbox import Topic
from models.question import CaseAnswers
from models.unit import Unit

KINDS = ("cases", "indicators")
FORMATS = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
STREAM_ROWS = 2000  # rows per fetch from the server-side cursor
PROGRESS_EVERY = 5000
CASE_COLUMNS = ("code", "status", "source", "urgent", "category", "category_name", "grid",
                "address", "unit", "created_at", "registered_at", "closed_at", "returns",
                "reworks", "rating", "answers", "lon", "lat")
NUMBER_COLUMNS = frozenset({"returns", "reworks", "rating", "lon", "lat"})
# Formatted by the database, never holding a character XML must escape.
PLAIN_COLUMNS = frozenset({"status", "source", "urgent", "created_at", "registered_at",
                           "closed_at"})


def request_export(session: Session, principal: Principal, *, kind: str, fmt: str,
                   params: dict[str, Any]) -> Export:
    """Queue an export for the asker. Raises ValidationFailed."""
    if kind not in KINDS or fmt not in FORMATS or (kind == "indicators" and fmt == "geojson"):
        raise ValidationFailed(errors={"format": ["No such export."]})
    export = Export(user_id=principal.user_id, kind=kind, format=fmt, params=params,
                    status=ExportStatus.queued)
    session.add(export)
    session.flush()  # the id, for the job
    outbox.add(session, Topic.export, export_id=export.id)
    return export


def get_export(session: Session, principal: Principal, export_id: int) -> Export:
    """The asker's export. Raises NotFound (someone else's: it does not exist for you)."""
    export = session.get(Export, export_id)
    if export is None or export.user_id != principal.user_id:
        raise NotFound
    return export


def downloadable(session: Session, principal: Principal, export_id: int, *,
                 now: datetime) -> Export:
    """Raises NotFound, Conflict (not written yet, or failed), Gone (expired)."""
    export = get_export(session, principal, export_id)
    if export.status is not ExportStatus.done:
        raise Conflict("export_not_ready")
    if export.expires_at is not None and export.expires_at <= now:
        raise Gone("export_expired")
    return export


def file_name(export: Export) -> str:
    return f"{export.kind}-{export.id}.{export.format}"


# --- the job --------------------------------------------------------------------------------

def _case_query(session: Session, principal: Principal, params: dict[str, Any],
                zone: ZoneInfo) -> Select:
    """The rows of a case list, every value as the file shows it: times in the city's zone
    (ISO 8601 with the offset), flags as true/false — formatted by PostgreSQL, so the CSV
    can be written by COPY and every format says the same."""
    first, last = date.fromisoformat(params["from"]), date.fromisoformat(params["to"])
    period = Period.checked(first, last, zone)
    criteria = CaseFilter(category=params.get("category"), area_id=params.get("area"),
                          created_from=period.start, created_to=period.end,
                          sources=tuple(CaseSource(s) for s in params.get("source", ())))
    cases = cases_query(session, principal, criteria).subquery()

    def local(column: Any, label: str) -> Any:
        return func.to_char(func.timezone(zone.key, column),
                            'YYYY-MM-DD"T"HH24:MI:SS').op("||")(
            func.to_char(column, "TZH:TZM")).label(label)

    return (select(cases.c.code, cast(cases.c.status, Text).label("status"),
                   cast(cases.c.source, Text).label("source"),
                   cast(cases.c.urgent, Text).label("urgent"),
                   Category.code.label("category"), Category.name_zh.label("category_name"),
                   Area.code.label("grid"), cases.c.address, Unit.name.label("unit"),
                   local(cases.c.created_at, "created_at"),
                   local(cases.c.registered_at, "registered_at"),
                   local(cases.c.closed_at, "closed_at"),
                   cases.c.return_count.label("returns"),
                   cases.c.rework_count.label("reworks"), cases.c.rating,
                   CaseAnswers.answers,  # to the category's questions, by question code
                   func.ST_X(cases.c.location).label("lon"),
                   func.ST_Y(cases.c.location).label("lat"))
            .join(Category, Category.id == cases.c.category_id)
            .join(Area, Area.id == cases.c.grid_id)
            .outerjoin(Unit, Unit.id == cases.c.unit_id)
            .outerjoin(CaseAnswers, CaseAnswers.case_id == cases.c.id)
            .order_by(cases.c.created_at, cases.c.id))


def _case_rows(session: Session, principal: Principal, params: dict[str, Any],
               zone: ZoneInfo) -> Iterator[dict[str, Any]]:
    query = _case_query(session, principal, params, zone)
    for row in session.execute(query.execution_options(yield_per=STREAM_ROWS)):
        yield dict(row._mapping)


def _copy_out(session: Session, query: Select, zone: ZoneInfo, options: str,
              sink: Callable[[bytes], None]) -> int:
    """The query's rows by PostgreSQL's COPY, chunk by chunk into ``sink``: they never
    become Python objects, several times faster than writing them one by one. Returns the
    number of rows."""
    # The offset TZH:TZM prints is the session's: set it to the city's for this transaction.
    session.execute(text("SELECT set_config('TimeZone', :zone, true)"),
                    {"zone": zone.key})
    compiled = query.compile(dialect=session.get_bind().dialect,
                             compile_kwargs={"render_postcompile": True})
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY ({compiled}) TO STDOUT{options}", compiled.params) as copy:
            for chunk in copy:
                sink(bytes(chunk))
        return cursor.rowcount


def _copy_case_csv(session: Session, query: Select, zone: ZoneInfo, path: Path,
                   progress: Callable[[int], None]) -> int:
    """The case list as CSV. Returns the number of rows."""
    lines = 0
    with path.open("wb") as out:
        out.write(codecs.BOM_UTF8)  # Excel opens Chinese text correctly

        def sink(chunk: bytes) -> None:
            nonlocal lines
            out.write(chunk)
            lines += chunk.count(b"\n")
            progress(max(lines - 1, 0))  # approximate: an address may hold a newline

        return _copy_out(session, query, zone, " WITH (FORMAT csv, HEADER)", sink)


def _copy_case_xlsx(session: Session, query: Select, zone: ZoneInfo, path: Path,
                    progress: Callable[[int], None]) -> int:
    """The case list as XLSX, each row's XML written by PostgreSQL (xlsx.row_sql).
    Returns the number of rows."""
    columns = list(query.selected_columns)
    rows = query.with_only_columns(
        xlsx.row_sql([xlsx.cell_sql(column, number=column.name in NUMBER_COLUMNS,
                                    plain=column.name in PLAIN_COLUMNS)
                      for column in columns]), maintain_column_froms=True)
    with xlsx.Workbook(path, [column.name for column in columns]) as book:

        def sink(chunk: bytes) -> None:
            book.write(chunk)
            progress(book.rows)

        return _copy_out(session, rows, zone, "", sink)


def _indicator_rows(session: Session, principal: Principal, params: dict[str, Any],
                    zone: ZoneInfo) -> Iterator[dict[str, Any]]:
    request = tables.Request(
        period=Period.checked(date.fromisoformat(params["from"]),
                              date.fromisoformat(params["to"]), zone),
        group_by=params.get("group_by", "none"),
        asked=Asked(area_id=params.get("area"), unit_id=params.get("unit")),
        category=params.get("category"))
    table = tables.indicator_table(session, principal, request, now=datetime.now(UTC))
    groups = table["groups"] or [{"key": "total", "label": None, **table["total"]}]
    for group in groups:
        label = group.get("label") or {}
        row: dict[str, Any] = {"key": group["key"], "name": label.get("name", "")}
        row |= group["counts"]
        row |= {name: rate["value"] for name, rate in group["rates"].items()}
        yield row


def _text(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    if isinstance(value, dict):  # a case's answers: JSON in one cell
        return json.dumps(value, ensure_ascii=False)
    return value


def _write_csv(rows: Iterator[dict[str, Any]], path: Path, tick: Callable[[], None]) -> None:
    # UTF-8 with a byte-order mark: Excel opens Chinese text correctly.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = None
        for row in rows:
            if writer is None:
                writer = csv.DictWriter(handle, fieldnames=list(row))
                writer.writeheader()
            writer.writerow({k: _text(v) for k, v in row.items()})
            tick()


def _write_xlsx(rows: Iterator[dict[str, Any]], path: Path, tick: Callable[[], None]) -> None:
    first = next(rows, None)
    every = itertools.chain([first] if first else [], rows)
    with xlsx.Workbook(path, list(first or ())) as book:
        for _count in book.write_rows([_text(v) for v in row.values()] for row in every):
            tick()


def _write_geojson(rows: Iterator[dict[str, Any]], path: Path,
                   tick: Callable[[], None]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"type": "FeatureCollection", "features": [\n')
        for number, row in enumerate(rows):
            lon, lat = row.pop("lon"), row.pop("lat")
            feature = {"type": "Feature",
                       "geometry": {"type": "Point", "coordinates": [lon, lat]},
                       "properties": {k: v if isinstance(v, dict) else _text(v)
                                      for k, v in row.items()}}
            handle.write(("," if number else "") + json.dumps(feature, ensure_ascii=False)
                         + "\n")
            tick()
        handle.write("]}\n")


WRITERS = {"csv": _write_csv, "xlsx": _write_xlsx, "geojson": _write_geojson}
COPIED = {"csv": _copy_case_csv, "xlsx": _copy_case_xlsx}  # case lists, written by COPY


def run_export(session: Session, storage: Storage, export_id: int, *, zone: ZoneInfo,
               ttl: timedelta, report: Callable[[int, int], None]) -> None:
    """Write the export and store it; idempotent (a written export is left alone).
    ``report(export_id, rows)`` publishes progress outside the job's transaction."""
    export = session.execute(select(Export).where(Export.id == export_id)
                             .with_for_update(skip_locked=True)).scalar_one_or_none()
    if export is None or export.status in (ExportStatus.done, ExportStatus.failed):
        return
    principal = principal_for(session, export.user_id)
    done = 0
    reported = 0

    def progress(rows: int) -> None:
        nonlocal reported
        if rows - reported >= PROGRESS_EVERY:
            reported = rows
            report(export.id, rows)

    def tick() -> None:
        nonlocal done
        done += 1
        progress(done)

    try:
        with tempfile.TemporaryDirectory(prefix="grid-export-") as tmp:
            path = Path(tmp) / file_name(export)
            if export.kind == "cases" and export.format in COPIED:
                done = COPIED[export.format](session, _case_query(
                    session, principal, export.params, zone), zone, path, progress)
            else:
                rows = (_case_rows if export.kind == "cases" else _indicator_rows)(
                    session, principal, export.params, zone)
                WRITERS[export.format](rows, path, tick)
            key = f"exports/{export.user_id}/{export.id}/{file_name(export)}"
            storage.put_file(key, path)
            export.size_bytes = path.stat().st_size
    except (ValidationFailed, NotFound) as exc:  # the asker's scope or filters went away
        export.status, export.error = ExportStatus.failed, exc.detail_code
        return
    now = datetime.now(UTC)
    export.storage_key, export.status = key, ExportStatus.done
    export.rows_done = export.rows_total = done
    export.finished_at, export.expires_at = now, now + ttl


def progress_reporter(engine: Any) -> Callable[[int, int], None]:
    """Progress written on a connection of its own, so the asker sees it while the job's
    transaction is still open."""
    def report(export_id: int, rows: int) -> None:
        with engine.begin() as connection:
            connection.execute(update(Export).where(Export.id == export_id)
                               .values(rows_done=rows, status=ExportStatus.running))
    return report
