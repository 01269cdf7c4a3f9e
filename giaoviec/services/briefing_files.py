"""A briefing's files, rendered on first request from what the briefing said when it was
made (its data.json) and kept for the next reader."""

from __future__ import annotations

from pathlib import Path

from activities.briefing import FORMATS, PdfError, file_path, render
from activities.briefing.store import load
from domain.errors import Code, DomainError
from giaoviec.config import Settings
from giaoviec.store.models import Briefing

__all__ = ["FORMATS", "briefing_path"]


def briefing_path(settings: Settings, briefing: Briefing, kind: str) -> Path:
    """The file of one format, rendered now if it is not there yet."""
    directory = Path(settings.data_dir) / briefing.directory
    try:
        data = load(directory)
    except FileNotFoundError:
        raise DomainError(Code.NOT_FOUND, "Dữ liệu của báo cáo không còn trên máy chủ.") from None
    path = file_path(kind, data, directory)
    if path.is_file():
        return path
    try:
        return render(kind, data, directory)
    except PdfError as err:
        raise DomainError(Code.NOT_FOUND, f"Chưa in được bản PDF: {err}") from None
