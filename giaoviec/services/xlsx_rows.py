"""A streaming reader for the first worksheet of an XLSX file, bounded in every dimension a
hostile file can stretch, and the small thread pool uploads are parsed in.

openpyxl reads the whole shared-strings table and every cell of a row before it yields
anything, and cannot be stopped: an 80 KB file inflating to one row of 720,000 cells or a
28 MB shared-strings table held the event loop for 20 s. Here each XML part is read in small
chunks through expat, counting the bytes really inflated (a zip header can lie), with caps on
each part, shared strings, rows and cells per row, and a deadline checked as it goes. Nothing
is resolved from outside the file: a DOCTYPE (and so any entity) refuses the part.
"""

from __future__ import annotations

import asyncio
import io
import posixpath
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import from_excel

MAX_PART_BYTES = 4 * 1024 * 1024  # one XML part, inflated
MAX_UNZIPPED_BYTES = 16 * 1024 * 1024  # every part together, as the zip declares them
MAX_ENTRIES = 200  # parts in the archive
MAX_SHARED_STRINGS = 50_000
MAX_ROWS = 2_000
MAX_CELLS_PER_ROW = 1_000  # cells written in one row, read or not
DEADLINE_SECONDS = 5.0
_CHUNK = 64 * 1024
_CHECK_EVERY = 2_000  # elements between two looks at the clock

T = TypeVar("T")
# Uploads are parsed here, never on the event loop: two at a time whatever clients send.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="upload-parse")


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Runs a parser in the uploads' pool; the event loop keeps serving meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(_POOL, fn, *args)


class XlsxError(Exception):
    """Why a file cannot be read: a stable code and a Vietnamese message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _bad(message: str = "Không đọc được tệp XLSX.") -> XlsxError:
    return XlsxError("PARSE_ERROR", message)


@dataclass
class _Clock:
    deadline: float
    ticks: int = 0

    def tick(self) -> None:
        self.ticks += 1
        if self.ticks % _CHECK_EVERY == 0 and time.monotonic() > self.deadline:
            raise XlsxError("FILE_TOO_COMPLEX", f"Tệp XLSX quá phức tạp: không đọc xong trong "
                                                f"{DEADLINE_SECONDS:g} giây.")


def _local(name: str) -> str:
    return name.rpartition(":")[2]


@dataclass
class _Part:
    """Feeds one part of the archive to expat in chunks, within the byte cap."""

    archive: zipfile.ZipFile
    name: str
    clock: _Clock
    start: Callable[[str, dict[str, str]], None]
    end: Callable[[str], None] = lambda name: None
    text: Callable[[str], None] = lambda data: None

    def run(self) -> None:
        parser = expat.ParserCreate()
        parser.StartElementHandler = self._start
        parser.EndElementHandler = lambda name: self.end(_local(name))
        parser.CharacterDataHandler = self.text
        parser.StartDoctypeDeclHandler = self._doctype
        size = 0
        try:
            with self.archive.open(self.name) as stream:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > MAX_PART_BYTES:
                        raise XlsxError("FILE_TOO_LARGE", f"Một phần của tệp XLSX giải nén quá "
                                                          f"{MAX_PART_BYTES // 2**20} MB.")
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except expat.ExpatError:
            raise _bad() from None
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError):
            raise _bad() from None  # a damaged or encrypted member

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self.clock.tick()
        self.start(_local(name), {_local(k): v for k, v in attrs.items()})

    @staticmethod
    def _doctype(*_: object) -> None:
        raise _bad("Tệp XLSX chứa khai báo DOCTYPE: không được chấp nhận.")


@dataclass
class _Styles:
    dates: list[bool] = field(default_factory=list)  # per cell style: a date format

    def is_date(self, style: str | None) -> bool:
        if not style or not style.isdigit():
            return False
        index = int(style)
        return index < len(self.dates) and self.dates[index]


def _read_styles(archive: zipfile.ZipFile, name: str | None, clock: _Clock) -> _Styles:
    styles = _Styles()
    if name is None:
        return styles
    custom: dict[int, str] = {}
    ids: list[int] = []
    inside = [False]

    def start(tag: str, a: dict[str, str]) -> None:
        if tag == "numFmt" and a.get("numFmtId", "").isdigit():
            custom[int(a["numFmtId"])] = a.get("formatCode", "")
        elif tag == "cellXfs":
            inside[0] = True
        elif tag == "xf" and inside[0]:
            ids.append(int(a["numFmtId"]) if a.get("numFmtId", "").isdigit() else 0)

    def end(tag: str) -> None:
        if tag == "cellXfs":
            inside[0] = False

    _Part(archive, name, clock, start, end).run()
    for fmt_id in ids:
        code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, "General"))
        styles.dates.append(is_date_format(code))
    return styles


def _read_shared(archive: zipfile.ZipFile, name: str | None, clock: _Clock) -> list[str]:
    strings: list[str] = []
    if name is None:
        return strings
    buffer: list[str] = []
    state = {"t": False, "phonetic": 0}

    def start(tag: str, _: dict[str, str]) -> None:
        if tag == "si":
            if len(strings) >= MAX_SHARED_STRINGS:
                raise XlsxError("TOO_MANY_STRINGS", f"Tệp XLSX có quá {MAX_SHARED_STRINGS} "
                                                    "chuỗi ký tự dùng chung.")
            buffer.clear()
        elif tag == "rPh":  # phonetic guides are not part of the text
            state["phonetic"] += 1
        elif tag == "t":
            state["t"] = True

    def end(tag: str) -> None:
        if tag == "si":
            strings.append("".join(buffer))
        elif tag == "rPh":
            state["phonetic"] -= 1
        elif tag == "t":
            state["t"] = False

    def text(data: str) -> None:
        if state["t"] and not state["phonetic"]:
            buffer.append(data)

    _Part(archive, name, clock, start, end, text).run()
    return strings


def _column(ref: str | None) -> int | None:
    """"AB12" → 28 (1-based); None when the reference is absent or not a cell reference."""
    if not ref:
        return None
    number = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            number = number * 26 + ord(ch) - 64
        elif ch.isdigit():
            break
        else:
            return None
    return number or None


def _number(text: str) -> float | int:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return int(value) if value.is_integer() and "." not in text and "E" not in text.upper() \
        else value


@dataclass
class _Cell:
    column: int
    kind: str
    style: str | None
    text: list[str] = field(default_factory=list)


class _SheetReader:
    """Turns the sheet's XML events into rows of values (first `max_col` columns)."""

    def __init__(self, shared: list[str], styles: _Styles, max_col: int) -> None:
        self.shared, self.styles, self.max_col = shared, styles, max_col
        self.rows: list[tuple[int, list[Any]]] = []
        self.row: list[Any] | None = None
        self.row_number = 0
        self.cells = 0
        self.cell: _Cell | None = None
        self.collect = False  # inside <v> or an inline string's <t>

    def start(self, tag: str, a: dict[str, str]) -> None:
        if tag == "row":
            number = int(a["r"]) if a.get("r", "").isdigit() else self.row_number + 1
            if number <= self.row_number:
                raise _bad("Tệp XLSX có các dòng không theo thứ tự.")
            if number > MAX_ROWS or len(self.rows) >= MAX_ROWS:
                raise XlsxError("TOO_MANY_ROWS", f"Tệp có quá {MAX_ROWS} dòng.")
            self.row_number, self.row, self.cells = number, [], 0
        elif tag == "c" and self.row is not None:
            self.cells += 1
            if self.cells > MAX_CELLS_PER_ROW:
                raise XlsxError("TOO_MANY_CELLS", f"Dòng {self.row_number} có quá "
                                                  f"{MAX_CELLS_PER_ROW} ô.")
            column = _column(a.get("r")) or len(self.row) + 1
            self.cell = _Cell(column, a.get("t", "n"), a.get("s"))
        elif tag in ("v", "t") and self.cell is not None:
            self.collect = True

    def end(self, tag: str) -> None:
        if tag in ("v", "t"):
            self.collect = False
        elif tag == "c" and self.cell is not None and self.row is not None:
            cell, self.cell = self.cell, None
            if cell.column <= self.max_col and cell.text:
                self.row.extend([None] * (cell.column - len(self.row)))
                self.row[cell.column - 1] = self._value(cell)
        elif tag == "row" and self.row is not None:
            self.rows.append((self.row_number, self.row))
            self.row = None

    def text(self, data: str) -> None:
        if self.collect and self.cell is not None:
            self.cell.text.append(data)

    def _value(self, cell: _Cell) -> Any:
        raw = "".join(cell.text)
        try:
            if cell.kind == "s":
                index = int(raw)
                if not 0 <= index < len(self.shared):
                    raise IndexError(index)
                return self.shared[index]
            if cell.kind in ("inlineStr", "str", "e"):
                return raw
            if cell.kind == "b":
                return raw.strip() in ("1", "true")
            if cell.kind == "d":
                return datetime.fromisoformat(raw.strip())
            value = _number(raw.strip())
            if self.styles.is_date(cell.style):
                return from_excel(value)
            return value
        except (ValueError, IndexError, OverflowError, TypeError):
            raise _bad(f"Ô {_name(cell.column)}{self.row_number} có giá trị không đọc "
                       "được.") from None


def _name(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_REL_SHEET = "/worksheet"
_REL_SHARED = "/sharedStrings"
_REL_STYLES = "/styles"


def _relationships(archive: zipfile.ZipFile, clock: _Clock) -> dict[str, tuple[str, str]]:
    """The workbook's relationships: id → (type, part name in the archive)."""
    found: dict[str, tuple[str, str]] = {}

    def start(tag: str, a: dict[str, str]) -> None:
        if tag == "Relationship" and "Id" in a and "Target" in a:
            target = a["Target"]
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            found[a["Id"]] = (a.get("Type", ""), path)

    if "xl/_rels/workbook.xml.rels" in archive.namelist():
        _Part(archive, "xl/_rels/workbook.xml.rels", clock, start).run()
    return found


def _first_sheet_id(archive: zipfile.ZipFile, clock: _Clock) -> str:
    sheets: list[str] = []

    def start(tag: str, a: dict[str, str]) -> None:
        if tag == "sheet" and "id" in a:
            sheets.append(a["id"])

    if "xl/workbook.xml" not in archive.namelist():
        raise _bad("Tệp không phải là bảng tính XLSX.")
    _Part(archive, "xl/workbook.xml", clock, start).run()
    if not sheets:
        raise _bad("Tệp XLSX không có trang tính nào.")
    return sheets[0]


def _part_of(rels: dict[str, tuple[str, str]], kind: str, names: set[str]) -> str | None:
    return next((path for t, path in rels.values() if t.endswith(kind) and path in names), None)


def first_sheet_rows(data: bytes, max_col: int,
                     deadline_seconds: float = DEADLINE_SECONDS) -> Iterator[tuple[int, list[Any]]]:
    """The first worksheet's rows as (row number, values of the first `max_col` columns),
    None for an empty cell. Raises XlsxError for anything it cannot or will not read."""
    clock = _Clock(time.monotonic() + deadline_seconds)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise _bad() from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _bad(f"Tệp XLSX có quá {MAX_ENTRIES} thành phần.")
        if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
            raise XlsxError("FILE_TOO_LARGE", "Tệp XLSX giải nén quá lớn.")
        names = {i.filename for i in infos}
        rels = _relationships(archive, clock)
        sheet_rel = rels.get(_first_sheet_id(archive, clock))
        if sheet_rel is None or sheet_rel[1] not in names:
            raise _bad("Tệp XLSX thiếu trang tính đầu tiên.")
        shared = _read_shared(archive, _part_of(rels, _REL_SHARED, names), clock)
        styles = _read_styles(archive, _part_of(rels, _REL_STYLES, names), clock)
        reader = _SheetReader(shared, styles, max_col)
        _Part(archive, sheet_rel[1], clock, reader.start, reader.end, reader.text).run()
    return iter(reader.rows)

