"""The JSON API: bearer tokens, the same role and team checks as the pages, the OpenAPI
document covering every route, exports, all-or-nothing agent import, and a fuzz run."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from scheduler.accounts import issue_api_token
from scheduler.db import db
from scheduler.models import Agent, SwapRequest, SwapStatus, User, UserRole
from tests.selfservice_center import build_center


def _token(username: str) -> dict[str, str]:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    token = issue_api_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_every_api_route_is_in_the_openapi_document(app, client) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method.lower()) not in documented:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_token_auth_and_scopes_of_shifts(app, client) -> None:
    c = build_center()
    assert client.get("/api/v1/shifts").status_code == 401
    assert client.get("/api/v1/shifts", headers={"Authorization": "Bearer wrong"}).status_code == 401
    q = {"start": c.start.isoformat(), "days": 7}
    mine = client.get("/api/v1/shifts", query_string=q, headers=_token("agent")).get_json()
    assert {s["agent_id"] for s in mine} == {c.agent("agent").id} and len(mine) == 5
    team = client.get("/api/v1/shifts", query_string=q, headers=_token("supervisor")).get_json()
    assert {s["agent_id"] for s in team} == {a.id for a in c.members("supervisor")}
    everyone = client.get("/api/v1/shifts", query_string=q, headers=_token("planner")).get_json()
    assert len({s["agent_id"] for s in everyone}) == db.session.scalar(sa.select(sa.func.count()).select_from(Agent))
    # the same role checks as the pages
    assert client.get("/api/v1/rosters", headers=_token("agent")).status_code == 403
    assert client.get("/api/v1/queues", headers=_token("agent")).status_code == 403
    assert client.get("/api/v1/rosters", headers=_token("planner")).get_json()[0]["versions"][0]["number"] == 1


def test_swap_through_the_api_and_cross_team_denial(app, client) -> None:
    c = build_center()
    me, mate = c.agent("agent"), c.agent("agent004")
    resp = client.post("/api/v1/requests/swaps", json={"colleague_id": mate.id, "requester_day": c.start.isoformat()},
                       headers=_token("agent"))
    assert resp.status_code == 201, resp.get_json()
    swap_id = resp.get_json()["id"]
    refused = client.post("/api/v1/requests/swaps", headers=_token("agent005"),
                          json={"colleague_id": mate.id, "requester_day": c.start.isoformat()})
    assert refused.status_code == 422 and "rest" in {v["rule"] for v in refused.get_json()["error"]["violations"]}
    assert client.post(f"/api/v1/requests/swaps/{swap_id}/answer", json={"answer": "accept"},
                       headers=_token("agent004")).status_code == 200
    denied = client.post(f"/api/v1/requests/swaps/{swap_id}/decision", json={"decision": "approve"},
                         headers=_token("supervisor31"))
    assert denied.status_code == 403
    listed = client.get("/api/v1/requests?scope=team", headers=_token("supervisor")).get_json()
    assert [s["id"] for s in listed["swaps"]] == [swap_id]
    ok = client.post(f"/api/v1/requests/swaps/{swap_id}/decision", json={"decision": "approve"},
                     headers=_token("supervisor"))
    assert ok.status_code == 200 and ok.get_json()["status"] == SwapStatus.APPROVED
    assert db.session.get(SwapRequest, swap_id).result_version_id is not None


def test_session_writes_need_csrf(app, client) -> None:
    from tests.conftest import login

    c = build_center()
    login(client, "agent", "demo-pass-2026")
    day = (c.start + timedelta(days=10)).isoformat()
    resp = client.post("/api/v1/requests/timeoff", json={"start_date": day, "end_date": day})
    assert resp.status_code == 400 and resp.get_json()["error"]["field"] == "csrf_token"
    assert client.post("/api/v1/requests/timeoff", json={"start_date": day, "end_date": day},
                       headers=_token("agent")).status_code == 201


def test_roster_export_csv_and_xlsx_with_translated_headers(app, client) -> None:
    c = build_center()
    roster_id = c.version.roster_id
    resp = client.get(f"/api/v1/rosters/{roster_id}/export?format=csv", headers=_token("planner"))
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Employee number", "Agent", "Team", "Date"]
    assert len(rows) - 1 == db.session.scalar(sa.text("SELECT count(*) FROM shifts"))
    zh = client.get(f"/api/v1/rosters/{roster_id}/export?format=xlsx", headers={**_token("planner"),
                                                                               "Accept-Language": "zh-TW"})
    ws = load_workbook(io.BytesIO(zh.data)).worksheets[0]
    header = [cell.value for cell in next(ws.iter_rows(max_row=1))]
    assert header[0] != "Employee number" and len(header) == 8
    assert ws.max_row == len(rows)


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_agent_import_is_all_or_nothing_with_row_errors(app, client) -> None:
    c = build_center()
    team = db.session.get(Agent, c.agent("agent").id).team.name
    header = ["employee_no", "username", "display_name", "team", "skills", "night_ok"]
    good = [header, ["E90001", "newbie1", "New One", team, "RETAIL", "no"], ["E90002", "newbie2", "New Two", team, "RETAIL;CARDS", "1"]]
    bad = good + [["E90001", "newbie3", "", "Nowhere", "MARS", "maybe"]]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Agent))
    resp = client.post("/api/v1/agents/import", headers=_token("planner"),
                       data={"file": (io.BytesIO(_xlsx(bad)), "agents.xlsx")})
    assert resp.status_code == 400
    errors = {(e["row"], e["column"]) for e in resp.get_json()["error"]["rows"]}
    assert {(4, "employee_no"), (4, "display_name"), (4, "team"), (4, "skills"), (4, "night_ok")} <= errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agent)) == before
    text = "\n".join(",".join(r) for r in good).encode()
    resp = client.post("/api/v1/agents/import", headers=_token("planner"), data={"file": (io.BytesIO(text), "a.csv")})
    assert resp.get_json() == {"created": 2, "dry_run": False}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agent)) == before + 2
    assert client.post("/api/v1/agents/import", headers=_token("supervisor"),
                       data={"file": (io.BytesIO(text), "a.csv")}).status_code == 403


@pytest.mark.slow
def test_openapi_fuzz_finds_no_server_errors(app) -> None:
    """Schemathesis generates requests from the OpenAPI document and sends them to the app
    in-process (WSGI) with a token of a user holding every role in the API."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    c = build_center()
    user = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
    user.roles += [UserRole(role="planner")]
    db.session.commit()
    auth = _token("supervisor")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        op = result.ok()

        @given(case=op.as_strategy())
        @settings(max_examples=12, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            resp = case.call(headers=auth)
            if resp.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} {case.body!r}: {resp.status_code}")

        run()
    assert c.version is not None
    assert failures == []
