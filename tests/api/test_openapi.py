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


def test_every_error_response_is_documented_as_a_problem(client):
    spec = client.get("/openapi.json").get_json()
    components = spec["components"]["responses"]
    wrong = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, declared in operation["responses"].items():
                if status != "default" and int(status) < 400:
                    continue
                response = (components[declared["$ref"].rsplit("/", 1)[1]]
                            if "$ref" in declared else declared)
                content = response.get("content", {})
                if list(content) != ["application/problem+json"] or content[
                        "application/problem+json"]["schema"] != {
                        "$ref": "#/components/schemas/Problem"}:
                    wrong.append(f"{method.upper()} {path} {status}")
    assert wrong == []


def test_docs_pages_load_their_assets_from_the_app(client):
    for page in ("/docs", "/redoc"):
        html = client.get(page).get_data(as_text=True)
        assert "/static/docs/" in html
        assert "https://" not in html
    for asset in ("/static/docs/swagger-ui/swagger-ui-bundle.js",
                  "/static/docs/swagger-ui/swagger-ui.css",
                  "/static/docs/redoc/redoc.standalone.js"):
        response = client.get(asset)
        assert response.status_code == 200
        assert len(response.get_data()) > 100_000
        response.close()
