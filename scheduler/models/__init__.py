"""Workforce-scheduling domain models.  Importing this package registers every table."""

from scheduler.models.org import Site, Team
from scheduler.models.users import ROLES, Role, User, UserRole
from scheduler.models.queues import Queue, SpecialDay, ContactHistory
from scheduler.models.agents import Agent, AgentSkill, EmploymentType
from scheduler.models.rosters import (
    ActivityKind,
    Roster,
    RosterVersion,
    Shift,
    ShiftActivity,
    ShiftTemplate,
    VersionStatus,
)
from scheduler.models.timeoff import TimeOff, RequestStatus
from scheduler.models.jobs import Job, JobStatus
from scheduler.models.audit import AuditLog
from scheduler.models.notifications import Notification
from scheduler.models.periodic import PeriodicJob, PeriodicRun
from scheduler.models.selfservice import OFF, PreferenceKind, ShiftPreference, SwapRequest, SwapStatus  # noqa: F401
from scheduler.models.handover import HandoverNote  # noqa: F401
from scheduler.planning.models import ForecastInterval, ForecastRun, StaffingRequirement  # noqa: F401

__all__ = [
    "ActivityKind", "Agent", "AgentSkill", "AuditLog", "ContactHistory", "EmploymentType", "Job",
    "JobStatus", "Notification", "PeriodicJob", "PeriodicRun", "Queue", "RequestStatus", "ROLES", "Role", "Roster", "RosterVersion",
    "Shift", "ShiftActivity", "ShiftTemplate", "Site", "SpecialDay", "Team", "TimeOff", "User",
    "UserRole", "VersionStatus",
]
