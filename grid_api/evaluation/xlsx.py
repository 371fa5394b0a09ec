"""XLSX workbooks written as a stream (ECMA-376 SpreadsheetML, the parts Excel needs).

Rows arrive as ready ``<row>`` XML, one per line — from PostgreSQL for a case list (see
:func:`row_sql`: the rows never become Python objects) or from :func:`row_xml` for the
small tables Python computes — and are deflated into the package as they come, so memory
stays constant whatever the size. A sheet holds at most :data:`MAX_SHEET_ROWS` rows (Excel's
limit); further rows go on to the next sheet instead of being dropped.

Why not XlsxWriter: it formats every cell in Python, about 5,000 rows/s of a case list here,
ten times short of what a city-year export needs (README, benchmarks).
"""

from __future__ import annotations

import queue
import re
import threading
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from sqlalchemy import Text, case, cast, func, literal
from sqlalchemy.sql import ColumnElement

MAX_SHEET_ROWS = 1_048_576  # Excel's rows per sheet, the header row included
COMPRESS_LEVEL = 1  # deflate is the writer's cost; level 1 is 3× faster, files ~15 % larger

# XML 1.0 refuses these characters even as references: they are left out.
_CONTROL = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r")
_CONTROL_PATTERN = re.compile(f"[{re.escape(_CONTROL)}]")
# Newlines, tabs and backslashes become character references, so one row is one line of
# COPY's text format (which would escape them otherwise).
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\\", "&#92;"),
             ("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;"))
_NEEDS_ESCAPE = "[&<>\\\\\\x01-\\x1f]"  # a PostgreSQL regular expression

_TEXT_CELL = ('<c t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>")
_PLAIN_CELL = ('<c t="inlineStr"><is><t>', "</t></is></c>")  # no spaces at either end
_NUMBER_CELL = ("<c><v>", "</v></c>")
_EMPTY_CELL = "<c/>"

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
{sheets}</Types>"""
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
               'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_PACKAGE_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/\
relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheets>{sheets}</sheets></workbook>"""
_WORKBOOK_SHEET = '<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
{sheets}<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/\
2006/relationships/styles" Target="styles.xml"/></Relationships>"""
_WORKBOOK_SHEET_REL = ('<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/'
                       'officeDocument/2006/relationships/worksheet" '
                       'Target="worksheets/sheet{n}.xml"/>')
# Style 0: the default; style 1: bold, for the header row.
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""
# The header row stays in view while scrolling.
_SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" \
activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>
"""
_SHEET_TAIL = "</sheetData></worksheet>"


def _text(value: str) -> str:
    escaped = _CONTROL_PATTERN.sub("", value)
    return escape(escaped, {"\\": "&#92;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def row_xml(values: Iterable[Any], *, header: bool = False) -> bytes:
    """One row, one line: numbers as numbers, None as an empty cell, anything else as text."""
    cells = []
    style = ' s="1"' if header else ""
    for value in values:
        if value is None:
            cells.append(_EMPTY_CELL)
        elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            cells.append(f"{_NUMBER_CELL[0]}{value}{_NUMBER_CELL[1]}")
        else:
            opening = _TEXT_CELL[0].replace("<c ", f"<c{style} ", 1)
            cells.append(f"{opening}{_text(str(value))}{_TEXT_CELL[1]}")
    return ("<row>" + "".join(cells) + "</row>\n").encode()


def _escaped_sql(value: ColumnElement) -> ColumnElement:
    """The text as XML character data; the full rewrite only runs on the rare value that
    needs it (one regular-expression test per value otherwise)."""
    rewritten = func.translate(value, _CONTROL, "")
    for raw, entity in _ENTITIES:
        rewritten = func.replace(rewritten, raw, entity)
    return case((value.op("~")(_NEEDS_ESCAPE), rewritten), else_=value)


def cell_sql(value: ColumnElement, *, number: bool = False, plain: bool = False
             ) -> ColumnElement:
    """One cell of a row PostgreSQL writes: a number, or the value as text — escaped unless
    ``plain`` (text the database itself formats: enum names, times, flags)."""
    if number:
        opening, closing, inner = *_NUMBER_CELL, cast(value, Text)
    else:
        opening, closing = _PLAIN_CELL if plain else _TEXT_CELL
        inner = cast(value, Text) if plain else _escaped_sql(cast(value, Text))
    return func.coalesce(literal(opening) + inner + literal(closing), _EMPTY_CELL)


def row_sql(cells: list[ColumnElement]) -> ColumnElement:
    """The ``<row>`` of one result row, for ``COPY … TO STDOUT`` (text format)."""
    joined = literal("<row>")
    for cell in cells:
        joined = joined + cell
    return (joined + literal("</row>")).label("row")


class Workbook:
    """``with Workbook(path, header) as book: book.write(chunk)`` — chunks of whole lines,
    one ``<row>`` each; sheets are added as rows overflow.

    Deflating is the writer's main cost: a thread of its own does it (zlib lets go of the
    GIL), so it overlaps with fetching the next rows; a bounded queue keeps memory flat."""

    QUEUED_CHUNKS = 8
    BATCH_BYTES = 256 * 1024  # COPY sends a row at a time: hand them over in batches

    def __init__(self, path: Path, header: Iterable[str], *,
                 rows_per_sheet: int = MAX_SHEET_ROWS) -> None:
        self._path = path
        self._header = row_xml(header, header=True)
        self._capacity = rows_per_sheet - 1  # below the header
        self._sheets = 0
        self._sheet: IO[bytes] | None = None
        self._in_sheet = 0
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=self.QUEUED_CHUNKS)
        self._failure: BaseException | None = None
        self._batch: list[bytes] = []
        self._batched = 0
        self._deflater = threading.Thread(target=self._deflate, name="xlsx-deflate",
                                          daemon=True)
        self.rows = 0

    def __enter__(self) -> Workbook:
        self._zip = zipfile.ZipFile(self._path, "w", compression=zipfile.ZIP_DEFLATED,
                                    compresslevel=COMPRESS_LEVEL)
        self._deflater.start()
        return self

    def write(self, chunk: bytes) -> None:
        """Whole rows, each ending in a newline (as COPY sends them)."""
        if self._failure is not None:
            raise self._failure
        self.rows += chunk.count(b"\n")
        self._batch.append(chunk)
        self._batched += len(chunk)
        if self._batched >= self.BATCH_BYTES:
            self._hand_over()

    def _hand_over(self) -> None:
        if self._batch:
            self._queue.put(b"".join(self._batch))
            self._batch, self._batched = [], 0

    def write_rows(self, rows: Iterable[Iterable[Any]]) -> Iterator[int]:
        """Rows of Python values; yields the row count after each."""
        for values in rows:
            self.write(row_xml(values))
            yield self.rows

    def __exit__(self, *exc: object) -> None:
        self._hand_over()
        self._queue.put(None)
        self._deflater.join()
        try:
            if self._failure is not None:
                raise self._failure
            numbers = range(1, self._sheets + 1)
            self._zip.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
                sheets="".join(_SHEET_TYPE.format(n=n) for n in numbers)))
            self._zip.writestr("_rels/.rels", _PACKAGE_RELS)
            self._zip.writestr("xl/workbook.xml", _WORKBOOK.format(sheets="".join(
                _WORKBOOK_SHEET.format(name=f"Sheet{n}", n=n) for n in numbers)))
            self._zip.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(
                sheets="".join(_WORKBOOK_SHEET_REL.format(n=n) for n in numbers)))
            self._zip.writestr("xl/styles.xml", _STYLES)
        finally:
            self._zip.close()

    # --- on the deflating thread ----------------------------------------------------------

    def _deflate(self) -> None:
        try:
            self._next_sheet()
            while (chunk := self._queue.get()) is not None:
                self._place(chunk)
            self._end_sheet()
        except BaseException as exc:  # handed to the writing thread
            self._failure = exc
            while self._queue.get() is not None:  # never leave the writer blocked
                pass

    def _end_sheet(self) -> None:
        self._sheet.write(_SHEET_TAIL.encode())
        self._sheet.close()

    def _next_sheet(self) -> None:
        if self._sheet is not None:
            self._end_sheet()
        self._sheets += 1
        self._sheet = self._zip.open(f"xl/worksheets/sheet{self._sheets}.xml", "w",
                                     force_zip64=True)
        self._sheet.write(_SHEET_HEAD.encode() + self._header)
        self._in_sheet = 0

    def _place(self, chunk: bytes) -> None:
        while chunk:
            room = self._capacity - self._in_sheet
            lines = chunk.count(b"\n")
            if lines <= room:
                self._sheet.write(chunk)
                self._in_sheet += lines
                return
            cut = _after_nth_newline(chunk, room)
            self._sheet.write(chunk[:cut])
            self._next_sheet()
            chunk = chunk[cut:]


def _after_nth_newline(chunk: bytes, n: int) -> int:
    position = -1
    for _ in range(n):
        position = chunk.index(b"\n", position + 1)
    return position + 1
