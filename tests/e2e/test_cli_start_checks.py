"""The start-up checks through the real CLI: refusals come before anything starts, with a
message naming what is wrong; dev tokens are signed with a secret made per install."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest

from tests.conftest import free_port

GIAOVIEC = str(Path(sys.executable).parent / "giaoviec")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "GIAOVIEC_DATA_DIR": str(tmp_path / "data"), "GIAOVIEC_MODE": "dev"}
    for name in ("GIAOVIEC_JWT_SECRET", "GIAOVIEC_HOST", "DATABASE_URL", "TEMPORAL_ADDRESS",
                 "GIAOVIEC_OIDC_ISSUER", "GIAOVIEC_OIDC_JWKS_URL", "GIAOVIEC_OIDC_AUDIENCE"):
        env.pop(name, None)
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GIAOVIEC, *args], env=env, capture_output=True, text=True,
                          timeout=60, cwd=Path(env["GIAOVIEC_DATA_DIR"]).parent)


def test_dev_mode_refuses_to_listen_beyond_loopback(env: dict[str, str]) -> None:
    for command in ("dev", "api"):
        done = run({**env, "GIAOVIEC_HOST": "0.0.0.0"}, command)
        assert done.returncode != 0
        assert "Chế độ dev chỉ được nghe trên địa chỉ loopback" in done.stderr
        assert "GIAOVIEC_HOST=0.0.0.0" in done.stderr
    assert not (Path(env["GIAOVIEC_DATA_DIR"]) / "temporal.db").exists()  # nothing started


def test_production_refuses_to_start_without_oidc(env: dict[str, str]) -> None:
    production = {**env, "GIAOVIEC_MODE": "production", "GIAOVIEC_HOST": "0.0.0.0",
                  "GIAOVIEC_OIDC_ISSUER": "https://sso.example.gov.vn/realms/ubnd"}
    done = run(production, "api")
    assert done.returncode != 0
    assert "GIAOVIEC_OIDC_JWKS_URL, GIAOVIEC_OIDC_AUDIENCE" in done.stderr
    assert "GIAOVIEC_OIDC_ISSUER" not in done.stderr.split("còn thiếu:")[1]


def test_dev_tokens_use_a_secret_of_this_install(env: dict[str, str], tmp_path: Path) -> None:
    first, second = run(env, "token", "chutich"), run(env, "token", "snv.cb1")
    assert first.returncode == second.returncode == 0, first.stderr
    secret_file = Path(env["GIAOVIEC_DATA_DIR"]) / "dev-jwt-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = secret_file.read_text().strip()
    for done, user in ((first, "chutich"), (second, "snv.cb1")):
        claims = jwt.decode(done.stdout.strip(), secret, algorithms=["HS256"],
                            audience="giaoviec")
        assert claims["sub"] == user
    for public in ("dev-only-secret-change-me-0123456789",):  # the secret the source once had
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(first.stdout.strip(), public, algorithms=["HS256"], audience="giaoviec")
    elsewhere = run({**env, "GIAOVIEC_DATA_DIR": str(tmp_path / "other")}, "token", "chutich")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(elsewhere.stdout.strip(), secret, algorithms=["HS256"], audience="giaoviec")


def test_the_api_starts_and_says_so_while_temporal_is_away(env: dict[str, str]) -> None:
    """A process of the API started with Temporal away (a restart, a rescheduled pod) is
    alive at once and not ready, naming Temporal, instead of not listening until it gives up."""
    port = free_port()
    api_env = {**env, "GIAOVIEC_PORT": str(port),
               "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}"}  # nobody listens there
    migrated = run(api_env, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    log = Path(env["GIAOVIEC_DATA_DIR"]) / "api.log"
    with log.open("w") as out:
        process = subprocess.Popen([GIAOVIEC, "api"], env=api_env, stdout=out, stderr=out,
                                   cwd=Path(env["GIAOVIEC_DATA_DIR"]).parent)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                live = httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert live.status_code == 200
        ready = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=10)
        assert ready.status_code == 503, ready.text
        assert ready.json()["database"] == "ok" and ready.json()["temporal"] != "ok"
    finally:
        process.terminate()
        process.wait(timeout=30)
