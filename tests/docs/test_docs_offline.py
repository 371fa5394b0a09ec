"""/docs and /redoc render in a real browser with every request outside the app cut off."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Route, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def served(app) -> Iterator[str]:
    """The app on a loopback port, for a browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def offline_page(served) -> Iterator[tuple[Page, list[tuple[str, str]]]]:
    """A headless Chromium page whose requests outside the app are aborted (and noted)."""
    outside: list[tuple[str, str]] = []

    def cut_off(route: Route) -> None:
        if route.request.url.startswith(served + "/"):
            route.continue_()
        else:
            outside.append((route.request.resource_type, route.request.url))
            route.abort("internetdisconnected")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context()
        context.route("**/*", cut_off)
        yield context.new_page(), outside
        browser.close()


def rendered_operations_while_scrolling(page: Page) -> set[tuple[str, str]]:
    """Every (method, path) Swagger UI draws, scrolling to the end: it renders a long
    operation list virtually, only the rows in view are in the document at a time."""
    seen: set[tuple[str, str]] = set()
    last_scroll = -1
    while True:
        seen |= {tuple(row) for row in page.evaluate(
            """() => [...document.querySelectorAll('.opblock-summary')].map(row => [
                row.querySelector('.opblock-summary-method').innerText.toLowerCase(),
                row.querySelector('.opblock-summary-path').dataset.path])""")}
        scroll = page.evaluate("() => window.scrollY")
        if scroll == last_scroll:
            return seen
        last_scroll = scroll
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(100)


def test_swagger_ui_renders_every_operation_offline(served, offline_page):
    page, outside = offline_page
    outside.clear()
    spec = page.request.get(f"{served}/openapi.json").json()
    operations = {(method, path) for path, item in spec["paths"].items()
                  for method in item if method in {"get", "post", "put", "patch", "delete"}}
    page.goto(f"{served}/docs")
    page.locator(".opblock-summary-path").first.wait_for(timeout=30_000)
    assert rendered_operations_while_scrolling(page) == operations
    assert outside == []


def test_redoc_renders_operations_offline(served, offline_page):
    page, outside = offline_page
    outside.clear()
    page.goto(f"{served}/redoc")
    page.locator("h2", has_text="Report a problem").first.wait_for(timeout=30_000)
    # ReDoc's own "powered by" logo is an image it hides when it cannot load; nothing the
    # page needs (scripts, styles, fonts, data) comes from outside.
    assert [kind for kind, _url in outside if kind != "image"] == []
