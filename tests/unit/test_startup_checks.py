"""Start-up checks and the per-install dev secret."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from giaoviec.config import Settings
from giaoviec.dev_secret import FILE_NAME, dev_jwt_secret
from giaoviec.programs.startup_checks import check_for_start, problems

OIDC = {"oidc_issuer": "https://sso.example.gov.vn/realms/ubnd", "oidc_audience": "giaoviec",
        "oidc_jwks_url": "https://sso.example.gov.vn/realms/ubnd/certs",
        "session_secret": "s" * 40}


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_dev_mode_serves_only_on_loopback() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert problems(settings(host=host), "dev") == []
    for host in ("0.0.0.0", "::", "192.168.1.10", "giaoviec.local"):
        for role in ("dev", "api"):
            [problem] = problems(settings(host=host), role)
            assert "loopback" in problem and f"GIAOVIEC_HOST={host}" in problem
        assert problems(settings(host=host), "worker") == []  # it listens on nothing
    assert problems(settings(mode="production", host="0.0.0.0", **OIDC), "api") == []


def test_production_names_every_missing_oidc_setting() -> None:
    [problem] = problems(settings(mode="production", session_secret="s" * 40), "api")
    for name in ("GIAOVIEC_OIDC_ISSUER", "GIAOVIEC_OIDC_JWKS_URL", "GIAOVIEC_OIDC_AUDIENCE"):
        assert name in problem
    partial = {**OIDC, "oidc_audience": None}
    [problem] = problems(settings(mode="production", **partial), "dev")
    assert problem.endswith("còn thiếu: GIAOVIEC_OIDC_AUDIENCE.")
    assert problems(settings(mode="production"), "worker") == []
    with pytest.raises(SystemExit) as refused:
        check_for_start(settings(mode="production", host="0.0.0.0"), "api")
    assert "GIAOVIEC_OIDC_AUDIENCE" in str(refused.value.code)
    check_for_start(settings(mode="production", **OIDC), "api")  # nothing to say


def test_trusted_proxies_must_be_addresses() -> None:
    [problem] = problems(settings(trusted_proxies="10.0.0.0/8, proxy.local"), "api")
    assert "'proxy.local'" in problem
    assert problems(settings(trusted_proxies="10.0.0.0/8, 2001:db8::1"), "api") == []


def test_the_dev_secret_is_made_once_per_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GIAOVIEC_JWT_SECRET", raising=False)
    one, other = settings(data_dir=tmp_path / "a"), settings(data_dir=tmp_path / "b")
    secret = dev_jwt_secret(one)
    assert len(secret) >= 32 and dev_jwt_secret(one) == secret != dev_jwt_secret(other)
    path = tmp_path / "a" / FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [FILE_NAME]  # no temporary left over
    path.chmod(0o644)
    assert dev_jwt_secret(one) == secret and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert dev_jwt_secret(settings(data_dir=tmp_path / "a", jwt_secret="x" * 40)) == "x" * 40
    path.write_text("short")
    with pytest.raises(SystemExit, match="không hợp lệ"):
        dev_jwt_secret(one)


def test_production_refuses_to_start_without_a_session_secret() -> None:
    """Without it the sign-in page answered 503 to everyone once started (issue 16, item 12)."""
    for secret in (None, "", "short"):
        [problem] = problems(settings(mode="production", **{**OIDC, "session_secret": secret}),
                             "api")
        assert "GIAOVIEC_SESSION_SECRET" in problem
    assert problems(settings(mode="production", **{**OIDC, "session_secret": None}),
                    "worker") == []
