"""GraphQL for kiểm đếm: tally (live and stored), generateBriefing through the workflow, the
briefing and its files behind the same authorization, score proposals; each refusal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from giaoviec.store.models import Briefing, Official, Task
from tests.api.harness import Api, make_settings, running_api
from tests.services import need
from tests.tally.test_tally_store import population

pytestmark = pytest.mark.asyncio(loop_scope="module")

TALLY = """query($u: ID!, $p: String!) { tally(unitId: $u, period: $p) {
  period revision asOf dueInPeriod assignedInPeriod completedInPeriod onTimeRate
  unit { id } counts { total completedOnTime completedLate openInTime openOverdue dueSoon }
  children { unit { id } counts { total } }
  flagged { id title } pendingExtensions { id } } }"""
GENERATE = """mutation($p: String) { generateBriefing(period: $p) {
  id period number draft revision generatedAt files { html docx xlsx }
  tally { revision counts { total } } } }"""
BRIEFING = "query($p: String) { briefing(period: $p) { period revision files { docx } } }"
SCORES = """query($u: ID!, $p: String!) { scores(unitId: $u, period: $p) {
  official { id } points band tasksCounted lateProducts capped } }"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(
    env: WorkflowEnvironment, db: Engine, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Api]:
    with Session(db) as s:
        population(s)
        # The Văn phòng's chief and deputy: the weekly report is theirs to sign.
        s.add(Official(id="cvp", username="cvp", full_name="Trịnh Văn Phúc", unit_id="vp",
                       roles="unit_head"))
        s.add(Official(id="pcvp", username="pcvp", full_name="Mai Thị Quyên", unit_id="vp",
                       roles="deputy_head"))
        s.commit()
    settings = make_settings(data_dir=tmp_path_factory.mktemp("data"),
                             public_url="http://giaoviec.test", trusted_proxies="10.0.0.0/8",
                             dev_allowed_hosts="giaoviec.angiang.gov.vn")
    async with running_api(env, db, settings) as api:
        yield api


async def test_a_live_tally_adds_up(api: Api) -> None:
    t = (await api.ok("chutich", TALLY, u="tinh", p="2026-W47"))["tally"]
    assert t["revision"] is None  # computed now, nothing stored yet
    assert t["counts"] == {"total": 8, "completedOnTime": 1, "completedLate": 1,
                           "openInTime": 4, "openOverdue": 2, "dueSoon": 1}
    assert (t["dueInPeriod"], t["assignedInPeriod"], t["completedInPeriod"]) == (5, 1, 2)
    assert t["onTimeRate"] == 25.0  # 1 on time of the 4 due (f is paused) or completed
    assert sum(c["counts"]["total"] for c in t["children"]) == 8
    assert [f["id"] for f in t["flagged"]] == ["c"]
    assert [p["id"] for p in t["pendingExtensions"]] == ["h"]
    month = (await api.ok("chutich", TALLY, u="tinh", p="2026-11"))["tally"]
    assert month["counts"]["total"] == 9  # the month also holds i, assigned on 23/11


async def test_generate_then_read_the_briefing_and_its_files(api: Api) -> None:
    refused = await api.error("snv.cb1", GENERATE, p="2026-W47")
    assert refused["extensions"]["code"] == "FORBIDDEN"
    b = (await api.ok("vp.cv", GENERATE, p="2026-W47"))["generateBriefing"]
    assert b["period"] == "2026-W47" and b["revision"] == 1
    assert b["number"] == "" and b["draft"] is True  # a draft spends no number
    assert b["tally"] == {"revision": 1, "counts": {"total": 8}}
    again = (await api.ok("chutich", GENERATE, p="2026-W47"))["generateBriefing"]
    assert again["revision"] == 1  # nothing changed: the same briefing
    read = (await api.ok("chutich", BRIEFING, p="2026-W47"))["briefing"]
    assert read["files"]["docx"] == b["files"]["docx"]
    assert (await api.ok("chutich", BRIEFING, p="2026-W40"))["briefing"] is None
    path = b["files"]["docx"].removeprefix("http://giaoviec.test")
    ok = await api.http.get(path, headers={"Authorization": f"Bearer {api.token('pct')}"})
    assert ok.status_code == 200 and ok.content[:2] == b"PK"
    assert "wordprocessingml" in ok.headers["content-type"]
    html = await api.http.get(path.replace("/docx", "/html"),
                              headers={"Authorization": f"Bearer {api.token('vp.cv')}"})
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html.text
    # Its inline styles by hash, no script at all; the DOCX under the strictest policy.
    assert "style-src 'sha256-" in html.headers["Content-Security-Policy"]
    assert "script-src" not in html.headers["Content-Security-Policy"]
    assert ok.headers["Content-Security-Policy"].startswith("default-src 'none'; frame-anc")
    assert ok.headers["X-Content-Type-Options"] == "nosniff"
    assert (await api.http.get(path)).status_code == 401
    officer = await api.http.get(path, headers={"Authorization":
                                                f"Bearer {api.token('snv.cb1')}"})
    # Another's file answers as a missing one: no oracle over the ids (issue 16, item 12).
    missing = await api.http.get("/briefings/999999/docx", headers={
        "Authorization": f"Bearer {api.token('snv.cb1')}"})
    assert officer.status_code == missing.status_code == 404
    assert officer.json() == missing.json()
    stored = (await api.ok("gd.snv", TALLY, u="snv", p="2026-W47"))["tally"]
    assert stored["revision"] == 1 and stored["counts"]["total"] == 5
    await api.ok("vp.cv", GENERATE, p="2026-W46")
    change = "query { tally(unitId: \"tinh\", period: \"2026-W47\") { overdueChange } }"
    # Week 46 ended on 15/11, before c (19/11) and j (21/11) fell due.
    assert (await api.ok("chutich", change))["tally"]["overdueChange"] == 2


async def test_scores_are_proposals_for_leaders(api: Api) -> None:
    scores = (await api.ok("chutich", SCORES, u="tinh", p="2026-W47"))["scores"]
    by_id = {s["official"]["id"]: s for s in scores}
    # snv.cb1: a on time (100), b late (75), j undelivered past its deadline (0).
    assert by_id["snv.cb1"]["points"] == pytest.approx(58.3)
    assert by_id["snv.cb1"]["lateProducts"] == 1 and by_id["snv.cb1"]["tasksCounted"] == 3
    assert by_id["snv.cb1"]["band"].startswith("Đề xuất: Hoàn thành nhiệm vụ")
    assert by_id["tccb.cb"]["points"] == 0.0
    refused = await api.error("snv.cb2", SCORES, u="snv", p="2026-W47")
    assert refused["extensions"]["code"] == "FORBIDDEN"


async def test_refusals(api: Api) -> None:
    outside = await api.error("xa1.cb", TALLY, u="snv", p="2026-W47")
    assert outside["extensions"]["code"] == "FORBIDDEN"
    bad = await api.error("chutich", TALLY, u="tinh", p="2026-W99")
    assert bad["extensions"]["fields"][0]["code"] == "INVALID_PERIOD"
    missing = await api.error("chutich", TALLY, u="khong-co", p="2026-W47")
    assert missing["extensions"]["code"] == "NOT_FOUND"
    officer = await api.error("snv.cb1", BRIEFING, p="2026-W47")
    assert officer["extensions"]["code"] == "FORBIDDEN"


async def test_file_links_point_at_the_server_the_client_reached(api: Api) -> None:
    """Not at GIAOVIEC_PUBLIC_URL: at the request's own base URL; X-Forwarded-Proto/Host only
    count when the peer is a trusted proxy (10.0.0.0/8 here)."""
    await api.ok("vp.cv", GENERATE, p="2026-W47")
    token = {"Authorization": f"Bearer {api.token('chutich')}"}
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "giaoviec.angiang.gov.vn"}

    async def links(client: tuple[str, int], headers: dict[str, str], base: str) -> str:
        transport = httpx.ASGITransport(app=api.app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url=base) as http:
            response = await http.post("/graphql", json={"query": BRIEFING,
                                                         "variables": {"p": "2026-W47"}},
                                       headers={**token, **headers})
        return response.json()["data"]["briefing"]["files"]["docx"]

    direct = await links(("127.0.0.1", 5000), {}, "http://127.0.0.1:9000")
    assert direct.startswith("http://127.0.0.1:9000/briefings/") and direct.endswith("/docx")
    spoofed = await links(("192.0.2.7", 5000), forwarded, "http://127.0.0.1:9000")
    assert spoofed.startswith("http://127.0.0.1:9000/briefings/")
    proxied = await links(("10.0.0.5", 5000), forwarded, "http://10.0.0.9:8000")
    assert proxied.startswith("https://giaoviec.angiang.gov.vn/briefings/")
    fetched = await api.http.get(proxied.replace("https://giaoviec.angiang.gov.vn", ""),
                                 headers=token)
    assert fetched.status_code == 200


async def test_the_pdf_is_printed_on_first_request_and_kept(api: Api) -> None:
    from activities.briefing.pdf import find_chromium

    if find_chromium() is None:
        need("Chromium", "apt-get install chromium: no PDF to print")
    b = (await api.ok("vp.cv", GENERATE, p="2026-W47"))["generateBriefing"]
    path = b["files"]["docx"].removeprefix("http://giaoviec.test").replace("/docx", "/pdf")
    token = {"Authorization": f"Bearer {api.token('chutich')}"}
    first = await api.http.get(path, headers=token)
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    assert first.headers["content-type"] == "application/pdf"
    again = await api.http.get(path, headers=token)
    assert again.content == first.content  # kept, not printed again


ISSUE = """mutation($id: ID!) { issueBriefing(id: $id) { id number draft issuedAt revision
  corrects { number } files { docx html } } }"""


async def test_a_draft_is_issued_once_by_its_signer_and_corrected_by_a_new_one(
        api: Api, db: Engine) -> None:
    draft = (await api.ok("vp.cv", GENERATE, p="2026-W47"))["generateBriefing"]
    assert draft["draft"] and draft["number"] == ""
    # A preview of another week spends no number either.
    assert (await api.ok("vp.cv", GENERATE, p="2026-W40"))["generateBriefing"]["number"] == ""
    for who in ("vp.cv", "pct", "snv.cb1"):  # office staff, the UBND's vice-chairman, officer
        refused = await api.error(who, ISSUE, id=draft["id"])
        assert refused["extensions"]["code"] in ("FORBIDDEN", "NOT_FOUND"), who
    issued = (await api.ok("pcvp", ISSUE, id=draft["id"]))["issueBriefing"]
    assert issued["number"] == "01/BC-VP" and not issued["draft"] and issued["issuedAt"]
    again = await api.error("cvp", ISSUE, id=draft["id"])
    assert again["extensions"]["code"] == "CONFLICT" and "01/BC-VP" in again["message"]
    path = issued["files"]["html"].removeprefix("http://giaoviec.test")
    html = (await api.http.get(path, headers={"Authorization":
                                              f"Bearer {api.token('chutich')}"})).text
    for text in ("Số: 01/BC-VP", "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "Mai Thị Quyên",
                 "Kính gửi: Chủ tịch UBND tỉnh Thử Nghiệm"):
        assert text in html, text
    assert "DỰ THẢO" not in html
    # Unchanged: the issued report stands. Changed after issue: a new draft that corrects it.
    same = (await api.ok("vp.cv", GENERATE, p="2026-W47"))["generateBriefing"]
    assert same["id"] == draft["id"] and same["number"] == "01/BC-VP"
    with Session(db) as s:
        task = s.get(Task, "e")
        assert task is not None
        task.title = "Nhiệm vụ đã sửa"
        task.flagged = True
        s.add(task)
        s.commit()
    fix = (await api.ok("vp.cv", GENERATE, p="2026-W47"))["generateBriefing"]
    assert fix["id"] != draft["id"] and fix["draft"] and fix["revision"] == 2
    # The dashboard links the issued report while its correction is a draft.
    linked = "query { briefing(period: \"2026-W47\") { number draft } }"
    assert (await api.ok("chutich", linked))["briefing"] == {"number": "01/BC-VP",
                                                             "draft": False}
    fixed = (await api.ok("cvp", ISSUE, id=fix["id"]))["issueBriefing"]
    assert fixed["number"] == "02/BC-VP" and fixed["corrects"] == {"number": "01/BC-VP"}
    html = (await api.http.get(fixed["files"]["html"].removeprefix("http://giaoviec.test"),
                               headers={"Authorization": f"Bearer {api.token('cvp')}"})).text
    assert "thay thế Báo cáo số 01/BC-VP" in html and "CHÁNH VĂN PHÒNG" in html
    assert "KT. CHÁNH" not in html


async def test_briefings_are_named_by_unguessable_ids_not_their_keys(
        api: Api, db: Engine) -> None:
    """Issue 16, item 12: ids people and URLs see are random tokens; the integer key the
    database numbers briefings by in order names nothing outside it."""
    made = [(await api.ok("vp.cv", GENERATE, p=p))["generateBriefing"]
            for p in ("2026-W43", "2026-W44")]
    with Session(db) as s:
        keys = {b.public_id: b.id for b in s.exec(select(Briefing)).all()}
    first, second = (b["id"] for b in made)
    assert (keys[first] or 0) < (keys[second] or 0)  # made one after the other…
    for shown in (first, second):  # …yet nothing shown counts them
        # (a random token may contain the key's digits by chance: not a test of anything)
        assert len(shown) >= 22 and not shown.isdigit() and shown != str(keys[shown])
    auth = {"Authorization": f"Bearer {api.token('chutich')}"}  # he may read both
    for b in made:
        docx = urlsplit(b["files"]["docx"]).path
        assert docx == f"/briefings/{b['id']}/docx"
        assert (await api.http.get(docx, headers=auth)).status_code == 200
        by_key = await api.http.get(f"/briefings/{keys[b['id']]}/docx", headers=auth)
        missing = await api.http.get("/briefings/AAAAAAAAAAAAAAAAAAAAAA/docx", headers=auth)
        assert by_key.status_code == missing.status_code == 404
        assert by_key.json() == missing.json()
        refused = await api.error("pcvp", ISSUE, id=str(keys[b["id"]]))
        assert refused["extensions"]["code"] == "NOT_FOUND"
