"""/metrics for admins, and the orchestrator's live/ready probes."""

from __future__ import annotations

from tests.store.fixtures import Api


def _scrape(api: Api) -> str:
    response = api.client.get("/metrics", headers=api.headers())
    assert response.status_code == 200, response.text
    return response.text


def test_metrics_count_requests_by_route_template_and_queries_by_dataset(api_sqlite: Api) -> None:
    h = api_sqlite.headers()
    for key in ("items", "sales", "nope"):
        api_sqlite.client.get(f"/api/datasets/{key}", headers=h)
    api_sqlite.client.post("/api/query", json={"dataset": "items", "page_size": 5}, headers=h)
    text = _scrape(api_sqlite)
    assert 'route="/api/datasets/{key}",status="200"' in text
    assert 'aurora_http_errors_total{route="/api/datasets/{key}",status="404"} 1.0' in text
    assert "/api/datasets/items" not in text  # raw paths never become labels
    assert 'aurora_query_seconds_count{dataset="items",status="ok"} 1.0' in text
    assert "aurora_query_queue_depth 0.0" in text
    assert "aurora_export_jobs" in text


def test_metrics_are_for_admins_only(api_sqlite: Api) -> None:
    viewer = api_sqlite.new_user("vera")
    assert api_sqlite.client.get("/metrics", headers=viewer).status_code == 403
    assert api_sqlite.client.get("/metrics").status_code == 401


def test_live_and_ready_answer_without_credentials(api_sqlite: Api) -> None:
    for path in ("/api/health/live", "/api/health/ready"):
        response = api_sqlite.client.get(path)
        assert response.status_code == 200 and response.json()["status"] == "ok"
