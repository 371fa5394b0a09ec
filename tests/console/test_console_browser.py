"""The console in a real browser (Debian's Chromium driven by Playwright) against the real
app, PostGIS and Redis: a supervisor sees the map and dispatches from the queue; unit staff
see no supervisor actions. Screenshots of each main screen land in var/test-artifacts/."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from models.case import CaseStatus
from tests.factories import PASSWORD, make_case, make_grid_tree, make_unit, make_user

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "console"
RENDERED = ("(layer) => {const map = document.querySelector('#map').gridMap;"
            " return !!map && map.loaded() && map.queryRenderedFeatures("
            "{layers: [layer]}).length > 0;}")


@pytest.fixture
def city(committed) -> Iterator[dict]:
    with committed.new_session() as session:
        tree = make_grid_tree(session)
        unit = make_unit(session, name="西湖区城管局")
        supervisor = make_user(session, roles=("supervisor",), area=tree["district"])
        staff = make_user(session, roles=("unit_staff",), unit=unit)
        reporter = make_user(session)
        waiting = make_case(session, reporter=reporter, cell=tree["cells"][0])
        waiting.status, waiting.needs_manual_dispatch = CaseStatus.registered, True
        handled = make_case(session, reporter=reporter, cell=tree["cells"][1])
        handled.status, handled.unit_id = CaseStatus.dispatched, unit.id
        session.commit()
        yield {"supervisor": supervisor.phone, "staff": staff.phone, "waiting": waiting.code,
               "handled": handled.code, "unit": unit.name}


@pytest.fixture
def served(app, city) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(served) -> Iterator[Page]:
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"])
        context = browser.new_context(viewport={"width": 1920, "height": 1080},
                                      locale="zh-CN")

        def only_the_app(route):
            if route.request.url.startswith(served + "/"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort("internetdisconnected")

        context.route("**/*", only_the_app)
        opened = context.new_page()
        errors: list[str] = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        opened.on("console", lambda message: errors.append(message.text)
                  if message.type == "error" else None)
        opened.goto(f"{served}/console/")
        yield opened
        browser.close()
    assert outside == []
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []


def _sign_in(page: Page, phone: str) -> None:
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password]", PASSWORD)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#app")).to_be_visible(timeout=15_000)


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_a_supervisor_sees_the_city_and_dispatches_from_the_queue(page, city):
    _shot(page, "0-sign-in")
    _sign_in(page, city["supervisor"])
    page.wait_for_function(RENDERED, arg="districts-line", timeout=30_000)
    page.wait_for_function(RENDERED, arg="communities-line", timeout=30_000)
    _shot(page, "1-map")
    expect(page.locator('#queue-counts li[data-queue="manual_dispatch"] b')).to_have_text("1")

    page.click('[data-tab="queues"]')
    page.click('#queue-list li[data-queue="manual_dispatch"]')
    waiting = page.locator("#queue-cases li", has_text=city["waiting"])
    expect(waiting).to_have_count(1)
    waiting.click()
    expect(page.locator("#timeline li")).to_have_count(1)  # reported
    _shot(page, "2-queue-and-case")
    page.click('#case button[data-action="dispatch"]')
    page.select_option('form[data-form="dispatch"] select[name=unit_id]', label=city["unit"])
    page.click('form[data-form="dispatch"] button[type=submit]')
    expect(page.locator("#timeline li")).to_have_count(2, timeout=15_000)
    expect(page.locator("#timeline li").last).to_contain_text("dispatch")
    expect(page.locator("#queue-cases li", has_text=city["waiting"])).to_have_count(0)
    expect(page.locator('#queue-counts li[data-queue="manual_dispatch"] b')).to_have_text("0")

    page.click('[data-tab="overview"]')
    page.wait_for_selector("#chart canvas", timeout=15_000)
    _shot(page, "3-overview")


def test_unit_staff_see_no_supervisor_actions(page, city):
    _sign_in(page, city["staff"])
    page.wait_for_function(RENDERED, arg="case-points", timeout=30_000)
    page.evaluate("""(code) => {
        const map = document.querySelector('#map').gridMap;
        const point = map.queryRenderedFeatures({layers: ['case-points']})
            .find((feature) => feature.properties.code === code);
        map.fire('click', {point: map.project(point.geometry.coordinates),
                           lngLat: point.geometry.coordinates, features: [point]});
    }""", city["handled"])
    actions = page.locator("#case .actions button[data-action]")
    expect(actions.first).to_be_visible(timeout=15_000)
    offered = set(actions.evaluate_all("(buttons) => buttons.map((b) => b.dataset.action)"))
    assert offered == {"accept", "return", "comment"}
    _shot(page, "4-unit-staff-case")
