from fastapi.testclient import TestClient

from backend.main import create_app


def test_health_answers_without_credentials_and_names_the_adapter() -> None:
    client = TestClient(create_app())
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "adapter": "duckdb"}


def test_unknown_path_returns_the_contract_error_shape() -> None:
    client = TestClient(create_app())
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not Found", "details": []}
    }
