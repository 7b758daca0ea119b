import re
from tests.conftest import login
from tests.selfservice_center import build_center
def test_smoke(app, client):
    c = build_center()
    assert login(client, "agent", "demo-pass-2026").status_code == 302
    for path in ["/me/", f"/me/?day={c.start.isoformat()}", "/me/month", f"/me/month?month={c.start.isoformat()[:7]}", "/me/requests", "/me/preferences", "/me/calendar", "/me/api-token"]:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[-3000:])
    html = client.get(f"/me/?day={c.start.isoformat()}").get_data(as_text=True)
    assert "Break" in html, html[-4000:]
