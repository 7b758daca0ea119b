"""The OpenAPI 3 description of ``/api/v1``, served at ``/api/v1/openapi.json``.

Written by hand next to the routes (the routes are few and stable); the test suite
checks that every ``/api/v1`` route appears here and fuzzes the API from this document.
"""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
DATE = {"type": "string", "format": "date"}


def _resp(schema: dict | None = None, description: str = "OK") -> dict:
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _resp(ERROR, "Bad input; ``field`` names it"),
    "401": _resp(ERROR, "No or bad bearer token"),
    "403": _resp(ERROR, "The role or team does not allow it"),
    "404": _resp(ERROR, "Not found"),
    "409": _resp(ERROR, "Conflicts with the current state"),
}


def _op(summary: str, ok: dict, *, params: list | None = None, body: dict | None = None, perms: str = "",
        ok_code: str = "200", extra: dict | None = None) -> dict:
    op: dict[str, Any] = {"summary": summary, "description": f"Permission: {perms}." if perms else "",
                          "responses": {ok_code: ok, **ERRORS, **(extra or {})}}
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def _q(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _p(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


def document() -> dict[str, Any]:
    ref = lambda name: {"$ref": f"#/components/schemas/{name}"}  # noqa: E731
    arr = lambda name: {"type": "array", "items": ref(name)}  # noqa: E731
    violations = {"description": "The swap breaks a roster rule", "content": {"application/json": {"schema": ERROR}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Contact Center WFM API", "version": "1",
                 "description": "Same permissions as the web pages. Authenticate with `Authorization: Bearer <token>` "
                                "(create the token on the \"API token\" page)."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OpenAPI document"}}}},
            "/queues": {"get": _op("Queues and their service targets", _resp(arr("Queue")), perms="staffing.view")},
            "/requirements": {"get": _op(
                "Staffing requirements per queue and interval", _resp(arr("Requirement")), perms="staffing.view",
                params=[_q("start", DATE, "first local day (default today)"),
                        _q("days", {"type": "integer", "minimum": 1, "maximum": 14}),
                        _q("queue", {"type": "string", "maxLength": 20})])},
            "/rosters": {"get": _op("Rosters and their versions", _resp(arr("Roster")), perms="roster.view")},
            "/rosters/{roster_id}/export": {"get": _op(
                "Export a published roster version as CSV or XLSX (translated headers)",
                {"description": "The file", "content": {"text/csv": {"schema": {"type": "string"}},
                                                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                                                            {"schema": {"type": "string", "format": "binary"}}}},
                perms="roster.view",
                params=[_p("roster_id"), _q("format", {"type": "string", "enum": ["csv", "xlsx"]}),
                        _q("version", {"type": "integer", "minimum": 1}, "version number (default latest)")])},
            "/shifts": {"get": _op(
                "Published shifts: own (agent), team (supervisor), all (planner)", _resp(arr("Shift")),
                perms="shifts.view_own, team.view or roster.view",
                params=[_q("start", DATE), _q("days", {"type": "integer", "minimum": 1, "maximum": 62})])},
            "/requests": {"get": _op(
                "My requests, or my team's open requests with scope=team", _resp(ref("Requests")),
                perms="requests.create or requests.approve",
                params=[_q("scope", {"type": "string", "enum": ["mine", "team"]})])},
            "/requests/timeoff": {"post": _op(
                "Ask for time off", _resp(ref("TimeOff"), "Created"), perms="requests.create", ok_code="201",
                body={"type": "object", "required": ["start_date", "end_date"],
                      "properties": {"start_date": DATE, "end_date": DATE,
                                     "kind": {"type": "string", "enum": ["vacation", "personal", "sick", "training"]},
                                     "reason": {"type": "string", "maxLength": 1000}}})},
            "/requests/timeoff/{item_id}/decision": {"post": _op(
                "Approve or reject a time-off request (own team only)", _resp(ref("TimeOff")),
                perms="requests.approve", params=[_p("item_id")], body=ref("Decision"))},
            "/requests/swaps": {"post": _op(
                "Offer a shift swap to a colleague (checked against the roster rules)", _resp(ref("Swap"), "Created"),
                perms="requests.create", ok_code="201", extra={"422": violations},
                body={"type": "object", "required": ["colleague_id", "requester_day"],
                      "properties": {"colleague_id": {"type": "integer", "minimum": 1}, "requester_day": DATE,
                                     "colleague_day": DATE, "note": {"type": "string", "maxLength": 500}}})},
            "/requests/swaps/{swap_id}/answer": {"post": _op(
                "The colleague accepts or declines; the requester cancels", _resp(ref("Swap")),
                perms="requests.create", params=[_p("swap_id")],
                body={"type": "object", "required": ["answer"],
                      "properties": {"answer": {"type": "string", "enum": ["accept", "decline", "cancel"]}}})},
            "/requests/swaps/{swap_id}/decision": {"post": _op(
                "Approve (publishes a new roster version) or reject a swap (own team only)", _resp(ref("Swap")),
                perms="requests.approve", params=[_p("swap_id")], body=ref("Decision"), extra={"422": violations})},
            "/agents/import": {"post": {
                "summary": "Import agents from CSV or XLSX; nothing is saved if any row has an error",
                "description": "Permission: agents.import. Columns: employee_no, username, display_name, team, skills "
                               "(queue codes separated by ;), optional email, employment_type, min_hours_week, "
                               "max_hours_week, night_ok, is_supervisor, hire_date, languages.",
                "parameters": [_q("dry_run", {"type": "string", "enum": ["0", "1"]})],
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}}}}}},
                "responses": {"200": _resp({"type": "object", "properties": {"created": {"type": "integer"},
                                                                             "dry_run": {"type": "boolean"}}}),
                              **ERRORS}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                    "status": {"type": "integer"}, "message": {"type": "string"}, "field": {"type": "string"}}}}},
                "Decision": {"type": "object", "required": ["decision"],
                             "properties": {"decision": {"type": "string", "enum": ["approve", "reject"]}}},
                "Queue": {"type": "object", "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"}, "open_24_7": {"type": "boolean"},
                    "sl_target": {"type": "number"}, "sl_seconds": {"type": "integer"},
                    "max_occupancy": {"type": "number"}, "shrinkage": {"type": "number"}}},
                "Requirement": {"type": "object", "properties": {
                    "queue": {"type": "string"}, "interval_start": {"type": "string", "format": "date-time"},
                    "agents_required": {"type": "integer"}, "agents_on_phone": {"type": "integer"},
                    "volume": {"type": "number"}, "aht_seconds": {"type": "number"}}},
                "Roster": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "start_date": DATE,
                    "days": {"type": "integer"}, "versions": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "number": {"type": "integer", "nullable": True},
                        "status": {"type": "string"},
                        "published_at": {"type": "string", "format": "date-time", "nullable": True}}}}}},
                "Shift": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "agent_id": {"type": "integer"}, "day": DATE, "code": {"type": "string"},
                    "start": {"type": "string", "format": "date-time"}, "end": {"type": "string", "format": "date-time"},
                    "roster_id": {"type": "integer"}, "version": {"type": "integer"},
                    "activities": {"type": "array", "items": {"type": "object", "properties": {
                        "kind": {"type": "string"}, "start": {"type": "string", "format": "date-time"},
                        "end": {"type": "string", "format": "date-time"},
                        "label": {"type": "string", "nullable": True}}}}}},
                "TimeOff": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "agent_id": {"type": "integer"}, "start_date": DATE, "end_date": DATE,
                    "kind": {"type": "string"}, "status": {"type": "string"},
                    "reason": {"type": "string", "nullable": True}}},
                "Swap": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "requester_id": {"type": "integer"}, "colleague_id": {"type": "integer"},
                    "requester_day": DATE, "colleague_day": DATE,
                    "requester_code": {"type": "string", "nullable": True},
                    "colleague_code": {"type": "string", "nullable": True}, "status": {"type": "string"},
                    "note": {"type": "string", "nullable": True},
                    "result_version_id": {"type": "integer", "nullable": True}}},
                "Requests": {"type": "object", "properties": {
                    "time_off": {"type": "array", "items": {"$ref": "#/components/schemas/TimeOff"}},
                    "swaps": {"type": "array", "items": {"$ref": "#/components/schemas/Swap"}}}},
            },
        },
    }
