"""The persistent domain: SQLAlchemy models (no Flask here)."""

from models.area import Area, AreaLevel, AreaVersion
from models.attachment import Attachment
from models.base import Base
from models.calendar import CalendarDay
from models.case import Case, CaseAction, CaseEvent, CaseStatus
from models.case_counter import CaseCounter
from models.category import Category, CategoryKind
from models.checkin import CheckIn
from models.counter import EventCounter
from models.device import Device, PushDelivery
from models.evaluation import EvaluationSetting
from models.export import Export
from models.follow import CaseFollower
from models.grid_generation import GridGenerationJob
from models.idempotency import IdempotencyKey
from models.integration import (
    ApiKey,
    ClientCase,
    IntegrationClient,
    WebhookDelivery,
    WebhookEndpoint,
)
from models.missed_report import MissedReport, MissedReportScan
from models.notification import Notification
from models.outbox import OutboxMessage
from models.outcome import CaseOutcome, OutcomeKind
from models.patrol import Patrol, PatrolCellDay, PatrolFix
from models.question import CaseAnswers, CategoryQuestion
from models.routing import RoutingRule
from models.sync import SyncOperation, SyncPhoto
from models.tally import HeatChange, HeatTally, Tally, TallyChange, TallySetting
from models.unit import Unit
from models.user import (
    GridAssignment,
    RefreshToken,
    Role,
    TokenFamily,
    User,
)
from models.watch import WatchArea, WatchNotice

__all__ = [
    "ApiKey",
    "Area",
    "AreaLevel",
    "AreaVersion",
    "Attachment",
    "Base",
    "CalendarDay",
    "Case",
    "CaseAction",
    "CaseAnswers",
    "CaseCounter",
    "CaseEvent",
    "CaseStatus",
    "Category",
    "CategoryKind",
    "CategoryQuestion",
    "CheckIn",
    "ClientCase",
    "Device",
    "EvaluationSetting",
    "EventCounter",
    "Export",
    "GridAssignment",
    "GridGenerationJob",
    "IdempotencyKey",
    "IntegrationClient",
    "MissedReport",
    "MissedReportScan",
    "Notification",
    "OutboxMessage",
    "Patrol",
    "PatrolCellDay",
    "PatrolFix",
    "PushDelivery",
    "RefreshToken",
    "Role",
    "RoutingRule",
    "SyncOperation",
    "SyncPhoto",
    "TokenFamily",
    "Unit",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
]
__all__ += ["CaseFollower", "CaseOutcome", "OutcomeKind", "WatchArea", "WatchNotice"]
__all__ += ["HeatChange", "HeatTally", "Tally", "TallyChange", "TallySetting"]
