"""The HS256 secret of dev tokens: GIAOVIEC_JWT_SECRET if set, otherwise a random one made once
per install and kept in `<data_dir>/dev-jwt-secret` (mode 0600). `giaoviec token` and
`giaoviec dev` read the same file, so they agree; nobody else knows it (a secret written in the
source would let anyone mint tokens for any install left in dev mode)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from giaoviec.config import Settings

FILE_NAME = "dev-jwt-secret"
MIN_LENGTH = 32


def dev_jwt_secret(settings: Settings) -> str:
    if settings.jwt_secret:
        return settings.jwt_secret
    path = settings.data_dir / FILE_NAME
    if not path.exists():
        _create(path)
    return _read(path)


def _create(path: Path) -> None:
    """Written whole under a temporary name, then linked into place: two processes starting at
    once both end up reading the one that was linked first, never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


def _read(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # copied around with looser rights: keep it to its owner
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < MIN_LENGTH:
        raise SystemExit(f"Tệp khóa bí mật {path} không hợp lệ (quá ngắn): xóa tệp để hệ "
                         "thống tạo lại (mã truy cập thử đã cấp sẽ hết hiệu lực).")
    return secret
