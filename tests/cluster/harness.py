"""The cluster shape (`make cluster`) as the tests drive it: started on free ports with a
database of its own on the test PostgreSQL server, stopped and wiped afterwards."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from giaoviec.programs.cluster_processes import start_time
from tests.conftest import process_env
from tests.services import need, postgres_url

PYTHON = sys.executable
GIAOVIEC = str(Path(sys.executable).parent / "giaoviec")


def cluster_database_url() -> str:
    parts = urlsplit(postgres_url())
    return urlunsplit(parts._replace(path=f"/giaoviec_cluster_{uuid.uuid4().hex[:10]}"))


@dataclass
class ClusterRun:
    env: dict[str, str]
    home: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.env['GIAOVIEC_PORT']}"

    def cli(self, *args: str, check: bool = True, timeout: float = 240
            ) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        done = subprocess.run([PYTHON, "-m", "giaoviec.programs.cluster", *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        print(f"cluster {' '.join(args)}: {time.monotonic() - started:.1f} s")
        if check and done.returncode != 0:
            raise AssertionError(f"cluster {' '.join(args)}: {done.returncode}\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done

    def token(self, username: str) -> str:
        return subprocess.run([GIAOVIEC, "token", username], env=self.env, capture_output=True,
                              text=True, check=True).stdout.strip()

    def state(self) -> dict[str, Any]:
        return dict(json.loads((self.home / "state.json").read_text()))

    def pids(self) -> dict[str, int]:
        found = {}
        for path in self.home.glob("*.pid"):
            found[path.stem] = int(json.loads(path.read_text())["pid"])
        return found

    def graphql(self, token: str, query: str, variables: dict[str, Any] | None = None,
                base: str | None = None) -> dict[str, Any]:
        answer = httpx.post(f"{base or self.base}/graphql", timeout=60,
                            json={"query": query, "variables": variables or {}},
                            headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


def cluster_env(tmp_path: Path) -> dict[str, str]:
    for tool, package in (("haproxy", "haproxy"), ("pg_dump", "postgresql-client")):
        if shutil.which(tool) is None:
            need(tool, f"apt-get install {package} (.ci/run installs it)")
    return process_env(tmp_path / "data", CLUSTER_DATABASE_URL=cluster_database_url())


def alive(pid: int) -> bool:
    return start_time(pid) is not None
