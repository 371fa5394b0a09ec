"""Photos: content checks, bombs, size limit, EXIF stripped but kept as staff evidence."""

import dataclasses
import io

import pytest
from PIL import Image

from grid_api.cases.photos import DecompressionBomb, process_photo
from tests.api.downloads import download
from tests.api.test_cases import POINT, report


def _upload(client, who, case_id, file, *, name="photo.jpg", purpose="report"):
    return client.post(f"/api/v1/cases/{case_id}/attachments",
                       data={"file": (file, name), "purpose": purpose}, headers=who.headers)


def test_photo_is_reencoded_without_exif_and_evidence_is_for_staff(client, world, photo):
    case_id = report(client, world["resident"]).get_json()["id"]
    far = (POINT[0] + 0.01, POINT[1])  # about 1 km east of the case
    uploaded = _upload(client, world["resident"], case_id, photo(gps=far))
    assert uploaded.status_code == 201
    attachment = uploaded.get_json()
    assert "exif" not in attachment  # the resident does not see the evidence …
    staff = client.get(f"/api/v1/cases/{case_id}/attachments",
                       headers=world["supervisor"].headers).get_json()["items"][0]
    assert staff["far_from_case"] is True  # … the supervisor does
    assert 900 < staff["exif"]["distance_m"] < 1100
    assert staff["exif"]["taken_at"].startswith("2026-11-25T02:00:00")
    downloaded = download(client, attachment["url"], world["supervisor"].headers)
    assert (downloaded.status_code, downloaded.mimetype) == (200, "image/jpeg")
    assert dict(Image.open(io.BytesIO(downloaded.data)).getexif()) == {}


def test_photo_near_the_case_is_not_flagged(client, world, photo):
    case_id = report(client, world["resident"]).get_json()["id"]
    _upload(client, world["resident"], case_id, photo(gps=(POINT[0] + 0.0005, POINT[1])))
    staff = client.get(f"/api/v1/cases/{case_id}/attachments",
                       headers=world["supervisor"].headers).get_json()["items"][0]
    assert staff["far_from_case"] is False


def test_retried_upload_returns_the_first(client, world, photo):
    case_id = report(client, world["resident"]).get_json()["id"]
    first = _upload(client, world["resident"], case_id, photo(colour="blue"))
    again = _upload(client, world["resident"], case_id, photo(colour="blue"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]


def test_png_and_webp_are_accepted(client, world, photo):
    case_id = report(client, world["resident"]).get_json()["id"]
    for fmt, colour in (("PNG", "green"), ("WEBP", "yellow")):
        response = _upload(client, world["resident"], case_id, photo(fmt=fmt, colour=colour),
                           name="photo.jpg")  # the name lies; the content decides
        assert response.status_code == 201, fmt


def test_not_an_image_is_415_whatever_its_name(client, world):
    case_id = report(client, world["resident"]).get_json()["id"]
    response = _upload(client, world["resident"], case_id, io.BytesIO(b"%PDF-1.4 not a photo"),
                       name="photo.jpg")
    assert response.status_code == 415
    assert response.get_json()["type"].endswith("unsupported_image")


def test_a_jpeg_over_40_megapixels_is_refused():
    """JPEG decoding at a reduced scale must not hide the real pixel count."""
    big = io.BytesIO()
    Image.new("L", (8_000, 6_000)).save(big, "JPEG", quality=10)  # 48 MP
    with pytest.raises(DecompressionBomb):
        process_photo(big.getvalue())


def test_decompression_bomb_is_refused(client, world):
    case_id = report(client, world["resident"]).get_json()["id"]
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")  # 400 MP in a few dozen kB
    bomb.seek(0)
    response = _upload(client, world["resident"], case_id, bomb, name="bomb.png")
    assert response.status_code == 422
    assert response.get_json()["type"].endswith("image_bomb")


def test_truncated_upload_is_422(client, world):
    case_id = report(client, world["resident"]).get_json()["id"]
    noisy = io.BytesIO()
    Image.effect_noise((1200, 900), 60).convert("RGB").save(noisy, "JPEG")
    half = io.BytesIO(noisy.getvalue()[: len(noisy.getvalue()) // 2])  # a dropped connection
    response = _upload(client, world["resident"], case_id, half)
    assert response.status_code == 422
    assert response.get_json()["type"].endswith("image_corrupt")


def test_too_large_is_413(client, app, world, photo, monkeypatch):
    case_id = report(client, world["resident"]).get_json()["id"]
    small = dataclasses.replace(app.config["GRID_SETTINGS"], photo_max_bytes=5_000)
    monkeypatch.setitem(app.config, "GRID_SETTINGS", small)
    response = _upload(client, world["resident"], case_id, photo(size=(800, 600)))
    assert response.status_code == 413
    assert "5000" in response.get_json()["detail"]


def test_missing_file_and_bad_purpose_are_422(client, world, photo):
    case_id = report(client, world["resident"]).get_json()["id"]
    no_file = client.post(f"/api/v1/cases/{case_id}/attachments", data={"purpose": "report"},
                          content_type="multipart/form-data", headers=world["resident"].headers)
    assert no_file.status_code == 422
    assert _upload(client, world["resident"], case_id, photo(),
                   purpose="selfie").status_code == 422


def test_strangers_cannot_upload_or_download(client, world, photo):
    case_id = report(client, world["resident"]).get_json()["id"]
    attachment = _upload(client, world["resident"], case_id, photo()).get_json()
    neighbour = world["neighbour"]
    assert _upload(client, neighbour, case_id, photo(colour="pink")).status_code == 404
    assert client.get(attachment["url"], headers=neighbour.headers).status_code == 404
    assert _upload(client, world["resident"], case_id, photo(colour="gray"),
                   purpose="resolution").status_code == 403


def test_a_truncated_png_is_422_not_500(client, world):
    case_id = report(client, world["resident"]).get_json()["id"]
    noisy = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(noisy, "PNG")  # spools in memory
    half = io.BytesIO(noisy.getvalue()[: len(noisy.getvalue()) // 2])
    response = _upload(client, world["resident"], case_id, half, name="p.png")
    assert response.status_code == 422
    assert response.get_json()["type"].endswith("image_corrupt")


def test_a_multi_picture_jpeg_from_a_phone_camera_is_accepted(client, world):
    case_id = report(client, world["resident"]).get_json()["id"]
    mpo = io.BytesIO()
    Image.new("RGB", (320, 240), "red").save(mpo, "MPO", save_all=True,
                                             append_images=[Image.new("RGB", (320, 240))])
    mpo.seek(0)
    response = _upload(client, world["resident"], case_id, mpo)
    assert response.status_code == 201
    download = client.get(response.get_json()["url"], headers=world["resident"].headers)
    assert Image.open(io.BytesIO(download.data)).getpixel((10, 10)) == pytest.approx(
        (254, 0, 0), abs=2)


def test_text_planted_in_a_jpeg_comment_is_not_served_back(client, world):
    case_id = report(client, world["resident"]).get_json()["id"]
    planted = io.BytesIO()
    Image.new("RGB", (320, 240), "red").save(planted, "JPEG",
                                             comment=b"<script>alert(1)</script>")
    planted.seek(0)
    attachment = _upload(client, world["resident"], case_id, planted).get_json()
    download = client.get(attachment["url"], headers=world["resident"].headers)
    assert download.status_code == 200
    assert b"<script>" not in download.data
    assert "comment" not in Image.open(io.BytesIO(download.data)).info
