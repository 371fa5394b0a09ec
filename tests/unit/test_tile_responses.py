"""Every tile layer answers alike: 204 when empty, an ETag of the bytes, 304 on a match."""

from flask import Flask

from grid_api.web.tiles import MVT_MIME, mvt_response

APP = Flask(__name__)


def test_an_empty_tile_is_204_and_still_cacheable():
    with APP.test_request_context("/t/1/1/1.mvt"):
        response = mvt_response(b"", cache_control="public, max-age=300")
    assert response.status_code == 204
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "ETag" not in response.headers


def test_a_tile_carries_its_etag_and_a_match_is_304():
    with APP.test_request_context("/t/1/1/1.mvt"):
        first = mvt_response(b"\x1a\x02tile", cache_control="private, max-age=60")
    assert (first.status_code, first.mimetype, first.data) == (200, MVT_MIME, b"\x1a\x02tile")
    etag = first.headers["ETag"]
    with APP.test_request_context("/t/1/1/1.mvt", headers={"If-None-Match": etag}):
        again = mvt_response(b"\x1a\x02tile", cache_control="private, max-age=60")
    assert (again.status_code, again.headers["ETag"], again.data) == (304, etag, b"")
    with APP.test_request_context("/t/1/1/1.mvt", headers={"If-None-Match": etag}):
        changed = mvt_response(b"\x1a\x02other", cache_control="private, max-age=60")
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
