"""What each action does to a task, without Temporal: `domain.commands.validate` refuses with
the right code (every bad field at once), `apply` changes exactly what the action means, and
the engine's own events (assignment, reminders) count and flag as the ladder says."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

import domain.commands
from domain.calendar import WorkingCalendar
from domain.commands import apply, assigned, reminded, repeated, validate
from domain.errors import Code, DomainError
from domain.escalation import DEFAULT_POLICY, Recipient, planned_steps
from domain.lifecycle import Action, Relation, TaskState
from domain.record import Command, ExtensionRequest, Output, TaskRecord
from domain.task import Milestone, Product
from domain.timezone import VN_TZ

CAL = WorkingCalendar()
NOW = datetime(2026, 11, 23, 9, tzinfo=VN_TZ)
DEADLINE = datetime(2026, 12, 8, 23, 59, 59, tzinfo=VN_TZ)
LEAD = [Relation.OWNER]
BOSS = [Relation.ASSIGNER]


def task(**changes: Any) -> TaskRecord:
    base = TaskRecord(
        id="t1", client_key="k", request_hash="h", title="Rà soát quy chế", description="d",
        basis="KH 208", lead_unit_id="snv", owner_id="cb", assigner_id="ct",
        product=Product("báo cáo", "Báo cáo", "Trình UBND"), deadline=DEADLINE,
        original_deadline=DEADLINE, created_at=NOW - timedelta(days=3), seq=1,
        state=TaskState.IN_PROGRESS,
    )
    return replace(base, **changes)


def cmd(action: Action, relations: list[Relation], actor: str = "cb", **kw: Any) -> Command:
    return Command(action=action, actor_id=actor, relations=relations, **kw)


def refusal(record: TaskRecord, command: Command) -> DomainError:
    with pytest.raises(DomainError) as err:
        validate(record, command, NOW)
    return err.value


def field_codes(record: TaskRecord, command: Command) -> set[tuple[str, str]]:
    err = refusal(record, command)
    assert err.code == Code.VALIDATION
    return {(f.field, f.code) for f in err.fields}


# Refusals -------------------------------------------------------------------------------------

FAR = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=23, minutes=59)))
CASES: list[tuple[str, TaskRecord, Command, set[tuple[str, str]]]] = [
    ("decline without reason", task(state=TaskState.ASSIGNED),
     cmd(Action.DECLINE, LEAD, note="  "), {("reason", "MISSING_REASON")}),
    ("cancel with an invisible reason", task(), cmd(Action.CANCEL, BOSS, "ct", note="\u200b"),
     {("reason", "MISSING_REASON")}),
    ("a 250 KB progress note", task(),
     cmd(Action.REPORT_PROGRESS, LEAD, percent=10, note="x" * 250_000),
     {("note", "TEXT_TOO_LONG")}),
    ("a note of zero-width characters", task(),
     cmd(Action.REPORT_PROGRESS, LEAD, percent=10, note="\u200b\u200c"),
     {("note", "BLANK_TEXT")}),
    ("percent over 100", task(), cmd(Action.REPORT_PROGRESS, LEAD, percent=140),
     {("percent", "INVALID_PERCENT")}),
    ("no percent", task(), cmd(Action.REPORT_PROGRESS, LEAD), {("percent", "INVALID_PERCENT")}),
    ("submit nothing", task(), cmd(Action.SUBMIT, LEAD), {("output.description",
                                                            "MISSING_OUTPUT")}),
    ("a javascript: link and a long reference", task(),
     cmd(Action.SUBMIT, LEAD, output=Output("Báo cáo", "r" * 300, "javascript:alert(1)")),
     {("output.reference", "TEXT_TOO_LONG"), ("output.url", "INVALID_URL")}),
    ("extension without a date", task(), cmd(Action.REQUEST_EXTENSION, LEAD, note="x"),
     {("newDeadline", "EXTENSION_NOT_LATER")}),
    ("extension earlier", task(),
     cmd(Action.REQUEST_EXTENSION, LEAD, note="x", new_deadline=DEADLINE - timedelta(days=1)),
     {("newDeadline", "EXTENSION_NOT_LATER")}),
    ("extension into the past", task(deadline=NOW - timedelta(days=5)),
     cmd(Action.REQUEST_EXTENSION, LEAD, note="x", new_deadline=NOW - timedelta(days=1)),
     {("newDeadline", "DEADLINE_IN_PAST")}),
    ("extension at -23:59", task(), cmd(Action.REQUEST_EXTENSION, LEAD, note="r",
                                        new_deadline=FAR),
     {("newDeadline", "INVALID_UTC_OFFSET")}),
    ("extension to 9999", task(), cmd(Action.REQUEST_EXTENSION, LEAD, note="r",
                                      new_deadline=datetime(9999, 1, 1, tzinfo=UTC)),
     {("newDeadline", "DATE_OUT_OF_RANGE")}),
    ("decide without a decision", task(extension=ExtensionRequest(
        DEADLINE + timedelta(days=9), "r", "cb", NOW)), cmd(Action.DECIDE_EXTENSION, BOSS, "ct"),
     {("approve", "MISSING_DECISION")}),
    ("shift without a date", task(), cmd(Action.SHIFT_DEADLINE, BOSS, "ct"),
     {("newDeadline", "EXTENSION_NOT_LATER")}),
    ("shift earlier", task(), cmd(Action.SHIFT_DEADLINE, BOSS, "ct",
                                  new_deadline=DEADLINE - timedelta(days=2)),
     {("newDeadline", "EXTENSION_NOT_LATER")}),
    ("a new deadline without a date nor a reason", task(),
     cmd(Action.CHANGE_DEADLINE, BOSS, "ct"),
     {("deadline", "MISSING_DEADLINE"), ("reason", "MISSING_REASON")}),
    ("a new deadline already past", task(), cmd(Action.CHANGE_DEADLINE, BOSS, "ct", note="r",
                                                new_deadline=NOW - timedelta(hours=1)),
     {("deadline", "DEADLINE_IN_PAST")}),
    ("the deadline in force again", task(), cmd(Action.CHANGE_DEADLINE, BOSS, "ct", note="r",
                                                new_deadline=DEADLINE),
     {("deadline", "DEADLINE_UNCHANGED")}),
    ("a new deadline in 9999", task(), cmd(Action.CHANGE_DEADLINE, BOSS, "ct", note="r",
                                           new_deadline=datetime(9999, 1, 1, tzinfo=UTC)),
     {("deadline", "DATE_OUT_OF_RANGE")}),
    ("a new deadline before a milestone", task(milestones=[Milestone("Dự thảo", date(2026, 12,
                                                                                      4))]),
     cmd(Action.CHANGE_DEADLINE, BOSS, "ct", note="r", new_deadline=datetime(
         2026, 12, 1, 17, tzinfo=VN_TZ)),
     {("deadline", "MILESTONE_AFTER_DEADLINE")}),
    ("a new deadline with a 3,000-character reason", task(),
     cmd(Action.CHANGE_DEADLINE, BOSS, "ct", note="x" * 3_000,
         new_deadline=DEADLINE + timedelta(days=3)), {("reason", "TEXT_TOO_LONG")}),
    ("hand over to nobody, for no reason", task(),
     cmd(Action.HAND_OVER, [Relation.ORGANISATION], ""),
     {("reason", "MISSING_REASON"), ("ownerId", "MISSING_OWNER")}),
    ("reassign to nobody", task(), cmd(Action.REASSIGN, BOSS, "ct", note="r"),
     {("ownerId", "MISSING_OWNER")}),
    ("everything wrong at once", task(),
     cmd(Action.REQUEST_EXTENSION, LEAD, note="", new_deadline=DEADLINE - timedelta(days=1)),
     {("reason", "MISSING_REASON"), ("newDeadline", "EXTENSION_NOT_LATER")}),
]


@pytest.mark.parametrize(("record", "command", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_fields_are_refused_all_at_once(
    record: TaskRecord, command: Command, expected: set[tuple[str, str]]
) -> None:
    assert field_codes(record, command) == expected


def test_every_code_in_the_module_is_tested() -> None:
    source = Path(domain.commands.__file__).read_text(encoding="utf-8")
    in_source = set(re.findall(r'"([A-Z][A-Z_]{3,})"', source))
    tested = {code for c in CASES for _, code in c[3]}
    assert in_source <= tested | {"BLANK_TEXT", "TEXT_TOO_LONG"}  # the last two: domain.inputs


def test_who_comes_before_when_and_when_before_fields() -> None:
    # An outsider hears nothing about the state or the fields.
    outsider = refusal(task(state=TaskState.COMPLETED), cmd(Action.DECLINE, [], note=""))
    assert outsider.code == Code.FORBIDDEN
    late = refusal(task(state=TaskState.COMPLETED), cmd(Action.DECLINE, LEAD, note=""))
    assert late.code == Code.ILLEGAL_TRANSITION


def test_nobody_approves_his_own_work() -> None:
    submitted = task(state=TaskState.SUBMITTED, submitted_by="gd")
    # The head who submitted for his officer cannot approve as the assigner.
    err = refusal(submitted, cmd(Action.APPROVE, [Relation.ASSIGNER, Relation.LEAD_UNIT_HEAD],
                                 "gd"))
    assert err.code == Code.FORBIDDEN and "tự xác nhận" in err.message
    validate(submitted, cmd(Action.APPROVE, BOSS, "ct"), NOW)  # the assigner may


def test_a_task_assigned_to_oneself_is_approved_by_the_next_leader_up() -> None:
    own = task(state=TaskState.SUBMITTED, owner_id="gd", assigner_id="gd", submitted_by="cb")
    assert own.self_assigned
    err = refusal(own, cmd(Action.APPROVE, [Relation.ASSIGNER, Relation.OWNER], "gd"))
    assert err.code == Code.FORBIDDEN
    validate(own, cmd(Action.APPROVE, [Relation.ASSIGNER_SUPERIOR], "ct"), NOW)


def test_a_valid_command_passes() -> None:
    validate(task(), cmd(Action.REPORT_PROGRESS, LEAD, percent=50, note="Đang làm"), NOW)
    validate(task(), cmd(Action.SUBMIT, LEAD, output=Output("Báo cáo số 1", "1/BC",
                                                            "https://vb.gov.vn/1")), NOW)


# Effects --------------------------------------------------------------------------------------


def test_apply_never_changes_the_record_it_is_given() -> None:
    before = task()
    change = apply(before, cmd(Action.REPORT_PROGRESS, LEAD, percent=60), NOW, CAL)
    assert before.progress == 0 and before.seq == 1
    assert change.record.progress == 60 and change.record.seq == 2


def test_each_action_changes_what_it_means() -> None:
    t = task(state=TaskState.ASSIGNED)
    t = apply(t, cmd(Action.ACCEPT, LEAD), NOW, CAL).record
    assert t.state is TaskState.IN_PROGRESS and t.accepted_at == NOW
    sub = apply(t, cmd(Action.SUBMIT, LEAD, output=Output("BC 1")), NOW, CAL)
    assert sub.record.state is TaskState.SUBMITTED and sub.record.submitted_by == "cb"
    assert sub.record.progress == 100 and [n.recipient for n in sub.notices] == [
        Recipient.ASSIGNER]
    back = apply(sub.record, cmd(Action.RETURN, BOSS, "ct", note="Bổ sung"), NOW, CAL).record
    assert back.state is TaskState.RETURNED and back.returned_at == NOW
    assert back.submitted_by is None and back.progress == 90
    declined = apply(task(state=TaskState.ASSIGNED), cmd(Action.DECLINE, LEAD, note="Sai"),
                     NOW, CAL)
    assert declined.record.state is TaskState.DECLINED and declined.record.declined_at == NOW


def test_an_event_carries_its_sequence_states_note_and_data() -> None:
    change = apply(task(), cmd(Action.REASSIGN, BOSS, "ct", note="Chuyển",
                               new_owner_id="cb2", new_lead_unit_id="stc"), NOW, CAL)
    ev = change.event
    assert (ev.seq, ev.action, ev.actor_id, ev.from_state, ev.to_state, ev.note) == (
        2, "reassign", "ct", TaskState.IN_PROGRESS, TaskState.ASSIGNED, "Chuyển")
    assert ev.data == {"new_owner_id": "cb2", "new_lead_unit_id": "stc"}
    assert change.record.owner_id == "cb2" and change.record.lead_unit_id == "stc"


def test_an_approved_extension_moves_the_deadline_and_restarts_the_count() -> None:
    later = DEADLINE + timedelta(days=7)
    t = task(extension=ExtensionRequest(later, "Chờ số liệu", "cb", NOW), overdue_reminders=4,
             flagged=True)
    done = apply(t, cmd(Action.DECIDE_EXTENSION, BOSS, "ct", approve=True), NOW, CAL).record
    assert done.deadline == later and done.extension is None
    assert done.overdue_reminders == 0 and not done.flagged and done.replanned_at == NOW
    refused = apply(t, cmd(Action.DECIDE_EXTENSION, BOSS, "ct", approve=False), NOW, CAL).record
    assert refused.deadline == DEADLINE and refused.extension is None


def test_a_shift_carried_from_the_parent_moves_the_deadline_and_keeps_the_state() -> None:
    later = DEADLINE + timedelta(days=5)
    change = apply(task(flagged=True, overdue_reminders=4),
                   cmd(Action.SHIFT_DEADLINE, BOSS, "ct", new_deadline=later, note="Theo cha"),
                   NOW, CAL)
    t = change.record
    assert t.deadline == later and t.state is TaskState.IN_PROGRESS and not t.flagged
    assert t.original_deadline == DEADLINE and t.replanned_at == NOW
    assert change.event.data["new_deadline"] == later.isoformat()
    assert [n.recipient for n in change.notices] == [Recipient.OWNER]


def test_a_hand_over_keeps_the_work_where_it_stood_with_a_new_owner() -> None:
    before = task(progress=60, accepted_at=NOW)
    change = apply(before, cmd(Action.HAND_OVER, [Relation.ORGANISATION], "",
                               new_owner_id="gd", note="Đ/c cb chuyển công tác"), NOW, CAL)
    t = change.record
    assert (t.owner_id, t.state, t.progress, t.accepted_at) == (
        "gd", TaskState.IN_PROGRESS, 60, NOW)
    assert change.event.actor_id is None  # done by the organisation, not by a person
    assert change.event.data == {"new_owner_id": "gd", "previous_owner_id": "cb"}
    assert [(n.kind, n.recipient) for n in change.notices] == [("assigned", Recipient.OWNER)]


def test_an_act_for_someone_else_says_for_whom_and_how_it_is_signed() -> None:
    c = cmd(Action.APPROVE, BOSS, "pct", on_behalf_of="ct", signed_as="KT. Chủ tịch")
    event = apply(task(state=TaskState.SUBMITTED, submitted_by="cb"), c, NOW, CAL).event
    assert event.actor_id == "pct"
    assert event.data == {"on_behalf_of": "ct", "signed_as": "KT. Chủ tịch"}


def test_pause_and_resume_give_back_the_working_days() -> None:
    paused = apply(task(), cmd(Action.PAUSE, BOSS, "ct", note="Chờ"), NOW, CAL).record
    assert paused.state is TaskState.PAUSED and paused.resume_to is TaskState.IN_PROGRESS
    resumed = apply(paused, cmd(Action.RESUME, BOSS, "ct"), NOW + timedelta(days=7), CAL).record
    assert resumed.state is TaskState.IN_PROGRESS and resumed.resume_to is None
    assert resumed.deadline > DEADLINE and resumed.paused_at is None


def test_assignment_and_reminders() -> None:
    first = assigned(task(seq=0, state=TaskState.ASSIGNED), NOW)
    assert first.event.seq == 1 and first.event.action == "assign"
    assert first.notices[0].kind == "assigned"
    steps = list(islice(planned_steps(DEFAULT_POLICY, CAL, DEADLINE), 12))  # it is endless
    overdue = [s for s in steps[:12] if s.flags]
    t = task()
    for step in steps[:12]:
        t = reminded(t, step, step.at).record
    assert t.flagged and t.overdue_reminders > DEFAULT_POLICY.flag_after_overdue_reminders
    assert overdue and len(t.sent_steps) == 12


def test_manual_and_automatic_overdue_reminders_flag_by_one_count() -> None:
    """Two manual đôn đốc past the deadline, then the ladder: its 2nd overdue step is the
    task's 4th overdue reminder, more than three, so the task is raised at giao ban."""
    office = [Relation.OFFICE]
    late = DEADLINE + timedelta(hours=1)
    t = apply(task(), cmd(Action.REMIND, office, "vp"), late, CAL).record
    t = apply(t, cmd(Action.REMIND, office, "vp"), late + timedelta(days=1), CAL).record
    assert t.overdue_reminders == 2 and not t.flagged
    ladder = [s for s in islice(planned_steps(DEFAULT_POLICY, CAL, DEADLINE), 8)
              if s.overdue_count]
    t = reminded(t, ladder[0], ladder[0].at).record
    assert t.overdue_reminders == 3 and not t.flagged
    t = reminded(t, ladder[1], ladder[1].at).record
    assert t.overdue_reminders == 4 and t.flagged
    # And the other way round: the ladder's three, then one đôn đốc.
    u = task()
    for step in ladder[:3]:
        u = reminded(u, step, step.at).record
    assert not u.flagged
    u = apply(u, cmd(Action.REMIND, office, "vp"), ladder[1].at + timedelta(days=5), CAL).record
    assert u.overdue_reminders == 4 and u.flagged


def test_a_manual_reminder_counts_with_the_automatic_ones_and_paces_itself() -> None:
    office = [Relation.OFFICE]
    early = apply(task(), cmd(Action.REMIND, office, "vp", note="Khẩn trương"), NOW, CAL)
    assert early.record.overdue_reminders == 0 and early.notices[0].kind == "manual_reminder"
    assert early.event.action == "remind" and early.event.actor_id == "vp"
    late_now = DEADLINE + timedelta(days=3)
    overdue = task(overdue_reminders=3)
    late = apply(overdue, cmd(Action.REMIND, office, "vp"), late_now, CAL).record
    assert late.overdue_reminders == 4 and late.flagged  # more than three: giao ban
    with pytest.raises(DomainError) as err:
        validate(late, cmd(Action.REMIND, office, "vp"), late_now + timedelta(hours=23))
    assert err.value.code == Code.RATE_LIMITED
    validate(late, cmd(Action.REMIND, office, "vp"), late_now + timedelta(hours=25))
    assert refusal(task(), cmd(Action.REMIND, LEAD)).code == Code.FORBIDDEN  # not the owner


def test_a_substitute_never_approves_what_his_principal_submitted() -> None:
    """The head ("gd") named his officer ("cb") his substitute: whoever of the two submitted,
    the other may not approve for him (issue 16, item 5), in either order."""
    # The head submits himself; the officer approves "KT." for the head.
    submitted = apply(task(), cmd(Action.SUBMIT, LEAD, "gd", output=Output("Báo cáo")), NOW,
                      CAL).record
    err = refusal(submitted, cmd(Action.APPROVE, BOSS, "cb", on_behalf_of="gd"))
    assert err.code == Code.FORBIDDEN and "tự xác nhận" in err.message
    # The officer submits for the head; the head approves himself.
    for_head = apply(task(), cmd(Action.SUBMIT, LEAD, "cb", on_behalf_of="gd",
                                 output=Output("Báo cáo")), NOW, CAL).record
    assert (for_head.submitted_by, for_head.submitted_for) == ("cb", "gd")
    err = refusal(for_head, cmd(Action.APPROVE, BOSS, "gd"))
    assert err.code == Code.FORBIDDEN
    # Someone else may; a return forgets who submitted.
    validate(for_head, cmd(Action.APPROVE, BOSS, "ct"), NOW)
    back = apply(for_head, cmd(Action.RETURN, BOSS, "ct", note="Bổ sung số liệu"), NOW,
                 CAL).record
    assert back.submitted_for is None
    # Histories recorded before the rule replay as they ran.
    validate(for_head, cmd(Action.APPROVE, BOSS, "gd"), NOW, principals=False)


def test_a_new_deadline_set_by_the_assigner_re_plans_the_ladder() -> None:
    """changeDeadline moves the deadline as an approved extension does (the ladder re-planned
    from now, the overdue count afresh), answers a pending request, and keeps the old deadline
    in the trail; it may also bring the deadline forward. The lead may not."""
    late = task(deadline=NOW - timedelta(days=4), overdue_reminders=4, flagged=True,
                extension=ExtensionRequest(NOW + timedelta(days=20), "r", "cb", NOW))
    new = datetime(2026, 12, 18, 17, tzinfo=VN_TZ)
    change = cmd(Action.CHANGE_DEADLINE, BOSS, "ct", note="Điều chỉnh kế hoạch", new_deadline=new)
    validate(late, change, NOW)
    after = apply(late, change, NOW, CAL).record
    assert (after.deadline, after.replanned_at, after.overdue_reminders, after.flagged) == (
        new, NOW, 0, False)
    assert after.extension is None and after.state is TaskState.IN_PROGRESS
    event = apply(late, change, NOW, CAL).event
    assert event.action == "change_deadline" and event.note == "Điều chỉnh kế hoạch"
    assert event.data["previous_deadline"] == late.deadline.isoformat()
    sooner = cmd(Action.CHANGE_DEADLINE, BOSS, "ct", note="Cần sớm hơn",
                 new_deadline=DEADLINE - timedelta(days=5))
    validate(task(), sooner, NOW)
    assert apply(task(), sooner, NOW, CAL).record.deadline == DEADLINE - timedelta(days=5)
    assert refusal(task(), replace(change, relations=LEAD, actor_id="cb")).code == Code.FORBIDDEN
    superior = replace(change, relations=[Relation.ASSIGNER_SUPERIOR], actor_id="cttinh")
    validate(task(), superior, NOW)


def test_a_new_deadline_sent_again_with_its_key_changes_nothing() -> None:
    """A retried changeDeadline (same actor, key and deadline) is taken already: not refused
    as the deadline in force, and not applied again; another's key, or another deadline under
    the same key, is a request of its own."""
    new = DEADLINE + timedelta(days=4)
    first = cmd(Action.CHANGE_DEADLINE, BOSS, "ct", note="r", new_deadline=new, client_key="k1")
    after = apply(task(), first, NOW, CAL).record
    assert after.deadline_request == "ct\nk1"
    assert repeated(after, first)
    validate(after, first, NOW)
    other = replace(first, actor_id="pct", relations=[Relation.ASSIGNER_SUPERIOR])
    assert not repeated(after, other)
    assert field_codes(after, other) == {("deadline", "DEADLINE_UNCHANGED")}
    assert not repeated(after, replace(first, new_deadline=new + timedelta(days=1)))
    assert not repeated(after, replace(first, client_key=None))
