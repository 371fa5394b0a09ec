"""The console's first screen in a real browser, on the demo city: how long until the sign-in
form is interactive, and until a signed-in supervisor's map has drawn the city — measured by
the browser's Performance API, against a bare static page from the same server."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess

from playwright.sync_api import sync_playwright

from bench.harness import VENV_BIN, gunicorn, private_services

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SUPERVISOR, PASSWORD = "13800000004", "Demo2026grid"
RUNS = 5
INTERACTIVE = ("() => { const [nav] = performance.getEntriesByType('navigation');"
               " return nav.domInteractive; }")
DRAWN = ("() => { const map = document.querySelector('#map').gridMap;"
         " return !!map && map.loaded() && map.queryRenderedFeatures("
         "{layers: ['districts-line']}).length > 0; }")


def _measure(base: str) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {"bare": [], "interactive": [], "map": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"])
        for _ in range(RUNS):
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            page = context.new_page()
            page.goto(f"{base}/console/assets/vendor/maplibre-gl/LICENSE.txt")
            figures["bare"].append(page.evaluate(INTERACTIVE) or 0.0)
            page.goto(f"{base}/console/")
            page.wait_for_selector("#signin-form button[type=submit]", state="visible")
            figures["interactive"].append(page.evaluate(INTERACTIVE))
            page.fill("input[name=phone]", SUPERVISOR)
            page.fill("input[name=password]", PASSWORD)
            started = page.evaluate("() => performance.now()")
            page.click("#signin-form button[type=submit]")
            page.wait_for_function(DRAWN, timeout=60_000)
            figures["map"].append(page.evaluate("() => performance.now()") - started)
            context.close()
        browser.close()
    return figures


def run() -> dict[str, float]:
    with private_services() as services:
        env = {**services, "GRID_ENV": "development", "PASSWORD_HASH_MEMORY_KIB": "8192"}
        subprocess.run([str(VENV_BIN / "grid-api"), "demo"], check=True,
                       env={**os.environ, **env}, stdout=subprocess.DEVNULL)
        with gunicorn("grid_api.wsgi:app", env) as base:
            figures = _measure(base)
    result = {name: statistics.median(values) for name, values in figures.items()}
    print(f"console: first screen interactive p50 {result['interactive']:.0f} ms "
          f"(bare static page {result['bare']:.0f} ms, ratio "
          f"{result['interactive'] / max(result['bare'], 1):.1f}); signed in → city drawn "
          f"p50 {result['map']:.0f} ms (goal: interactive < 2000 ms)")
    return result
