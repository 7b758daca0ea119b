"""Domain errors.  Services raise these; views turn them into form errors, flashes or JSON
error bodies that name the field (FlaskBB's pattern)."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a user-correctable problem, never a 500."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    """Bad input: ``field`` names the offending form field, CSV column or JSON key."""


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    """The request conflicts with current state (illegal state transition, duplicate)."""

    status_code = 409
