"""CI cannot go green by skipping: with CI=true a missing service fails, and `.ci/run` always
points the tests at PostgreSQL and installs what the tests need."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_dev_command import graphiql_renders
from tests.services import chromium, need, postgres_url

RUN = Path(__file__).resolve().parents[2] / ".ci" / "run"


def test_a_missing_service_skips_here_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is missing"):
        need("PostgreSQL", "no server")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is missing: no server"):
        need("PostgreSQL", "no server")
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    with pytest.raises(pytest.fail.Exception, match="TEST_DATABASE_URL"):
        postgres_url()


def test_without_chromium_graphiql_never_counts_as_rendered(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium on it
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Chromium is missing"):
        chromium()
    with pytest.raises(pytest.fail.Exception, match="Chromium is missing"):
        graphiql_renders("http://127.0.0.1:9/graphql")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="Chromium is missing"):
        graphiql_renders("http://127.0.0.1:9/graphql")


def _fake(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)


def _ci_run(tmp_path: Path, present: list[str], uid: int) -> subprocess.CompletedProcess[str]:
    """.ci/run with only the named tools present, PostgreSQL down, `make` reporting the
    environment it got and `apt-get` recording what it was asked."""
    folder = tmp_path / "bin"
    folder.mkdir(parents=True)
    for tool in ("bash", "dirname", "grep", "cat"):
        (folder / tool).symlink_to(shutil.which(tool) or f"/usr/bin/{tool}")
    for tool in present:
        _fake(folder, tool, "exit 0")
    _fake(folder, "fc-list", 'echo "/f/LiberationSerif.ttf: Liberation Serif:style=Regular"'
          if "fc-list" in present else "exit 1")
    _fake(folder, "pg_isready", "exit 2")
    _fake(folder, "id", f"echo {uid}")
    _fake(folder, "apt-get", f'echo "apt-get $*" >> {tmp_path}/apt.log')
    _fake(folder, "make", 'echo "make $* CI=$CI URL=$TEST_DATABASE_URL"')
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "TEST_DATABASE_URL"}}
    env["PATH"] = str(folder)
    return subprocess.run([str(folder / "bash"), str(RUN)], env=env, capture_output=True,
                          text=True, timeout=60)


def test_ci_run_always_points_the_tests_at_postgres(tmp_path: Path) -> None:
    done = _ci_run(tmp_path, ["chromium", "pdftoppm", "fc-list", "node", "npm", "haproxy",
                              "pg_dump"], uid=0)
    assert done.returncode == 0, done.stderr
    assert "make test CI=true URL=postgresql://postgres@127.0.0.1:5432/test" in done.stdout
    assert "PostgreSQL does not answer" in done.stderr
    assert not (tmp_path / "apt.log").exists()  # everything present: nothing installed


def test_ci_run_installs_what_is_missing_after_an_update(tmp_path: Path) -> None:
    done = _ci_run(tmp_path, [], uid=0)
    assert done.returncode == 0, done.stderr
    asked = (tmp_path / "apt.log").read_text().splitlines()
    assert asked[0].startswith("apt-get update")
    installed = set(asked[1].split())
    assert {"chromium", "poppler-utils", "fonts-liberation", "nodejs", "npm", "haproxy",
            "postgresql-client"} <= installed
    not_root = _ci_run(tmp_path / "user", [], uid=1000)
    assert not_root.returncode == 1 and "not root" in not_root.stderr
