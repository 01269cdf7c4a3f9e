"""Workflows call activities through typed references (workflows.contracts.ActivityRef); the
worker registers implementations under the same names. Their types must agree, or a workflow
would send one thing and the activity expect another."""

from __future__ import annotations

import typing

from sqlmodel import SQLModel
from temporalio.activity import _Definition

from giaoviec.config import Settings
from giaoviec.programs.worker import build_worker_activities
from giaoviec.store.db import make_engine
from workflows.contracts import ACTIVITIES


def test_every_reference_has_an_implementation_of_the_same_types(tmp_path) -> None:  # noqa: ANN001
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    SQLModel.metadata.create_all(engine)
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    implementations = {_Definition.must_from_callable(f).name: f
                       for f in build_worker_activities(engine, settings)}
    assert set(implementations) == {ref.name for ref in ACTIVITIES}
    for ref in ACTIVITIES:
        hints = typing.get_type_hints(implementations[ref.name])
        params = [v for k, v in hints.items() if k != "return"]
        assert params == ([ref.arg_type] if ref.arg_type is not None else []), ref.name
        assert hints["return"] is ref.result_type, ref.name
    engine.dispose()
