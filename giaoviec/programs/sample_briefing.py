"""Regenerate the sample briefing under docs/: the demo province (An Giang, six communes) with a
made-up but plausible week of tasks from the seeds' plans, tallied for week 47 of 2026.

    .venv/bin/python -m giaoviec.programs.sample_briefing   # docs/briefing-sample.*

Tasks are written straight into a throwaway read model (as the engine's activity would); the
PDF is the briefing's own (printed by headless Chromium) and the PNG a Chromium screenshot of
the HTML, both only when Chromium is installed.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, SQLModel, select

from activities.briefing import FILE_STEM
from activities.briefing.pdf import PdfError, find_chromium, write_pdf
from activities.tally import run_tally
from domain.calendar import WorkingCalendar
from domain.lifecycle import TaskState
from domain.text import fold
from domain.timezone import VN_TZ
from giaoviec.config import Settings
from giaoviec.orgdata.seed import seed_demo
from giaoviec.store.db import make_engine
from giaoviec.store.models import Briefing, Official, Task, Unit
from workflows.contracts import TallyRequest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PERIOD = "2026-W47"
RUN_AT = datetime(2026, 11, 23, 6, 30, tzinfo=VN_TZ)
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


def populate(session: Session, rng: random.Random) -> int:
    """About four tasks per department and commune, in every state the tally distinguishes."""
    leads = [u for u in session.exec(select(Unit)).all() if u.kind in ("department", "commune")]
    people = list(session.exec(select(Official)).all())
    week_start = datetime(2026, 11, 16, 8, tzinfo=VN_TZ)
    count = 0
    for unit in leads:
        staff = [o for o in people if o.unit_id == unit.id and "officer" in o.role_list]
        for n in range(rng.randint(2, 6)):
            count += 1
            created = week_start - timedelta(days=rng.randint(-3, 40))
            # As the engine would: a date deadline ends on a working day.
            deadline = CAL.deadline_for_date((week_start + timedelta(
                days=rng.randint(-10, 25))).date())
            roll = rng.random()
            state, flagged, reminders = TaskState.IN_PROGRESS, False, 0
            submitted: datetime | None = None
            completed: datetime | None = None
            if roll < 0.35 and deadline < RUN_AT:
                state = TaskState.COMPLETED
                submitted = deadline - timedelta(days=1) if rng.random() < 0.75 else (
                    deadline + timedelta(days=2))
                completed = submitted + timedelta(hours=20)
            elif deadline < RUN_AT:
                reminders = rng.randint(1, 6)
                flagged = reminders > 3
            task = Task(
                id=f"mau-{count:03d}", client_key=f"mau-{count}",
                title=f"{rng.choice(TITLES)} ({unit.name})"[:480], state=state.value,
                lead_unit_id=unit.id, lead_unit_path=unit.path,
                owner_id=rng.choice(staff).id if staff else people[0].id, assigner_id="chutich",
                basis="Kế hoạch số 208/KH-UBND", deadline=deadline, original_deadline=deadline,
                created_at=min(created, RUN_AT - timedelta(days=1)), updated_at=RUN_AT,
                submitted_at=submitted, completed_at=completed, flagged=flagged,
                overdue_reminders=reminders, product_kind="báo cáo",
                product_description="Báo cáo kết quả",
            )
            if state is TaskState.IN_PROGRESS and n == 0 and rng.random() < 0.3:
                task.extension_requested_deadline = deadline + timedelta(days=14)
                task.extension_reason = "Chờ ý kiến thẩm định của các sở, ngành"
            task.search_text = fold(task.title)
            session.add(task)
    session.commit()
    return count


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="giaoviec-sample-"))
    engine = make_engine(f"sqlite:///{work / 'sample.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        seed_demo(session, max_communes=6)
        populate(session, random.Random(47))
    settings = Settings(_env_file=None, data_dir=work)  # type: ignore[call-arg]
    run_tally(engine, settings, CAL, TallyRequest(PERIOD), RUN_AT)
    with Session(engine) as session:
        briefing = session.exec(select(Briefing)).one()
    folder = work / briefing.directory
    DOCS.mkdir(exist_ok=True)
    for kind in ("html", "docx"):
        shutil.copy(folder / f"{FILE_STEM}-{PERIOD}.{kind}", DOCS / f"briefing-sample.{kind}")
    browser = find_chromium()
    if browser is None:
        print("Chromium is not installed: docs/briefing-sample.{pdf,png} left as they were",
              file=sys.stderr)
    else:
        html, pdf = (folder / f"{FILE_STEM}-{PERIOD}.{kind}" for kind in ("html", "pdf"))
        if not pdf.is_file():  # render_all logs and skips a failed PDF; here, say why
            try:
                write_pdf(html, pdf)
            except PdfError as err:
                raise SystemExit(str(err)) from err
        shutil.copy(pdf, DOCS / "briefing-sample.pdf")
        screenshot(browser, html, DOCS / "briefing-sample.png", work / "chromium-profile")
    print(f"docs/briefing-sample.* regenerated from {folder}")


def screenshot(browser: str, html: Path, png: Path, profile: Path) -> None:
    """The HTML briefing as a person sees it on screen: one A4 sheet on a grey desk."""
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--no-first-run", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars",
         "--window-size=900,1300", f"--screenshot={png}", html.as_uri()],
        check=True, capture_output=True, timeout=120,
    )


if __name__ == "__main__":
    main()
