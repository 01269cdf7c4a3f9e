"""The weekly tally against a known population, on SQLite and PostgreSQL: every number and its
roll-up, stored once per period, a changed rerun recorded as a correction, the briefing files
reopened by their own libraries, the chairman and the office notified."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, time
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from activities.tally import run_tally
from domain.calendar import WorkingCalendar
from domain.lifecycle import TaskState
from domain.tally import Figures
from domain.timezone import VN_TZ
from giaoviec.services.briefing_files import briefing_path
from giaoviec.store.models import Briefing, Notification, Official, TallySnapshot, Task
from tests.api.harness import make_settings
from tests.api.test_queries import put
from tests.org_fixture import seed_small_org
from tests.services import chromium
from workflows.contracts import TallyRequest

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
CAL = WorkingCalendar()
RUN_AT = datetime(2026, 11, 23, 6, 30, tzinfo=VN_TZ)  # Monday giao ban morning


def at(day: int, month: int = 11, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=VN_TZ)


def end_of(day: int, month: int = 11) -> datetime:
    return datetime.combine(datetime(2026, month, day).date(), time(23, 59, 59), tzinfo=VN_TZ)


def population(s: Session) -> None:
    """Week 47 of 2026 runs from Monday 16/11 to Sunday 22/11."""
    done = TaskState.COMPLETED

    def task(tid: str, created: datetime = at(2), **kw: object) -> None:
        put(s, tid, **kw)  # type: ignore[arg-type]
        row = s.get(Task, tid)
        assert row is not None
        row.created_at = created
        if "completed" in kw:
            row.completed_at = kw["completed"]  # type: ignore[assignment]
        s.add(row)

    put_kw = {"title": "Nhiệm vụ"}
    task("a", state=done, deadline=end_of(18), submitted=at(17), **put_kw)
    task("b", state=done, deadline=end_of(17), submitted=at(19), **put_kw)
    task("c", lead="snv-tccb", owner="tccb.cb", deadline=end_of(19), flagged=True,
         title="Rà soát biên chế")
    task("d", lead="stc", owner="stc.cb", deadline=end_of(15, 12), created=at(17))
    task("e", lead="stc", owner="stc.cb", deadline=end_of(24))  # due soon
    task("f", lead="xa1", owner="xa1.cb", state=TaskState.PAUSED, deadline=end_of(20),
         paused=at(10))
    task("g", lead="xa1", owner="xa1.cb", state=TaskState.CANCELLED, deadline=end_of(18),
         cancelled=at(12))
    task("h", deadline=end_of(27), title="Đề án vị trí việc làm")
    task("i", created=at(23, hour=9))  # assigned after the tally instant
    task("j", state=done, deadline=end_of(21), submitted=at(23, hour=8))
    for tid, extra in (("c", {"overdue_reminders": 4}),
                       ("h", {"extension_requested_deadline": end_of(11, 12),
                              "extension_reason": "Chờ hướng dẫn của Bộ Nội vụ"})):
        row = s.get(Task, tid)
        for key, value in extra.items():
            setattr(row, key, value)
        s.add(row)
    j = s.get(Task, "j")
    assert j is not None
    j.completed_at = at(23, hour=9)  # accepted after the tally instant: open then
    s.commit()


@pytest.fixture
def world(any_engine: Engine, tmp_path: Path) -> tuple[Engine, Path]:
    with Session(any_engine) as s:
        seed_small_org(s)
        population(s)
    return any_engine, tmp_path


def figures(engine: Engine, unit: str, which: str = "rolled", period: str = "2026-W47") -> dict:
    with Session(engine) as s:
        rows = s.exec(select(TallySnapshot).where(
            TallySnapshot.period == period, TallySnapshot.unit_id == unit)
            .order_by(col(TallySnapshot.revision).desc())).all()
    return json.loads(getattr(rows[0], which))


def test_every_number_and_its_roll_up(world: tuple[Engine, Path]) -> None:
    engine, data = world
    settings = make_settings(data_dir=data)
    outcome = run_tally(engine, settings, CAL, TallyRequest("2026-W47"), RUN_AT)
    # A briefing for every UBND and department: the province, two departments, the commune.
    assert outcome.period == "2026-W47" and len(outcome.briefings) == 4
    tinh = figures(engine, "tinh")
    assert tinh == {
        "total": 8, "completed_on_time": 1, "completed_late": 1, "open_in_time": 4,
        "open_overdue": 2, "due_soon": 1, "due_in_period": 5, "assigned_in_period": 1,
        "completed_in_period": 2, "flagged": 1, "pending_extensions": 1,
        "base_in_period": 4, "on_time_in_period": 1, "awaiting_approval": 0, "declined": 0,
        "pending_on_time": 0,
    }
    # On time over what fell due or was delivered in the week (a, b, c, j), not over all: the
    # paused f, its clock stopped before its deadline, is not rated yet.
    assert Figures.from_dict(tinh).on_time_rate == 25.0
    assert figures(engine, "snv", "own")["total"] == 4  # a, b, h, j
    assert figures(engine, "snv")["total"] == 5  # + c in Phòng TCCB
    assert figures(engine, "stc") == {**figures(engine, "stc"), "total": 2, "due_soon": 1}
    assert figures(engine, "xa1")["total"] == 1  # the paused f; the cancelled g left out
    assert figures(engine, "xa1")["open_in_time"] == 1  # paused before its deadline
    children = sum(figures(engine, u)["total"] for u in ("vp", "snv", "stc", "xa1"))
    assert children + figures(engine, "tinh", "own")["total"] == tinh["total"]
    with Session(engine) as s:
        snap = s.exec(select(TallySnapshot).where(TallySnapshot.unit_id == "tinh")).one()
        assert json.loads(snap.flagged_ids) == ["c"] and json.loads(snap.pending_ids) == ["h"]


def test_a_rerun_is_identical_or_a_correction(world: tuple[Engine, Path]) -> None:
    engine, data = world
    settings = make_settings(data_dir=data)
    first = run_tally(engine, settings, CAL, TallyRequest("2026-W47"), RUN_AT)
    again = run_tally(engine, settings, CAL, TallyRequest("2026-W47"), RUN_AT)
    assert again.briefings == first.briefings and again.corrections == 0
    with Session(engine) as s:
        assert len(s.exec(select(Briefing)).all()) == 4
        notified = len(s.exec(select(Notification)).all())
        late = s.get(Task, "d")
        assert late is not None
        late.state = TaskState.CANCELLED.value  # a task cancelled with a past date
        late.cancelled_at = at(18)
        s.add(late)
        s.commit()
    fixed = run_tally(engine, settings, CAL, TallyRequest("2026-W47"), RUN_AT)
    # Still drafts: refreshed in place (the province's and Sở Tài chính's), no number spent.
    assert fixed.corrections == 0 and fixed.briefings == first.briefings
    with Session(engine) as s:
        rows = s.exec(select(Briefing)).all()
        assert sorted((b.root_unit_id, b.revision) for b in rows) == [
            ("snv", 1), ("stc", 1), ("tinh", 1), ("xa1", 1)]
        assert all(b.is_draft and b.number == "" for b in rows)
        assert len(s.exec(select(TallySnapshot).where(TallySnapshot.unit_id == "tinh")).all()) == 2
        assert len(s.exec(select(Notification)).all()) > notified
    assert figures(engine, "tinh")["total"] == 7


def test_the_briefing_files_and_who_gets_them(world: tuple[Engine, Path]) -> None:
    engine, data = world
    settings = make_settings(data_dir=data)
    run_tally(engine, settings, CAL, TallyRequest("2026-W47"), RUN_AT)
    with Session(engine) as s:
        briefing = s.exec(select(Briefing).where(Briefing.root_unit_id == "tinh")).one()
        readers = {unit: sorted(n.recipient_id for n in s.exec(
            select(Notification).where(Notification.kind == "briefing",
                                       col(Notification.dedup_key).contains(f":{unit}:")))
        ) for unit in ("tinh", "snv", "xa1")}
    # Each draft to whoever prepares it: the province's to its Văn phòng; a body without a
    # tracking unit of its own to its leaders; the commune's never to the province.
    assert readers == {"tinh": ["vp.cv"], "snv": ["gd.snv"], "xa1": ["ct.xa1"]}
    assert briefing.is_draft and briefing.number == ""  # no number until issued
    folder = data / briefing.directory
    assert not (folder / "bao-cao-kiem-dem-2026-W47.docx").exists()  # rendered on request
    for kind in ("html", "docx", "xlsx"):
        briefing_path(settings, briefing, kind)
    html = (folder / "bao-cao-kiem-dem-2026-W47.html").read_text("utf-8")
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 "BÁO CÁO", "Kết quả kiểm đếm nhiệm vụ tuần 47 năm 2026",
                 "Rà soát biên chế", "Bùi Thị Hoa", "nêu tên tại giao ban",
                 "Chờ hướng dẫn của Bộ Nội vụ", "Nơi nhận", "Lưu: VT"):
        assert text in html, text
    doc = Document(str(folder / "bao-cao-kiem-dem-2026-W47.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "BÁO CÁO" in text and "Đề án vị trí việc làm" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells and "Rà soát biên chế" in cells
    assert "Sở Nội vụ" in cells and "Tổng cộng" in cells
    wb = load_workbook(folder / "bao-cao-kiem-dem-2026-W47.xlsx")
    rows = list(wb["Kiểm đếm"].iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "Đơn vị"))
    table = {r[0]: r for r in rows[header + 1:]}
    assert table["Tổng cộng"][1:7] == (8, 1, 1, 4, 2, 1)
    assert table["Sở Nội vụ"][1] == 5
    overdue = [r[:6] for r in wb["Quá hạn"].iter_rows(min_row=2, values_only=True)]
    assert overdue == [  # most working days overdue first
        ("Rà soát biên chế", "Phòng Tổ chức cán bộ", "Bùi Thị Hoa", "19/11/2026", 1, 4),
        ("Nhiệm vụ", "Sở Nội vụ", "Hoàng Văn Em", "21/11/2026", 0, 0),
    ]
    screenshot(folder / "bao-cao-kiem-dem-2026-W47.html", ARTIFACTS / "briefing-2026-W47.png")


def screenshot(html: Path, png: Path) -> None:
    """The briefing as a person sees it: rendered by headless Chromium into test-artifacts/."""
    browser = chromium()
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--hide-scrollbars", "--window-size=1240,1754",
         f"--screenshot={png}", html.resolve().as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    assert png.stat().st_size > 20_000


def test_issuing_numbers_each_draft_once_in_the_issuer_s_register(
        world: tuple[Engine, Path]) -> None:
    """Two drafts issued at the same moment by two threads take two numbers of the Văn
    phòng's register, never the same one; a third issue of either is refused."""
    import threading

    from domain.errors import DomainError
    from giaoviec.reads.org import Viewer, load_actor
    from giaoviec.services.briefings import issue

    engine, data = world
    settings = make_settings(data_dir=data)
    with Session(engine) as s:
        s.add(Official(id="cvp", username="cvp", full_name="Trịnh Văn Phúc", unit_id="vp",
                       roles="unit_head"))
        s.commit()
    for week in ("2026-W46", "2026-W47"):
        run_tally(engine, settings, CAL, TallyRequest(week), RUN_AT)
    with Session(engine) as s:
        drafts = [b.public_id for b in s.exec(select(Briefing).where(
            Briefing.root_unit_id == "tinh")).all()]
        chief = Viewer(load_actor(s, "cvp"))
    numbers: list[str] = []
    refused: list[str] = []

    def go(briefing_id: str) -> None:
        try:
            numbers.append(issue(engine, settings, chief, briefing_id, RUN_AT).number)
        except DomainError as err:
            refused.append(err.code)

    threads = [threading.Thread(target=go, args=(b,)) for b in (*drafts, drafts[0])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == ["01/BC-VP", "02/BC-VP"] and refused == ["CONFLICT"]
