"""The OpenAPI document is valid OpenAPI 3 and the docs page is served."""

from openapi_spec_validator import validate


def test_openapi_document_validates(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert "/readyz" in spec["paths"]


def test_docs_page(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert b"swagger" in response.data.lower()
