"""What a briefing says, kept as data.json beside its files when it is made, so every format
can be rendered later (on first request) exactly as it stood: a signed report never changes
because a task moved after it was drawn up."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from activities.briefing.data import BriefingData, ExtensionItem, OverdueItem, Row, Section
from domain.periods import parse_period
from domain.tally import Figures

DATA_FILE = "data.json"


def dump(data: BriefingData, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    content = asdict(data)
    content["period"] = data.period.key
    target = directory / DATA_FILE
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(content, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    tmp.replace(target)
    return target


def load(directory: Path) -> BriefingData:
    raw: dict[str, Any] = json.loads((directory / DATA_FILE).read_text(encoding="utf-8"))

    def row(value: dict[str, Any]) -> Row:
        return Row(value["name"], Figures.from_dict(value["figures"]),
                   value.get("change_overdue"), value.get("change_rate"))

    known = {f.name for f in fields(BriefingData)}
    values = {k: v for k, v in raw.items() if k in known}
    values |= {
        "period": parse_period(raw["period"]),
        "total": row(raw["total"]),
        "rows": [row(r) for r in raw["rows"]],
        "ranking": [row(r) for r in raw["ranking"]],
        "overdue": [OverdueItem(**i) for i in raw["overdue"]],
        "flagged": [OverdueItem(**i) for i in raw["flagged"]],
        "extensions": [ExtensionItem(**i) for i in raw["extensions"]],
        "sections": [Section(v["title"], v["empty"], [(int(a), str(b)) for a, b in v["lines"]])
                     for v in raw.get("sections", [])],
    }
    return BriefingData(**values)
