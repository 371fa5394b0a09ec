"""The console page: served by the app, no inline script, a strict CSP, cached assets."""

import re


def test_the_console_page_loads_only_its_own_hashed_assets(client):
    page = client.get("/console/")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["Cache-Control"] == "no-cache"
    html = page.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    assert all('src="/console/assets/' in attributes for attributes in scripts)  # none inline
    assert "http://" not in html
    assert "https://" not in html  # nothing from another origin
    asset = re.search(r'src="(/console/assets/console\.js\?v=[0-9a-f]{12})"', html).group(1)
    served = client.get(asset)
    served.close()
    assert served.status_code == 200
    assert "immutable" in served.headers["Cache-Control"]


def test_a_basemap_setting_opens_only_its_own_origin(app, client, monkeypatch):
    import dataclasses  # noqa: PLC0415

    monkeypatch.setitem(app.config, "GRID_SETTINGS", dataclasses.replace(
        app.config["GRID_SETTINGS"], basemap_tile_url="https://tiles.city.gov.cn/{z}/{x}/{y}.png"))
    page = client.get("/console/")
    assert "img-src 'self' data: blob: https://tiles.city.gov.cn;" in page.headers[
        "Content-Security-Policy"]
    assert 'content="https://tiles.city.gov.cn/{z}/{x}/{y}.png"' in page.get_data(as_text=True)


def test_an_asset_outside_the_console_is_not_served(client):
    assert client.get("/console/assets/../api.py").status_code == 404
