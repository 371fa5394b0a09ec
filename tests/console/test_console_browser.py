"""The console in a real browser (Debian's Chromium driven by Playwright) against the real
app, PostGIS and Redis: a supervisor sees the map and dispatches from the queue, reads the
overview's figures, rankings and exports; unit staff see no supervisor actions and no
rankings. Screenshots of each main screen land in var/test-artifacts/."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import delete, select, update
from werkzeug.serving import make_server

from grid_api.infra.queues import QUEUE_NAMES
from models.case import Case, CaseStatus
from models.case_counter import CaseCounter
from models.category import Category
from models.question import CaseAnswers, CategoryQuestion, QuestionType
from tests.evaluation_city import CATEGORIES, build_city
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
        category_id = session.scalar(select(Category.id).where(Category.code == "E0104"))
        session.add(CategoryQuestion(
            category_id=category_id, code="drain", datatype=QuestionType.singlevaluelist,
            position=1, prompt_zh="井盖类型", prompt_en="Cover type",
            choices=[{"key": "rain", "name_zh": "雨水井", "name_en": "Storm drain"}]))
        session.add(CaseAnswers(case_id=waiting.id, answers={"drain": "rain"}))
        handled = make_case(session, reporter=reporter, cell=tree["cells"][1])
        handled.status, handled.unit_id = CaseStatus.dispatched, unit.id
        session.commit()
        yield {"supervisor": supervisor.phone, "staff": staff.phone, "waiting": waiting.code,
               "handled": handled.code, "unit": unit.name}
    with committed.new_session() as session:  # the taxonomy as seeded, for later tests
        session.execute(delete(CategoryQuestion).where(CategoryQuestion.code == "drain"))
        session.commit()


@pytest.fixture
def evaluated(committed) -> Iterator[dict]:
    """Cases walked through the real workflow this month and last: something to count.
    The taxonomy the city adjusts is put back afterwards (the wipe keeps categories)."""
    with committed.new_session() as session:
        kept = [(c.id, c.time_limits, c.allows_on_site_fix) for c in session.execute(
            select(Category).where(Category.code.in_(CATEGORIES))).scalars()]
        built = build_city(session, cases=45)
        # a few reported two months ago: a longer period on the map shows more
        earlier = built.case_ids[:5]
        session.execute(update(Case).where(Case.id.in_(earlier))
                        .values(created_at=Case.created_at - timedelta(days=60)))
        session.execute(update(CaseCounter).where(CaseCounter.case_id.in_(earlier))
                        .values(reported_at=CaseCounter.reported_at - timedelta(days=60)))
        session.commit()
        phones = {"supervisor": built.people["supervisor"].phone,
                  "staff": next(iter(built.people["unit_staff"].values())).phone}
    yield phones
    with committed.new_session() as session:
        for category_id, limits, on_site in kept:
            category = session.get(Category, category_id)
            category.time_limits, category.allows_on_site_fix = limits, on_site
        session.commit()


@pytest.fixture
def served(app, committed) -> Iterator[str]:
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
    # the answers it was filed with, under the category's prompts and choice names
    expect(page.locator("#case dl.answers dt")).to_have_text(re.compile("Cover type|井盖类型"))
    expect(page.locator("#case dl.answers dd")).to_have_text(re.compile("Storm drain|雨水井"))
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


def test_unit_staff_see_no_supervisor_actions(app, page, city):
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

    expect(page.locator("#heat-toggle")).to_be_hidden()  # the heat layer is supervisors'
    expect(page.locator("#hotspot-toggle")).to_be_hidden()
    page.click('[data-tab="overview"]')  # their unit's figures; no rankings, no city overview
    first, last = _this_month()
    theirs = _api(app, city["staff"])(f"/api/v1/stats/indicators?from={first}&to={last}")
    expect(page.locator('#kpis [data-kpi="dispatched"] b')).to_have_text(
        f"{theirs['total']['counts']['dispatched']:,}", timeout=15_000)
    expect(page.locator("#rank-error")).to_have_text("您的角色无权查看此项")
    expect(page.locator("#rank-kinds")).to_be_hidden()
    expect(page.locator("#rank-table")).to_be_hidden()
    expect(page.locator("#ov-headline")).to_be_hidden()


COUNTS = ("reported", "valid", "registered", "dispatched", "handled", "verified", "closed",
          "rejected", "reworked", "extended", "deferred", "returns", "overdue")
NAMES = {"reported": "上报", "registered": "立案", "closed": "结案", "rejected": "作废",
         "returns": "回退", "overdue": "超期"}
CHART = "echarts.getInstanceByDom(document.querySelector('#chart')).getOption()"
HEAT_DRAWN = ("() => { const map = document.querySelector('#map').gridMap;"
              " return map.getLayoutProperty('heat', 'visibility') === 'visible' && map.loaded()"
              " && map.querySourceFeatures('heat', {sourceLayer: 'heat'})"
              ".reduce((sum, f) => sum + f.properties.count, 0) > 0; }")
SAME_X_AXIS = f"(keys) => JSON.stringify({CHART}.xAxis[0].data) === JSON.stringify(keys)"


def _this_month() -> tuple[date, date]:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _api(app, phone: str):
    """The API as the same user, for the figures the page must show."""
    client = app.test_client()
    tokens = client.post("/api/v1/auth/login", json={"phone": phone, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {tokens.get_json()['access_token']}"}

    def get(path: str) -> dict:
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    def post(path: str, body: dict) -> dict:
        answer = client.post(path, json=body, headers=headers)
        assert answer.status_code < 300, answer.get_json()
        return answer.get_json()

    get.post = post
    return get


def _run_queued_jobs(app) -> None:
    connection = Redis.from_url(app.config["GRID_SETTINGS"].redis_url)
    SimpleWorker([Queue(name, connection=connection) for name in QUEUE_NAMES],
                 connection=connection).work(burst=True, with_scheduler=False)


def _kpis_show(page: Page, table: dict) -> None:
    for name in COUNTS:
        expect(page.locator(f'#kpis [data-kpi="{name}"] span')).to_have_text(
            NAMES.get(name, re.compile(".+")))
        expect(page.locator(f'#kpis [data-kpi="{name}"] b')).to_have_text(
            f"{table['total']['counts'][name]:,}")
    for name, rate in table["total"]["rates"].items():
        shown = "—" if rate["value"] is None else (
            f"{rate['value']:.2f}" if name == "mean_rating" else f"{rate['value']:.2f}%")
        expect(page.locator(f'#kpi-rates [data-rate="{name}"] b')).to_have_text(shown)
        expect(page.locator(f'#kpi-rates [data-rate="{name}"] small')).to_have_text(
            f"{rate['numerator']:,} / {rate['denominator']:,}")
    expect(page.locator('#kpi-rates [data-rate="on_time_closing_rate"] span')).to_have_text(
        "按期结案率")


def _ranking_explains(page: Page, ranked: list[dict]):
    page.click('[data-rank-kind="grid_worker"]')
    rows = page.locator("#rank-table > tbody > tr[data-key]")
    expect(rows).to_have_count(len(ranked), timeout=15_000)
    best = rows.first
    expect(best.locator("td").nth(1)).to_have_text(f"{ranked[0]['score']:.2f}")
    expect(best.locator(".grade")).to_have_text(ranked[0]["grade"])
    components = page.locator(f"#rank-grid_worker-{ranked[0]['key']} tr[data-component]")
    expect(components.first).to_be_hidden()
    best.locator("button[aria-expanded]").focus()
    page.keyboard.press("Enter")  # the keyboard opens the score's components
    expect(components).to_have_count(len(ranked[0]["components"]))
    expect(components.first).to_be_visible()
    expect(components.first.locator("td").first).to_have_text(
        ranked[0]["components"][0]["label"])
    return components


def _exported_csv(app, page: Page) -> str:
    page.click('[data-export="cases:csv"]')
    job = page.locator("#export-list li").first
    expect(job.locator(".status")).to_have_attribute("data-status", "queued", timeout=15_000)
    expect(job.locator("a.download")).to_have_count(0)
    _run_queued_jobs(app)
    link = job.locator("a.download")
    expect(link).to_be_visible(timeout=15_000)
    expect(job.locator(".status")).to_have_attribute("data-status", "done")
    with page.expect_download() as downloading:
        link.click()
    data = Path(downloading.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    return data.decode("utf-8-sig")


def _custom_range(page: Page, get, first: date, last: date) -> None:
    """A custom range: an inverted one is refused with the API's message, a good one shown."""
    page.select_option("#ov-period", "custom")
    expect(page.locator("#ov-from")).to_be_focused()
    page.fill("#ov-from", str(last))
    page.fill("#ov-to", str(first))
    page.press("#ov-to", "Enter")
    expect(page.locator("#ov-error")).not_to_be_empty(timeout=15_000)
    page.fill("#ov-from", str(first))
    page.fill("#ov-to", str(last))
    page.click("#ov-custom button[type=submit]")
    expect(page.locator("#ov-period-shown")).to_have_text(f"{first} – {last}", timeout=15_000)
    expect(page.locator("#ov-error")).to_be_empty()
    _kpis_show(page, get(f"/api/v1/stats/indicators?from={first}&to={last}&group_by=unit"))


COVERAGE_DRAWN = ("() => { const map = document.querySelector('#map').gridMap;"
                  " return map.getLayoutProperty('coverage', 'visibility') === 'visible'"
                  " && map.loaded() && map.querySourceFeatures('coverage',"
                  " {sourceLayer: 'coverage'}).length > 0; }")


def _coverage_drawn(page: Page) -> None:
    expect(page.locator("#coverage-toggle")).to_have_text("巡查覆盖（最近巡查）")
    page.click("#coverage-toggle")
    expect(page.locator("#coverage-toggle")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(COVERAGE_DRAWN, timeout=30_000)  # cells from the token-only tile
    _shot(page, "5-map-coverage")
    page.click("#coverage-toggle")  # off again: the screens after show the map as before


def _heat_drawn(page: Page) -> None:
    page.wait_for_function(RENDERED, arg="districts-line", timeout=30_000)
    expect(page.locator("#heat-toggle")).to_have_text("热力图")
    expect(page.locator("#layer-days")).to_have_value("30")
    page.click("#heat-toggle")
    expect(page.locator("#heat-toggle")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(HEAT_DRAWN, timeout=30_000)  # tiles asked with the token
    _shot(page, "5-map-heat")


HOTSPOTS_SEEN = """() => {
    const map = document.querySelector('#map').gridMap;
    const seen = {};
    for (const f of map.queryRenderedFeatures({layers: ['hotspots-fill']})) {
        if (f.properties.count) seen[String(f.properties.id)] = f.properties.count;
    }
    return seen;
}"""


def _hotspots_drawn(page: Page, get) -> None:
    """The cells of the last 30 days drawn with the API's counts and Gi* significance; then
    of the last 90 days, the heat tiles asked again for them."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()

    def counted(days):
        places = get(f"/api/v1/stats/hotspots?from={today - timedelta(days=days - 1)}"
                     f"&to={today}&shape=cell")["features"]
        return {str(f["properties"]["id"]): f["properties"]["count"] for f in places
                if f["properties"]["count"]}

    month, quarter = counted(30), counted(90)
    assert month
    assert quarter != month  # the fixture moved a few cases two months back
    page.click("#hotspot-toggle")
    expect(page.locator("#hotspot-toggle")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(RENDERED, arg="hotspots-fill", timeout=30_000)
    assert page.evaluate(HOTSPOTS_SEEN) == month
    _shot(page, "5-map-hotspots")
    with page.expect_request(lambda request: "/api/v1/tiles/heat/" in request.url
                             and f"from={today - timedelta(days=89)}&to={today}"
                             in request.url, timeout=30_000):
        page.select_option("#layer-days", "90")
    page.wait_for_function(f"""() => {{
        const seen = ({HOTSPOTS_SEEN})(), want = {json.dumps(quarter)};
        return Object.keys(seen).length === Object.keys(want).length
            && Object.keys(want).every((id) => seen[id] === want[id]);
    }}""", timeout=30_000)


def _headline_shows(page: Page, headline: dict) -> None:
    """Today / month / year, this month at a glance, and the overdue cases, opening."""
    expect(page.locator('#ov-headline tr[data-when="month"] td[data-count="reported"]')) \
        .to_have_text(f"{headline['month']['reported']:,}")
    top = headline["top_categories"][0]
    expect(page.locator(f'[data-glance="g_top_categories"] li[data-category="{top["category"]}"]'
                        )).to_have_text(f"{top['category']} {top['label']['name']}"
                                        f"{top['registered']:,}")
    for source, registered in headline["sources"].items():
        expect(page.locator(f'[data-glance="g_sources"] li[data-source="{source}"] b')) \
            .to_have_text(f"{registered:,}")
    expect(page.locator('[data-trend="reported"] td').first).to_have_text(
        f"{headline['trend']['month']['current']['reported']:,}")
    overdue = headline["overdue"]["cases"]
    assert overdue
    expect(page.locator('[data-due="overdue_now_cases"] b')).to_have_text(
        f"{headline['overdue']['count']:,}")
    page.click(f'[data-due="overdue_now_cases"] button[data-case="{overdue[0]["id"]}"]')
    expect(page.locator("#case h2")).to_contain_text(overdue[0]["code"], timeout=15_000)


def _closer_look(page: Page, get, first: date, last: date) -> None:
    """The area picker: the supervisor's district, then one of its streets — every figure
    asked for that street — and back."""
    picker = page.locator("#ov-area option")
    expect(picker).to_have_count(2, timeout=15_000)  # the district itself and its one street
    street = picker.nth(1).get_attribute("value")
    with page.expect_request(lambda request: "/api/v1/stats/indicators?" in request.url
                             and f"area={street}" in request.url, timeout=15_000), \
            page.expect_request(lambda request: "/api/v1/stats/overview?" in request.url
                                and f"area={street}" in request.url, timeout=15_000):
        page.select_option("#ov-area", street)
    _kpis_show(page, get(f"/api/v1/stats/indicators?from={first}&to={last}&group_by=day"
                         f"&area={street}"))
    page.select_option("#ov-area", "")


def test_a_supervisor_reads_the_overview_ranks_and_exports(app, page, evaluated):
    first, last = _this_month()
    get = _api(app, evaluated["supervisor"])
    by_day = get(f"/api/v1/stats/indicators?from={first}&to={last}&group_by=day")
    assert by_day["total"]["counts"]["registered"] > 0
    page.clock.install()  # time flows, and the test may jump it ahead
    _sign_in(page, evaluated["supervisor"])
    _heat_drawn(page)
    _coverage_drawn(page)
    _hotspots_drawn(page, get)
    page.click('[data-tab="overview"]')

    expect(page.locator("#ov-period-shown")).to_have_text(f"{first} – {last}", timeout=15_000)
    _kpis_show(page, by_day)
    _headline_shows(page, get("/api/v1/stats/overview"))
    _closer_look(page, get, first, last)

    page.wait_for_function(SAME_X_AXIS, arg=[group["key"] for group in by_day["groups"]],
                           timeout=15_000)
    by_unit = get(f"/api/v1/stats/indicators?from={first}&to={last}&group_by=unit")
    units = [group["label"]["name"] if group["label"] else "未归属"
             for group in by_unit["groups"]]
    assert any(name.startswith("单位") for name in units)
    page.select_option("#ov-group", "unit")
    page.wait_for_function(SAME_X_AXIS, arg=units, timeout=15_000)
    registered = page.evaluate(f"() => {CHART}.series.find((s) => s.id === 'registered').data")
    assert registered == [group["counts"]["registered"] for group in by_unit["groups"]]

    ranked = get(f"/api/v1/stats/rankings?kind=grid_worker&from={first}&to={last}")["items"]
    assert ranked
    components = _ranking_explains(page, ranked)

    lines = _exported_csv(app, page).splitlines()
    assert lines[0].startswith("code,status,source")
    assert len(lines) - 1 == by_day["total"]["counts"]["reported"]

    _custom_range(page, get, first - timedelta(days=60), last)

    page.select_option("#ov-period", "this_month")
    expect(page.locator("#ov-period-shown")).to_have_text(f"{first} – {last}", timeout=15_000)
    page.evaluate("() => { document.querySelector('#pane-overview').scrollTop = 0; }")
    _shot(page, "6-overview")
    page.set_viewport_size({"width": 1366, "height": 768})
    expect(page.locator('#kpis [data-kpi="reported"]')).to_be_in_viewport()
    _shot(page, "7-overview-laptop")

    page.click("header [data-lang-toggle]")
    expect(page.locator('#kpis [data-kpi="reported"] span')).to_have_text("Reported")
    expect(components.first.locator("td").first).to_have_text("Valid report rate")
    expect(page.locator('[data-rank-kind="grid_worker"]')).to_have_text("Grid workers")

    reported = by_day["total"]["counts"]["reported"]
    get.post("/api/v1/cases", {"category": "E0104", "description": "人行道上有大量落叶",
                               "location": {"type": "Point", "coordinates": [120.101, 30.209]}})
    page.clock.fast_forward(61_000)  # the wall screen asks again every minute
    expect(page.locator('#kpis [data-kpi="reported"] b')).to_have_text(f"{reported + 1:,}")
