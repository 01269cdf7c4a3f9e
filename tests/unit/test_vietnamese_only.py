"""No English and no internals in what people meet (issue 19, item 13): the trail's details,
a date the schema cannot read, a bad briefing period, the notices' wording — and a walk over
every enum label and description and every error message in the code for ASCII-only English
words."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from graphql import GraphQLEnumType

from activities.notices import compose
from api.schema import build_schema
from domain.errors import DomainError
from domain.lifecycle import ACTION_LABELS_VI, STATE_LABELS_VI
from domain.periods import parse_period
from domain.record import EventRecord, new_record
from domain.recurrence import FREQUENCY_LABELS_VI
from domain.rule_state import RULE_STATE_LABELS_VI
from domain.task import DeadlineSpec, Product, TaskDraft
from domain.trail import STEP_LABELS_VI, event_detail

ROOT = Path(__file__).resolve().parents[2]
_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
_NUCLEUS = (r"(?:uye|uya|uyu|ieu|yeu|uoi|uou|oai|oay|oeo|uay|uai|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|"
            r"oe|oi|ua|ue|ui|uo|uu|uy|ye|[aeiouy])")
_SYLLABLE = re.compile(rf"^{_ONSET}{_NUCLEUS}(?:ch|ng|nh|[cmnpt])?$")
# Names of formats and protocols people are told to use, spelt as they are.
TECHNICAL = {"email", "token", "online", "website", "internet", "http", "https"}
# A key of a file or a field named for who writes it: “roles”, (after).
_NAMED_KEY = re.compile(r"“[A-Za-z_.]+”|\(“?[A-Za-z_.]+”?\)")


def english_words(text: str) -> list[str]:
    """ASCII-only words that cannot be Vietnamese written without marks: "overdue", "Value",
    "cannot" (codes, acronyms, identifiers in camelCase and numbers are not words)."""
    found = []
    for word in re.findall(r"(?<![\w.$/-])[A-Za-z]+(?![\w/-])", _NAMED_KEY.sub(" ", text)):
        if word.isupper() or re.search(r"[a-z][A-Z]", word) or word.lower() in TECHNICAL:
            continue
        if not _SYLLABLE.match(word.lower()):
            found.append(word)
    return found


def test_the_check_finds_english_and_passes_vietnamese() -> None:
    assert english_words("nhắc: overdue") == ["overdue"]
    assert english_words('Value cannot represent a DateTime: "15/01/2027". invalid literal '
                         "for int()") == ["Value", "cannot", "represent", "invalid", "literal",
                                          "for", "int"]
    assert english_words("Kỳ báo cáo không hợp lệ: dùng 2026-W48 (clientKey), mẫu 45/KH-UBND, "
                         "tiep nhan nhiem vu theo quy dinh") == []


# What a person meets ---------------------------------------------------------------------


def test_the_trail_words_the_engines_reminder_steps() -> None:
    assert event_detail("remind", {"step": "overdue", "overdue_reminders": "1"}) == (
        "nhắc: đã quá hạn · lần nhắc quá hạn: 1")
    for step in ("before-3", "before-1", "due-morning", "overdue-head", "overdue-assigner",
                 "weekly-2", "milestone-before-1", "milestone-due", "unknown-step"):
        detail = event_detail("remind", {"step": step}) or ""
        assert step not in detail and english_words(detail) == [], detail
    assert event_detail("request_extension", {"new_deadline": "2027-01-15T16:59:59+00:00"}) == (
        "hạn đề nghị 15/01/2027")
    assert event_detail("accept", {}) is None


def test_a_bad_briefing_period_is_named_as_one() -> None:
    with pytest.raises(DomainError) as caught:
        parse_period("tuần 49")
    assert caught.value.message == "Kỳ báo cáo chưa hợp lệ."
    assert caught.value.fields[0].code == "INVALID_PERIOD"


async def test_a_date_the_schema_cannot_read_answers_in_vietnamese_with_a_code() -> None:
    schema = build_schema()
    for query, variables in (
        ('mutation($d: DateTime!) { requestExtension(id: "x", newDeadline: $d, reason: "r") '
         "{ id } }", {"d": "15/01/2027"}),
        ('mutation { requestExtension(id: "x", newDeadline: "15/01/2027", reason: "r") { id } }',
         {}),
    ):
        result = await schema.execute(query, variable_values=variables)
        (error,) = result.errors or []
        assert "“15/01/2027”" in error.message and english_words(error.message) == []
        assert error.extensions is not None and error.extensions["code"] == "VALIDATION"
        assert error.extensions["fields"][0]["code"] == "INVALID_DATETIME"


async def test_an_object_where_a_date_belongs_is_not_quoted_back_as_python() -> None:
    result = await build_schema().execute(
        'mutation($d: DateTime!) { requestExtension(id: "x", newDeadline: $d, reason: "r") '
        "{ id } }", variable_values={"d": {"workingDays": 10}})
    (error,) = result.errors or []
    assert "workingDays" not in error.message and "{" not in error.message, error.message
    assert error.message.startswith("Thời điểm đã gửi không đúng dạng")
    assert error.extensions is not None
    assert error.extensions["fields"][0]["code"] == "INVALID_DATETIME"


def _task() -> object:
    now = datetime(2026, 12, 1, 3, tzinfo=UTC)
    draft = TaskDraft(title="Báo cáo kiểm đếm", description="Tổng hợp", lead_unit_id="vp",
                      owner_id="cvp", basis="Kế hoạch số 45/KH-UBND",
                      deadline=DeadlineSpec(on_date=now.date()),
                      product=Product("báo cáo", "Báo cáo kiểm đếm", "Trình Chủ tịch"))
    return new_record("t1", "k1", "h1", draft, "ct", datetime(2026, 12, 4, 16, 59, tzinfo=UTC),
                      now)


@pytest.mark.parametrize(("action", "data", "note", "expected"), [
    ("decline", {}, "Không thuộc chức năng", "Trần Văn A đã từ chối nhiệm vụ “Báo cáo kiểm đếm”. "
                                             "Ghi chú: Không thuộc chức năng."),
    ("decide_extension", {"approve": "true"}, "Đồng ý gia hạn",
     "Trần Văn A đã đồng ý gia hạn nhiệm vụ “Báo cáo kiểm đếm”. Ghi chú: Đồng ý gia hạn. "
     "Hạn xử lý hiện tại: 04/12/2026."),
])
def test_notices_say_each_thing_once(action: str, data: dict[str, str], note: str,
                                     expected: str) -> None:
    event = EventRecord(2, datetime(2026, 12, 2, tzinfo=UTC), action, "a", None,
                        _task().state, note, data)  # type: ignore[attr-defined]
    _, body = compose("action", _task(), event, "Trần Văn A", "Văn phòng")  # type: ignore[arg-type]
    assert body == expected


# Every label and every message ---------------------------------------------------------


def test_every_enum_label_and_description_is_vietnamese() -> None:
    texts: list[str] = []
    for labels in (ACTION_LABELS_VI, STATE_LABELS_VI, FREQUENCY_LABELS_VI, RULE_STATE_LABELS_VI,
                   STEP_LABELS_VI):
        texts += [str(v) for v in labels.values()]
    schema = build_schema()._schema
    for named in schema.type_map.values():
        if isinstance(named, GraphQLEnumType) and not named.name.startswith("__"):
            texts += [named.description or ""]
            texts += [v.description or "" for v in named.values.values()]
    assert texts
    found = {t: english_words(t) for t in texts if english_words(t)}
    assert found == {}


_REFUSALS = {"FieldIssue", "DomainError", "forbidden", "not_found", "conflict",
             "illegal_transition", "file_error", "add", "_fail", "error_response", "issue"}


def _messages(tree: ast.AST) -> list[tuple[int, str]]:
    """The words of every refusal built in a module: the string parts of the calls above
    (`add`, `issue`: the local helpers that collect a refusal's faults)."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if not isinstance(node.func, ast.Name) or node.func.id not in _REFUSALS:
            continue
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            parts = arg.values if isinstance(arg, ast.JoinedStr) else [arg]
            text = "".join(p.value for p in parts
                           if isinstance(p, ast.Constant) and isinstance(p.value, str))
            if " " in text:  # a field name or a code has none
                out.append((node.lineno, text))
    return out


def test_every_error_message_in_the_code_is_vietnamese() -> None:
    found = {}
    for package in ("domain", "giaoviec", "api", "activities", "workflows"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for line, text in _messages(tree):
                if words := english_words(text):
                    found[f"{path.relative_to(ROOT)}:{line}"] = (text, words)
    assert found == {}


def test_every_refusal_names_what_it_refuses() -> None:
    """validation_error's headline defaults to "Nhiệm vụ chưa hợp lệ": only the task's own
    checks may leave it out; a period, a page size or a client key names itself."""
    found = []
    for package in ("domain", "giaoviec", "api", "activities"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id == "validation_error"
                        and len(node.args) + len(node.keywords) < 2):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
