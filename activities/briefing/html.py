"""The briefing as a web page (and, printed by Chromium, as the PDF): one A4 sheet laid out as
Nghị định 30/2020/NĐ-CP lays out an administrative document. Autoescaped; every value is
cleaned of bidi and control characters on its way out."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from activities.briefing import nd30, text
from activities.briefing.data import (
    COLUMNS,
    DRAFT_MARK,
    FLAGGED_MARK,
    OVERDUE_COLUMNS,
    RANKING_TITLE,
    BriefingData,
)


def _finalize(value: object) -> object:
    if isinstance(value, str) and not isinstance(value, Markup):
        return text.clean(value)
    return value


_env = Environment(loader=PackageLoader("activities", "templates"),
                   autoescape=select_autoescape(["html"]), finalize=_finalize)
_env.filters["fmt"] = text.number
_env.filters["signed"] = text.signed


def render_html(data: BriefingData) -> str:
    return _env.get_template("briefing.html").render(
        d=data, columns=COLUMNS, overdue_columns=OVERDUE_COLUMNS, flagged_mark=FLAGGED_MARK,
        ranking_title=RANKING_TITLE, draft_mark=DRAFT_MARK,
        quoc_hieu=nd30.QUOC_HIEU, tieu_ngu=nd30.TIEU_NGU)


def write_html(data: BriefingData, path: Path) -> None:
    path.write_text(render_html(data), encoding="utf-8")
