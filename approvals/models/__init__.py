"""The cases and what hangs off them. One module per concept:

- case: Case (what every kind of case shares), its viewflow process, materials, decisions
- application, change_request, authorisation: the kinds of case (registration, changes, the
  way from filed to authorised to issue)
- timeline: the append-only, hash-chained case events and the chain's signed checkpoints
- issued: documents and e-mails the system issued
- clock: the time limit of the step a case is in
- notices: in-app notifications and each official's choice of e-mails
- event_details: a timeline entry's detail, stored in no language, shown in the reader's
- export: a list exported in the background, with its progress
- dashboard: the dashboards' figures per scope, computed in the background
"""

from . import event_details
from .application import Application
from .authorisation import Authorisation, GeneralTestItem
from .case import Case, CaseProcess, Decision, Material, Outcome
from .change_request import ChangeKind, ChangeRequest
from .clock import ClockState, Step, StepClock
from .dashboard import DashboardFigures
from .export import Export
from .issued import CaseDocument, DocumentSerial, Notification
from .notices import Notice, NoticeSettings
from .timeline import Action, AuditChainHead, AuditCheckpoint, CaseEvent

__all__ = [
    "Action",
    "Application",
    "AuditChainHead",
    "AuditCheckpoint",
    "Authorisation",
    "GeneralTestItem",
    "Case",
    "CaseDocument",
    "DocumentSerial",
    "CaseEvent",
    "CaseProcess",
    "ChangeKind",
    "ChangeRequest",
    "ClockState",
    "Notice",
    "NoticeSettings",
    "Step",
    "StepClock",
    "DashboardFigures",
    "Decision",
    "Export",
    "event_details",
    "Material",
    "Notification",
    "Outcome",
]
