"""The giao ban briefing (báo cáo kiểm đếm nhiệm vụ hằng tuần), one renderer per format: HTML for
the screen, DOCX for the office to edit and sign, XLSX of the tables, PDF to sign digitally.
Each file is laid out as Nghị định 30/2020/NĐ-CP lays out an administrative document.

`render` writes one format, atomically, so files can be rendered on first request and cached;
`render_all` writes every format it can (PDF only where Chromium is installed)."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from activities.briefing.data import BriefingData
from activities.briefing.docx import write_docx
from activities.briefing.html import render_html, write_html
from activities.briefing.pdf import PdfError, find_chromium, write_pdf
from activities.briefing.xlsx import write_xlsx

__all__ = ["FILE_STEM", "FORMATS", "BriefingData", "PdfError", "file_path", "render",
           "render_all", "render_html"]

FILE_STEM = "bao-cao-kiem-dem"
FORMATS = ("html", "docx", "xlsx", "pdf")
_WRITERS: dict[str, Callable[[BriefingData, Path], None]] = {
    "html": write_html, "docx": write_docx, "xlsx": write_xlsx,
}
log = logging.getLogger(__name__)


def file_path(kind: str, data: BriefingData, directory: Path) -> Path:
    return directory / f"{FILE_STEM}-{data.period.key}.{kind}"


def render(kind: str, data: BriefingData, directory: Path) -> Path:
    """Write the briefing in one format into `directory` and return the file's path. The PDF
    is printed from the HTML file there (written first if missing). Raises PdfError."""
    if kind not in FORMATS:
        raise ValueError(f"unknown briefing format {kind!r}; expected one of {FORMATS}")
    directory.mkdir(parents=True, exist_ok=True)
    target = file_path(kind, data, directory)
    if kind == "pdf":
        html = file_path("html", data, directory)
        if not html.is_file():
            render("html", data, directory)
        _atomically(target, lambda tmp: write_pdf(html, tmp))
    else:
        _atomically(target, lambda tmp: _WRITERS[kind](data, tmp))
    return target


def render_all(data: BriefingData, directory: Path) -> dict[str, Path]:
    """Every format; the PDF is left to be rendered on request when Chromium is absent or
    fails, so the weekly tally never fails for want of a printer."""
    paths = {kind: render(kind, data, directory) for kind in ("html", "docx", "xlsx")}
    if find_chromium() is None:
        log.info("Chromium is not installed: briefing %s rendered without PDF", data.number)
        return paths
    try:
        paths["pdf"] = render("pdf", data, directory)
    except PdfError as err:
        log.warning("briefing %s rendered without PDF: %s", data.number, err)
    return paths


def _atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary name, then rename: a reader never sees half a file."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
