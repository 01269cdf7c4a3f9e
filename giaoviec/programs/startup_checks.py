"""What must hold before a process starts, checked in one place: `giaoviec dev`, `api` and
`worker` call check_for_start, which refuses (exit 1) with every problem named at once."""

from __future__ import annotations

import ipaddress
from typing import Literal

from giaoviec.config import Settings

Role = Literal["dev", "api", "worker"]
OIDC_SETTINGS = ("GIAOVIEC_OIDC_ISSUER", "GIAOVIEC_OIDC_JWKS_URL", "GIAOVIEC_OIDC_AUDIENCE")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # any other name may resolve to anything


MIN_SESSION_SECRET = 32


def problems(settings: Settings, role: Role) -> list[str]:
    found: list[str] = []
    serves_http = role in ("dev", "api")
    if serves_http and settings.is_dev and not is_loopback(settings.host):
        found.append(
            f"Chế độ dev chỉ được nghe trên địa chỉ loopback (127.0.0.1), không phải "
            f"GIAOVIEC_HOST={settings.host}: mã truy cập thử của chế độ dev không dùng được "
            f"trên mạng. Bỏ GIAOVIEC_HOST (mặc định 127.0.0.1), hoặc chạy GIAOVIEC_MODE="
            f"production với đăng nhập OpenID Connect.")
    if serves_http and not settings.is_dev:
        values = (settings.oidc_issuer, settings.oidc_jwks_url, settings.oidc_audience)
        missing = [name for name, value in zip(OIDC_SETTINGS, values, strict=True) if not value]
        if missing:
            found.append("Chế độ production cần đăng nhập OpenID Connect, còn thiếu: "
                         + ", ".join(missing) + ".")
        if len(settings.session_secret or "") < MIN_SESSION_SECRET:
            # Without it the sign-in page answers 503 to everyone: refuse now, say why.
            found.append(f"Chế độ production cần GIAOVIEC_SESSION_SECRET (ký phiên đăng nhập "
                         f"bảng điều hành), ít nhất {MIN_SESSION_SECRET} ký tự ngẫu nhiên.")
    if serves_http:
        from api.proxy import TrustedProxies

        try:
            TrustedProxies.parse(settings.trusted_proxies)
        except ValueError as bad:
            found.append(f"GIAOVIEC_TRUSTED_PROXIES có mục không phải địa chỉ IP hay dải CIDR: "
                         f"'{bad}'.")
    # The worker answers no HTTP and checks no token: nothing of the above applies to it.
    return found


def check_for_start(settings: Settings, role: Role) -> None:
    found = problems(settings, role)
    if found:
        raise SystemExit("Không khởi động được:\n" + "\n".join(f"  - {p}" for p in found))
