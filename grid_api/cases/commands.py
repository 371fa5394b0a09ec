"""Workflow actions as typed commands, each with the request schema that builds it and the
route that takes it. The actions API is generated from :data:`ROUTES`; the workflow runs
one handler per command class."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from marshmallow import Schema, fields, post_load, validate

from grid_api.infra.timestamps import DateTimeInput
from models.case import CaseAction

REJECT_REASONS = ("duplicate", "invalid", "out_of_scope", "other")
# Public outcomes a decision may state outright (a duplicate follows from its reason).
CLOSE_OUTCOMES = ("fixed", "not_fixable_now", "not_our_responsibility")
REJECT_OUTCOMES = ("invalid", "not_fixable_now", "not_our_responsibility")
RETURN_REASONS = ("not_our_responsibility", "wrong_location", "insufficient_information",
                  "other")
NOTE_LENGTH = validate.Length(min=1, max=2000)


@dataclass(frozen=True, kw_only=True)
class Command:
    """What every step may record on the timeline."""

    action: ClassVar[CaseAction]
    note: str | None = None
    reason: str | None = None
    internal: bool = False

    @property
    def case_action(self) -> CaseAction:
        return self.action


@dataclass(frozen=True, kw_only=True)
class Register(Command):
    action = CaseAction.register


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """The public outcome a closing or rejecting decision states (``cases.outcomes``)."""

    outcome: str | None = None
    outcome_reason: str | None = None
    responsible_body: str | None = None


@dataclass(frozen=True, kw_only=True)
class Reject(Outcome, Command):
    action = CaseAction.reject
    reason: str
    duplicate_of: int | None = None


@dataclass(frozen=True, kw_only=True)
class Dispatch(Command):
    action = CaseAction.dispatch
    unit_id: int


@dataclass(frozen=True, kw_only=True)
class Reassign(Dispatch):
    action = CaseAction.reassign
    note: str


@dataclass(frozen=True, kw_only=True)
class Accept(Command):
    action = CaseAction.accept


@dataclass(frozen=True, kw_only=True)
class Return(Command):
    action = CaseAction.return_
    reason: str


@dataclass(frozen=True, kw_only=True)
class RequestExtension(Command):
    action = CaseAction.request_extension
    until: datetime
    note: str


@dataclass(frozen=True, kw_only=True)
class DecideExtension(Command):
    action = CaseAction.approve_extension
    approve: bool

    @property
    def case_action(self) -> CaseAction:
        return CaseAction.approve_extension if self.approve else CaseAction.deny_extension


@dataclass(frozen=True, kw_only=True)
class Defer(Command):
    action = CaseAction.defer
    note: str


@dataclass(frozen=True, kw_only=True)
class Resolve(Command):
    action = CaseAction.resolve
    note: str


@dataclass(frozen=True, kw_only=True)
class HandleOnSite(Command):
    """自行处置: the system's step once the reporter's before and after photos are in."""

    action = CaseAction.handle_on_site
    before_photo_id: int
    after_photo_id: int


@dataclass(frozen=True, kw_only=True)
class Verify(Command):
    action = CaseAction.verify


@dataclass(frozen=True, kw_only=True)
class Reopen(Command):
    action = CaseAction.reopen
    note: str


@dataclass(frozen=True, kw_only=True)
class Close(Outcome, Command):
    action = CaseAction.close
    outcome: str = "fixed"


@dataclass(frozen=True, kw_only=True)
class Comment(Command):
    action = CaseAction.comment
    note: str


@dataclass(frozen=True, kw_only=True)
class Rate(Command):
    action = CaseAction.rate
    score: int


@dataclass(frozen=True, kw_only=True)
class Dispute(Command):
    action = CaseAction.dispute
    note: str


@dataclass(frozen=True, kw_only=True)
class MarkUrgent(Command):
    action = CaseAction.mark_urgent
    urgent: bool


# Steps only the system takes: no route, no request schema.
SYSTEM_COMMANDS: tuple[type[Command], ...] = (HandleOnSite,)


# --- request schemas: each loads its command ---------------------------------------------

class CommandSchema(Schema):
    command: ClassVar[type[Command]]
    note = fields.String(validate=NOTE_LENGTH)

    @post_load
    def _build(self, data: dict[str, Any], **_kwargs: Any) -> Command:
        return self.command(**data)


class RequiredNoteSchema(CommandSchema):
    note = fields.String(required=True, validate=NOTE_LENGTH)


def _schema(name: str, command: type[Command], base: type[CommandSchema] = CommandSchema,
            **declared: fields.Field) -> type[CommandSchema]:
    return type(name, (base,), {"command": command, **declared})


RegisterSchema = _schema("RegisterCaseSchema", Register)
OUTCOME_REASON = fields.String(validate=validate.Length(min=1, max=500), metadata={
    "description": "Public: why it cannot be fixed now (`not_fixable_now` needs it)"})
RESPONSIBLE_BODY = fields.String(validate=validate.Length(min=1, max=100), metadata={
    "description": "Public: the body it belongs to, by name (`not_our_responsibility` "
                   "needs it)"})
RejectSchema = _schema(
    "RejectSchema", Reject, reason=fields.String(
        required=True, validate=validate.OneOf(REJECT_REASONS)), duplicate_of=fields.Integer(),
    outcome=fields.String(validate=validate.OneOf(REJECT_OUTCOMES), metadata={
        "description": "The public outcome; follows from `reason` unless it is `other`"}),
    outcome_reason=OUTCOME_REASON, responsible_body=RESPONSIBLE_BODY)
DispatchSchema = _schema("DispatchSchema", Dispatch, unit_id=fields.Integer(required=True))
ReassignSchema = _schema("ReassignSchema", Reassign, RequiredNoteSchema,
                         unit_id=fields.Integer(required=True))
AcceptSchema = _schema("AcceptSchema", Accept)
ReturnSchema = _schema("ReturnSchema", Return, reason=fields.String(
    required=True, validate=validate.OneOf(RETURN_REASONS)))
ExtensionRequestSchema = _schema("ExtensionRequestSchema", RequestExtension, RequiredNoteSchema,
                                 until=DateTimeInput(required=True))
ExtensionDecisionSchema = _schema("ExtensionDecisionSchema", DecideExtension,
                                  approve=fields.Boolean(required=True))
DeferSchema = _schema("DeferSchema", Defer, RequiredNoteSchema)
ResolveSchema = _schema("ResolveSchema", Resolve, RequiredNoteSchema)
VerifySchema = _schema("VerifySchema", Verify)
ReopenSchema = _schema("ReopenSchema", Reopen, RequiredNoteSchema)
CloseSchema = _schema(
    "CloseSchema", Close, outcome=fields.String(validate=validate.OneOf(CLOSE_OUTCOMES),
                                                metadata={"description": "The public outcome "
                                                                         "(default `fixed`)"}),
    outcome_reason=OUTCOME_REASON, responsible_body=RESPONSIBLE_BODY)
CommentSchema = _schema("CommentSchema", Comment, RequiredNoteSchema, internal=fields.Boolean(
    load_default=False, metadata={"description": "Staff only: hidden from residents"}))
RatingSchema = _schema("RatingSchema", Rate, score=fields.Integer(
    required=True, validate=validate.Range(min=1, max=5)))
DisputeSchema = _schema("DisputeSchema", Dispute, RequiredNoteSchema)
UrgentSchema = _schema("UrgentSchema", MarkUrgent, urgent=fields.Boolean(required=True))


@dataclass(frozen=True)
class ActionRoute:
    """``POST /cases/{id}/<path>``: the schema that builds the command, and the summary."""

    path: str
    endpoint: str
    schema: type[CommandSchema]
    summary: str


ROUTES: tuple[ActionRoute, ...] = (
    ActionRoute("register", "case_register", RegisterSchema,
                "立案: a supervisor accepts the report."),
    ActionRoute("reject", "case_reject", RejectSchema,
                "不予立案: a supervisor rejects the report (`duplicate` needs `duplicate_of`, "
                "whose follower the reporter becomes; `out_of_scope` needs "
                "`responsible_body`)."),
    ActionRoute("dispatch", "case_dispatch", DispatchSchema,
                "派遣: a supervisor sends the case to a unit; the handling clock starts."),
    ActionRoute("reassign", "case_reassign", ReassignSchema,
                "改派: a supervisor moves the case to another unit, with a reason."),
    ActionRoute("accept", "case_accept", AcceptSchema, "The unit takes the case on."),
    ActionRoute("return", "case_return", ReturnSchema,
                "回退: the unit says the case is not theirs, with a reason code."),
    ActionRoute("extend", "case_request_extension", ExtensionRequestSchema,
                "延期: the unit asks for a later deadline; a supervisor decides."),
    ActionRoute("defer", "case_defer", DeferSchema,
                "缓办: a supervisor takes the case out of on-time statistics."),
    ActionRoute("resolve", "case_resolve", ResolveSchema,
                "The unit reports the fix (after-photos first where the category demands "
                "them)."),
    ActionRoute("verify", "case_verify", VerifySchema,
                "核查: the cell's grid worker (or a supervisor) confirms the fix on site."),
    ActionRoute("reopen", "case_reopen", ReopenSchema,
                "返工: verification failed; the case goes back to the unit."),
    ActionRoute("close", "case_close", CloseSchema,
                "结案: a supervisor closes the verified case, stating its public outcome."),
    ActionRoute("urgent", "case_urgent", UrgentSchema,
                "急要件: a supervisor marks the case urgent (shorter limits) or clears the "
                "mark."),
    ActionRoute("comments", "case_comment", CommentSchema,
                "A comment on the timeline (`internal` ones are for staff only)."),
    ActionRoute("rating", "case_rate", RatingSchema,
                "The reporter rates the closed case, 1–5."),
    ActionRoute("dispute", "case_dispute", DisputeSchema,
                "The reporter disputes the result within the dispute window; the case "
                "reopens."),
    ActionRoute("extend/decision", "case_extension_decision", ExtensionDecisionSchema,
                "A supervisor approves (the deadline moves) or denies a requested extension."),
)
