"""The dashboard's script as code: ES modules served one by one under the CSP, and no copy of
the domain's state, timeliness or action names — those come from the API (`taskLabels`)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from api.dashboard.web import ASSETS
from api.schema import build_schema
from domain.lifecycle import ACTION_LABELS_VI, STATE_LABELS_VI
from domain.timeliness import TIMELINESS_LABELS_VI

STATIC = Path(__file__).resolve().parents[2] / "api" / "dashboard" / "static"
LABEL_LISTS = (STATE_LABELS_VI, TIMELINESS_LABELS_VI, ACTION_LABELS_VI)
# A string literal with no substitution in it: "…", '…' or `…`.
LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'|`([^`$]*)`')


def _scripts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(STATIC.glob("*.js"))}


def test_the_script_is_es_modules_each_served() -> None:
    scripts = _scripts()
    assert len(scripts) > 5 and "app.js" in scripts
    for name, text in scripts.items():
        assert ASSETS[name] == STATIC / name  # served at /bang-dieu-hanh/<name>
        for target in re.findall(r'from "\./([\w-]+\.js)"', text):
            assert target in scripts, f"{name} imports {target}, which is not served"
        assert len(text.splitlines()) < 300, f"{name} is one more script of everything"
    assert max(len(t.splitlines()) for t in scripts.values()) < 300


def test_no_state_or_action_name_is_written_in_the_script() -> None:
    labels = {label.casefold() for names in LABEL_LISTS for label in names.values()}
    keys = {member.name for names in LABEL_LISTS for member in names}
    for name, text in _scripts().items():
        for match in LITERAL.finditer(text):
            literal = next(g for g in match.groups() if g is not None)
            assert literal.strip().casefold() not in labels, f"{name} writes “{literal}” itself"
        # Nor a table of them keyed by the enum's names ({ SUBMITTED: "…" }).
        table = re.findall(r"\b([A-Z][A-Z_]+)\s*:\s*[\"'`]", text)
        assert not set(table) & keys, f"{name} keeps its own table of {sorted(set(table) & keys)}"


class _SignedIn:
    """A request whose viewer is known: taskLabels is for signed-in officials (api.policy)."""

    async def viewer(self) -> None:
        return None


def test_the_labels_come_from_the_domain_where_introspection_is_off() -> None:
    schema = build_schema(production=True)
    query = ("{ taskLabels { states { name label } timeliness { name label } "
             "actions { name label } } }")
    result = asyncio.run(schema.execute(query, context_value=_SignedIn()))
    assert result.errors is None, result.errors
    got = result.data["taskLabels"]  # type: ignore[index]
    for field, names in zip(("states", "timeliness", "actions"), LABEL_LISTS, strict=True):
        assert {(x["name"], x["label"]) for x in got[field]} == {
            (member.name, label) for member, label in names.items()}
    # Where __type is refused (production), the dashboard still has its names.
    assert asyncio.run(schema.execute('{ __type(name: "TaskState") { name } }')).errors


def test_the_server_asks_start_as_the_page_does() -> None:
    """The server's `Start` (api/dashboard/first_paint.py, painted with the page) reads the
    same as app.js's own on the home page, else app.js would not take the page's answer and
    ask again: the script's pieces put together here as the browser does."""
    from api.dashboard.first_paint import START

    scripts = _scripts()

    def constant(name: str, script: str) -> str:
        found = re.search(rf'const {name} = (?:"([^"]*)"|`([^`]*)`);', scripts[script])
        assert found, f"{name} is not in {script}"
        return found.group(1) or found.group(2)

    start = re.search(r'const startQuery = \(more = ""\) => `([^`]*)`;', scripts["app.js"])
    assert start, "startQuery is not in app.js"
    pieces = {"COUNTS": constant("COUNTS", "parts.js"),
              "LABELS_QUERY": constant("LABELS_QUERY", "labels.js")}
    pieces["more"] = re.sub(r"\$\{(\w+)\}", lambda m: pieces[m.group(1)],
                            constant("JURISDICTION_FIGURES", "home.js"))
    asked = re.sub(r"\$\{(\w+)\}", lambda m: pieces[m.group(1)], start.group(1))
    assert " ".join(asked.split()) == START
    assert "answeredWithThePage" in scripts["app.js"]
