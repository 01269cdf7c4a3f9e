"""REST answers in the project's error shape: `{"errors": [{"message", "extensions.code"}]}`.

FastAPI's defaults answer `{"detail": ...}` (404 unknown path, 405, 422); these handlers give
every route the same shape as GraphQL, with a fitting status. Unexpected faults (500) are
answered by the outermost middleware, api/headers.py.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from api.errors import INTERNAL, INTERNAL_MESSAGE

_BY_STATUS: dict[int, tuple[str, str]] = {
    400: ("VALIDATION", "Yêu cầu không hợp lệ."),
    401: ("UNAUTHENTICATED", "Chưa đăng nhập hoặc phiên đăng nhập không hợp lệ."),
    403: ("FORBIDDEN", "Không có quyền truy cập."),
    404: ("NOT_FOUND", "Không tìm thấy địa chỉ này."),
    405: ("VALIDATION", "Địa chỉ này không nhận phương thức HTTP đã dùng."),
    413: ("VALIDATION", "Yêu cầu quá lớn."),
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]},
                        status_code=status, headers=headers)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code, message = _BY_STATUS.get(exc.status_code, ("VALIDATION", "Yêu cầu không hợp lệ."))
    status = exc.status_code if exc.status_code < 500 else 500
    return error_response(status, code if status < 500 else INTERNAL,
                          message if status < 500 else INTERNAL_MESSAGE, exc.headers)


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    return error_response(400, "VALIDATION", "Tham số của yêu cầu không hợp lệ.")


def internal_error() -> JSONResponse:
    """An unexpected fault, as clients see it: no detail (the server logs the exception)."""
    return error_response(500, INTERNAL, INTERNAL_MESSAGE)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _invalid)
