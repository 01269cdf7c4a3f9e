"""The briefing files (HTML, DOCX, XLSX, PDF), served over HTTP with the same bearer
authorization as the API."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

from api.context import AppServices, RequestContext
from api.headers import inline_styles_csp
from domain.errors import Code, DomainError
from giaoviec.reads import tally as tally_reads
from giaoviec.services.briefing_files import briefing_path

MEDIA = {
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def files_router(services: AppServices) -> APIRouter:
    router = APIRouter()

    @router.get("/briefings/{briefing_id}/{kind}", include_in_schema=False)
    async def briefing_file(briefing_id: str, kind: str, request: Request):  # noqa: ANN202
        ctx = RequestContext(services, request.headers.get("authorization"))
        try:
            if kind not in MEDIA:
                raise DomainError(Code.NOT_FOUND, "Không có loại tệp này.")
            viewer = await ctx.viewer()
            # By its public id only: an integer key, or anything else, is simply not found.
            row = await ctx.db(lambda s: tally_reads.briefing_file(s, viewer, briefing_id))
            # Rendered on first request (the PDF takes a couple of seconds), then kept.
            path = await asyncio.to_thread(briefing_path, services.settings, row, kind)
        except DomainError as err:
            if err.code == Code.FORBIDDEN:  # another's file is as missing as one never made
                err = DomainError(Code.NOT_FOUND, "Không tìm thấy báo cáo.")
            status = 401 if err.code == Code.UNAUTHENTICATED else 404
            return JSONResponse({"errors": [{"message": err.message,
                                             "extensions": {"code": err.code}}]},
                                status_code=status)
        # The HTML briefing's own inline styles, allowed by hash (nothing else inline runs).
        policy = {"Content-Security-Policy": inline_styles_csp(path.read_text("utf-8"))} \
            if kind == "html" else None
        return FileResponse(path, media_type=MEDIA[kind], filename=path.name, headers=policy)

    return router

