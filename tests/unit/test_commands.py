"""Workflow actions are typed commands: each route's schema builds its command, and the
workflow has a handler for every command."""

from datetime import UTC, datetime

import pytest
from marshmallow import ValidationError

from grid_api.cases import commands, workflow
from models.case import CaseAction


def _command_classes():
    found, todo = set(), [commands.Command]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found


def test_every_command_has_a_handler_and_a_route():
    assert set(workflow.HANDLERS) == _command_classes()
    assert {route.schema.command for route in commands.ROUTES} == (
        _command_classes() - set(commands.SYSTEM_COMMANDS))


def test_every_action_a_user_takes_has_a_route():
    reachable = {route.schema.command.action for route in commands.ROUTES}
    reachable.add(CaseAction.deny_extension)  # the decision route carries approve: false
    system_only = {command.action for command in commands.SYSTEM_COMMANDS}
    assert reachable == set(CaseAction) - system_only
    assert not reachable & system_only


@pytest.mark.parametrize(("schema", "body", "expected"), [
    (commands.RejectSchema, {"reason": "duplicate", "duplicate_of": 7},
     commands.Reject(reason="duplicate", duplicate_of=7)),
    (commands.ReassignSchema, {"unit_id": 3, "note": "属地调整"},
     commands.Reassign(unit_id=3, note="属地调整")),
    (commands.ExtensionRequestSchema, {"until": "2031-01-02T09:00:00+08:00", "note": "等配件"},
     commands.RequestExtension(until=datetime(2031, 1, 2, 1, tzinfo=UTC), note="等配件")),
    (commands.CommentSchema, {"note": "已联系"}, commands.Comment(note="已联系")),
])
def test_a_request_body_loads_as_its_typed_command(schema, body, expected):
    assert schema().load(body) == expected


def test_the_decision_command_names_approve_or_deny():
    assert commands.DecideExtension(approve=True).case_action is CaseAction.approve_extension
    assert commands.DecideExtension(approve=False).case_action is CaseAction.deny_extension


@pytest.mark.parametrize(("schema", "body", "field"), [
    (commands.ReassignSchema, {"unit_id": 3}, "note"),
    (commands.ReturnSchema, {"reason": "not_mine"}, "reason"),
    (commands.RatingSchema, {"score": 6}, "score"),
])
def test_a_body_missing_what_its_command_needs_is_refused(schema, body, field):
    with pytest.raises(ValidationError) as refused:
        schema().load(body)
    assert field in refused.value.messages
