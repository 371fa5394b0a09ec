"""Photos of a public case: only its full viewers see them until staff mark them publishable."""

from tests.api.test_cases import act, report
from tests.api.test_photos import _upload


def _public_case_with_a_photo(client, world, photo):
    case_id = report(client, world["resident"]).get_json()["id"]
    attachment = _upload(client, world["resident"], case_id, photo()).get_json()
    assert act(client, world["supervisor"], case_id, "register").status_code == 200
    return case_id, attachment


def _listed(client, who, case_id):
    response = client.get(f"/api/v1/cases/{case_id}/attachments", headers=who.headers)
    assert response.status_code == 200
    return [item["id"] for item in response.get_json()["items"]]


def _publish(client, who, case_id, attachment, publishable=True):
    return client.put(f"{attachment['url']}/publishable", json={"publishable": publishable},
                      headers=who.headers)


def test_a_public_case_shows_its_photos_only_to_its_full_viewers(client, world, photo):
    case_id, attachment = _public_case_with_a_photo(client, world, photo)
    for stranger in ("neighbour", "far_worker", "other_unit"):
        who = world[stranger]
        assert client.get(f"/api/v1/cases/{case_id}", headers=who.headers).status_code == 200
        assert _listed(client, who, case_id) == [], stranger
        assert client.get(attachment["url"], headers=who.headers).status_code == 404, stranger
    for insider in ("resident", "supervisor", "worker"):
        assert _listed(client, world[insider], case_id) == [attachment["id"]], insider
        download = client.get(attachment["url"], headers=world[insider].headers)
        assert download.status_code == 200
        assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_staff_in_charge_mark_a_photo_publishable_and_take_it_back(client, world, photo):
    case_id, attachment = _public_case_with_a_photo(client, world, photo)
    neighbour = world["neighbour"]
    marked = _publish(client, world["supervisor"], case_id, attachment)
    assert marked.status_code == 200
    assert marked.get_json()["publishable"] is True
    assert _listed(client, neighbour, case_id) == [attachment["id"]]
    download = client.get(attachment["url"], headers=neighbour.headers)
    assert download.status_code == 200
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "exif" not in client.get(f"/api/v1/cases/{case_id}/attachments",
                                    headers=neighbour.headers).get_json()["items"][0]
    assert _publish(client, world["worker"], case_id, attachment, False).status_code == 200
    assert _listed(client, neighbour, case_id) == []
    assert client.get(attachment["url"], headers=neighbour.headers).status_code == 404


def test_only_staff_who_see_the_case_in_full_may_publish(client, world, photo):
    case_id, attachment = _public_case_with_a_photo(client, world, photo)
    assert _publish(client, world["resident"], case_id, attachment).status_code == 403
    assert _publish(client, world["neighbour"], case_id, attachment).status_code == 403
    assert _publish(client, world["far_supervisor"], case_id, attachment).status_code == 404
    assert _publish(client, world["supervisor"], case_id, attachment).status_code == 200
    # Seen now, but not theirs to decide:
    assert _publish(client, world["far_supervisor"], case_id, attachment,
                    False).status_code == 403
    assert _publish(client, world["supervisor"], case_id, attachment,
                    "yes please").status_code == 422
