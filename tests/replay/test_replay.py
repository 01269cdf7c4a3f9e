"""Workflows already running in production must keep replaying: every history recorded under
tests/replay/histories (by `python -m tests.replay.record`, from earlier versions of the code)
is replayed against the workflows the worker registers today. A change to a workflow's
commands that is not behind `workflow.patched` fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from giaoviec.programs.temporal import DATA_CONVERTER
from giaoviec.programs.worker import RUNNER, WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_were_recorded_for_every_workflow_type() -> None:
    recorded = {p.read_text(encoding="utf-8").split('"workflowType"', 1)[1].split('"')[3]
                for p in HISTORIES}
    assert recorded >= {"TaskWorkflow", "TallyWorkflow", "DigestWorkflow", "RecurringRunWorkflow"}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
    replayer = Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER,
                        workflow_runner=RUNNER)
    await replayer.replay_workflow(history)
