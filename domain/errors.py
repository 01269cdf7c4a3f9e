"""Domain errors: a stable machine code plus a Vietnamese message for people.

The same codes travel through Temporal (as ApplicationError types) and out of the
GraphQL API (as extensions.code), so a client can rely on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.ro import ORDER, short


class Code:
    """The stable top-level error codes shared by the engine and the API."""

    UNAUTHENTICATED = "UNAUTHENTICATED"
    RATE_LIMITED = "RATE_LIMITED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    VALIDATION = "VALIDATION"
    CONFLICT = "CONFLICT"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    # A dependency (the database, Temporal) is away: try again shortly; the message says
    # whether nothing was changed, the same request is safe again, or it may have been done.
    UNAVAILABLE = "UNAVAILABLE"


@dataclass(frozen=True)
class FieldIssue:
    """One failing field: which input, which "rõ" it belongs to, a stable code, a message."""

    field: str
    code: str
    message: str
    ro: str = ""
    row: int | None = None  # the row of a plan or file the issue is about, counted from 1


@dataclass
class DomainError(Exception):
    code: str
    message: str
    fields: list[FieldIssue] = field(default_factory=list)
    more_fields: int = 0  # faults found but left out of `fields` (a bounded answer)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def validation_error(issues: list[FieldIssue], subject: str = "Nhiệm vụ") -> DomainError:
    """One VALIDATION error for every failing field; the message names each unclear "rõ"
    once, in the canonical order (việc, người, thẩm quyền, trách nhiệm, thời gian, sản phẩm)."""
    named = {i.ro for i in issues if i.ro}
    missing = [short(r) for r in ORDER if r in named]
    suffix = f" (chưa rõ: {', '.join(missing)})" if missing else ""
    return DomainError(Code.VALIDATION, f"{subject} chưa hợp lệ{suffix}.", list(issues))


def unavailable() -> DomainError:
    """The database is away: nothing was changed, the same request may be sent again."""
    return DomainError(Code.UNAVAILABLE, "Hệ thống tạm thời không ghi được dữ liệu, thao tác "
                       "chưa được thực hiện; đề nghị thử lại sau ít phút.")


def unavailable_retry_safe() -> DomainError:
    """A dependency went away mid-request; the request names itself (clientKey), so sending
    the very same one again finishes it and never does it twice."""
    return DomainError(Code.UNAVAILABLE, "Hệ thống tạm thời không xử lý xong yêu cầu; đề nghị "
                       "gửi lại đúng yêu cầu này (cùng mã clientKey) sau ít phút, thao tác sẽ "
                       "không bị thực hiện hai lần.")


def unavailable_repeat_safe() -> DomainError:
    """The change is recorded, but a dependency went away before it was carried out there:
    the same action again (nothing recorded twice) finishes it."""
    return DomainError(Code.UNAVAILABLE, "Đã ghi nhận thao tác nhưng hệ thống tạm thời chưa "
                       "áp dụng xong; đề nghị thực hiện lại đúng thao tác này sau ít phút, thao "
                       "tác sẽ không bị ghi hai lần.")


def unavailable_unsure() -> DomainError:
    """A dependency went away after the change may have reached it: it may have been done, so
    look before sending it again."""
    return DomainError(Code.UNAVAILABLE, "Hệ thống tạm thời không xác nhận được kết quả; thao "
                       "tác có thể đã được thực hiện. Đề nghị kiểm tra lại sau ít phút trước "
                       "khi gửi lại.")


def read_unavailable() -> DomainError:
    """The database is away while reading: nothing to show now; ask again shortly."""
    return DomainError(Code.UNAVAILABLE, "Hệ thống tạm thời không đọc được dữ liệu; đề nghị thử "
                       "lại sau ít phút.")


def forbidden(message: str) -> DomainError:
    return DomainError(Code.FORBIDDEN, message)


def not_found(message: str) -> DomainError:
    return DomainError(Code.NOT_FOUND, message)


def conflict(message: str) -> DomainError:
    return DomainError(Code.CONFLICT, message)


def illegal_transition(message: str) -> DomainError:
    return DomainError(Code.ILLEGAL_TRANSITION, message)
