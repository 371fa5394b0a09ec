"""Open311 GeoReport v2, tested from outside: requests built by a plain HTTP client from the
standard's own examples, XML answers validated against a schema written from the standard
(georeport_v2.xsd beside this file), and answers read by a real Open311 client library."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import xmlschema
from georeport import GeoReport
from sqlalchemy import func, select, update

from geo.crs import wgs84_to_gcj02
from grid_api.categories import questions
from grid_api.integrations import clients
from models.area import Area
from models.case import Case, CaseEvent, CaseStatus
from models.integration import ClientCase, ClientChannel, ClientOperation
from models.question import CaseAnswers
from tests.factories import bearer, login, make_grid_tree, make_user

SCHEMA = xmlschema.XMLSchema(Path(__file__).with_name("georeport_v2.xsd"))
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


@pytest.fixture
def city(db):
    tree = make_grid_tree(db)
    cell = tree["cells"][0]
    lon, lat = db.execute(select(func.ST_X(func.ST_PointOnSurface(Area.geom)),
                                 func.ST_Y(func.ST_PointOnSurface(Area.geom)))
                          .where(Area.id == cell.id)).one()
    return {**tree, "lon": lon, "lat": lat}


SPEC_QUESTIONS = [
    {"code": "WHISPAWN", "datatype": "number", "required": True,
     "prompt_zh": "油污面积（平方米）", "prompt_en": "Area of the spill (m²)"},
    {"code": "WHISDORN", "datatype": "singlevaluelist", "required": False,
     "prompt_zh": "路面类型", "prompt_en": "Road surface",
     "choices": [{"key": "COISL001", "name_zh": "沥青", "name_en": "Asphalt"},
                 {"key": "COISL002", "name_zh": "水泥", "name_en": "Concrete"}]},
    {"code": "colours", "datatype": "multivaluelist", "required": False,
     "prompt_zh": "颜色", "prompt_en": "Colours",
     "choices": [{"key": "red", "name_zh": "红", "name_en": "Red"},
                 {"key": "blue", "name_zh": "蓝", "name_en": "Blue"}]},
]


@pytest.fixture(autouse=True)
def spec_questions(db):
    """E0104 asks what the standard's example request answers (WHISPAWN, WHISDORN)."""
    return questions.replace_questions(db, "E0104", [dict(q) for q in SPEC_QUESTIONS])


@pytest.fixture
def app_key(db):
    made, key = clients.create_client(
        db, name="随手拍小程序", channel=ClientChannel.open311_app,
        operations=[ClientOperation.open311_submit.value], rate_limit="1000 per minute")
    db.flush()
    return made, key


@pytest.fixture
def http(live_server):
    session = requests.Session()
    session.trust_env = False
    base = live_server + "/open311/v2"

    def call(method, path, **kwargs):
        return session.request(method, base + path, timeout=10, **kwargs)

    call.base = base
    yield call
    session.close()


def spec_example_form(city, key, **changes):
    """The standard's POST Service Request example, placed in our city with our key."""
    form = {
        "api_key": key, "jurisdiction_id": "city.gov", "service_code": "E0104",
        "lat": f"{city['lat']:.8f}", "long": f"{city['lon']:.8f}",
        "address_string": "1234 5th street", "email": "smit333@sfgov.edu",
        "device_id": "tt222111", "account_id": "123456", "first_name": "john",
        "last_name": "smith", "phone": "111111111",
        "description": "A large sinkhole is destroying the street",
        "media_url": "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg",
        "attribute[WHISPAWN]": "123456", "attribute[WHISDORN]": "COISL001",
    }
    return form | changes


def xml_of(response):
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    SCHEMA.validate(response.text)
    return SCHEMA.to_dict(response.text)


def json_of(response):
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def errors_of(response, status):
    assert response.status_code == status, response.text
    if response.headers["Content-Type"].startswith("text/xml"):
        errors = xml_of(response)["error"]
    else:
        errors = json_of(response)
    assert errors
    assert all(set(error) == {"code", "description"} for error in errors)
    return [{"code": int(error["code"]), "description": error["description"]}
            for error in errors]


def file_request(http, city, key, **changes):
    form = spec_example_form(city, key, **changes)
    if form["service_code"] != "E0104":  # only E0104 asks the example's questions
        form = {name: value for name, value in form.items() if not name.startswith("attr")}
    response = http("POST", "/requests.json", data=form)
    assert response.status_code == 200, response.text
    return response.json()[0]["service_request_id"]


# --- discovery and services ------------------------------------------------------------

def test_discovery_in_both_formats(http):
    document = json_of(http("GET", "/discovery.json"))
    assert set(document) == {"changeset", "contact", "key_service", "endpoints"}
    endpoint = document["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == http.base
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert xml_of(http("GET", "/discovery.xml"))["endpoints"]["endpoint"][0]["url"] == http.base


def test_services_are_the_minor_classes_grouped_by_major_class(http, db):
    services = json_of(http("GET", "/services.json"))
    dirty_road = next(s for s in services if s["service_code"] == "E0104")
    assert dirty_road == {"service_code": "E0104", "service_name": "道路不洁",
                          "description": dirty_road["description"], "metadata": True,
                          "type": "realtime", "keywords": dirty_road["keywords"],
                          "group": dirty_road["group"]}
    assert all(len(s["service_code"]) == 5 for s in services)
    assert not next(s for s in services if s["service_code"] == "E0105")["metadata"]
    english = json_of(http("GET", "/services.json", headers={"Accept-Language": "en"}))
    assert next(s for s in english if s["service_code"] == "E0104")["service_name"] == (
        "Dirty road")
    listed = xml_of(http("GET", "/services.xml"))["service"]
    assert [s["service_code"] for s in listed] == [s["service_code"] for s in services]


def test_a_service_definition_and_an_unknown_one(http):
    assert json_of(http("GET", "/services/E0105.json")) == {"service_code": "E0105",
                                                            "attributes": []}
    definition = json_of(http("GET", "/services/E0104.json"))
    assert [a["code"] for a in definition["attributes"]] == ["WHISPAWN", "WHISDORN", "colours"]
    spawn, dorn, _colours = definition["attributes"]
    assert spawn == {"variable": True, "code": "WHISPAWN", "datatype": "number",
                     "required": True, "datatype_description": "数字", "order": 1,
                     "description": "油污面积（平方米）"}
    assert dorn["values"] == [{"key": "COISL001", "name": "沥青"},
                              {"key": "COISL002", "name": "水泥"}]
    english = json_of(http("GET", "/services/E0104.json", headers={"Accept-Language": "en"}))
    assert english["attributes"][1]["values"][0]["name"] == "Asphalt"
    xml = xml_of(http("GET", "/services/E0104.xml"))
    assert xml["service_code"] == "E0104"
    assert [a["code"] for a in xml["attributes"]["attribute"]] == ["WHISPAWN", "WHISDORN",
                                                                   "colours"]
    [error] = errors_of(http("GET", "/services/X9999.xml"), 404)
    assert error["code"] == 404
    assert "X9999" in error["description"]
    errors_of(http("GET", "/services/X9999.json"), 404)


# --- POST Service Request ---------------------------------------------------------------

def test_the_standards_example_request_files_a_case_of_the_client(http, db, city, app_key):
    made, key = app_key
    response = http("POST", "/requests.xml", data=spec_example_form(city, key))
    assert response.status_code == 200, response.text
    [answer] = xml_of(response)["request"]
    code = answer["service_request_id"]
    case = db.execute(select(Case).where(Case.code == code)).scalar_one()
    assert case.reporter_id == made.account_id
    assert case.description == "A large sinkhole is destroying the street"
    assert case.address == "1234 5th street"
    assert case.status is CaseStatus.reported  # third-party reports wait for review
    assert case.source.value == "other_system"  # counted under its channel (来源)
    link = db.get(ClientCase, case.id)
    assert link.client_id == made.id
    assert link.details["media_url"].startswith("http://farm3.static.flickr.com/")
    assert link.details["email"] == "smit333@sfgov.edu"
    assert db.get(CaseAnswers, case.id).answers == {"WHISPAWN": 123456, "WHISDORN": "COISL001"}
    events = db.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)).scalars().all()
    assert [(e.action, e.actor_id) for e in events] == [("report", made.account_id)]


def test_json_answer_and_the_crs_extension(http, db, city, app_key):
    _made, key = app_key
    lon, lat = wgs84_to_gcj02(city["lon"], city["lat"])
    response = http("POST", "/requests.json", data=spec_example_form(
        city, key, crs="gcj02", lat=f"{lat:.10f}", long=f"{lon:.10f}"))
    assert response.status_code == 200, response.text
    [answer] = json_of(response)
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    case = db.execute(select(Case).where(Case.code == answer["service_request_id"])
                      ).scalar_one()
    stored = db.execute(select(func.ST_X(Case.location), func.ST_Y(Case.location))
                        .where(Case.id == case.id)).one()
    assert stored == pytest.approx((city["lon"], city["lat"]), abs=1e-6)
    assert case.reported_crs == "gcj02"


def test_multivaluelist_attributes(http, db, city, app_key):
    _made, key = app_key
    form = spec_example_form(city, key)
    body = [*form.items(), ("attribute[colours][]", "red"), ("attribute[colours][]", "blue")]
    response = http("POST", "/requests.json", data=body)
    assert response.status_code == 200, response.text
    code = response.json()[0]["service_request_id"]
    case_id = db.execute(select(Case.id).where(Case.code == code)).scalar_one()
    assert db.get(CaseAnswers, case_id).answers["colours"] == ["red", "blue"]


@pytest.mark.parametrize("case", [
    ({"api_key": "gk_wrong"}, 403, "api_key"),
    ({"api_key": ""}, 403, "api_key"),
    ({"service_code": "X9999"}, 404, "X9999"),
    ({"service_code": ""}, 400, "service_code"),
    ({"lat": "", "long": ""}, 400, "lat"),
    ({"lat": "", "long": "", "address_string": "8TH AVE and JUDAH ST"}, 400, "lat"),
    ({"long": ""}, 400, "lat/long"),
    ({"lat": "north"}, 400, "lat"),
    ({"lat": "95"}, 400, "lat"),
    ({"long": "nan"}, 400, "long"),
    ({"lat": "0", "long": "0"}, 400, ""),
    ({"crs": "mars"}, 400, "mars"),
    ({"description": "x" * 4001}, 400, "4000"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"first_name": "x" * 201}, 400, "first_name"),
    ({"attribute[a][b]": "1"}, 400, "attribute"),
    ({"attribute[WHISPAWN]": ""}, 400, "WHISPAWN"),
    ({"attribute[WHISPAWN]": "lots"}, 400, "WHISPAWN"),
    ({"attribute[WHISDORN]": "COISL999"}, 400, "WHISDORN"),
    ({"attribute[NOSUCH]": "1"}, 400, "NOSUCH"),
    ({"description": "bad\x00text"}, 400, "description"),
])
def test_bad_requests_get_the_standards_errors(http, city, app_key, case):
    changes, status, fragment = case
    _made, key = app_key
    for fmt in ("json", "xml"):
        response = http("POST", f"/requests.{fmt}", data=spec_example_form(city, key,
                                                                             **changes))
        errors = errors_of(response, status)
        assert {error["code"] for error in errors} == {status}
        assert any(fragment in error["description"] for error in errors)


def test_a_repeated_field_and_a_body_that_is_no_form(http, city, app_key):
    _made, key = app_key
    form = [*list(spec_example_form(city, key).items()), ("service_code", "E0105")]
    errors_of(http("POST", "/requests.json", data=form), 400)
    errors_of(http("POST", "/requests.json", json=spec_example_form(city, key)), 400)
    errors_of(http("POST", "/requests.xml", data=b"\xff\xfe%%%",
                   headers={"Content-Type": "application/x-www-form-urlencoded"}), 403)
    errors_of(http("POST", "/requests.xml"), 400)


def test_a_revoked_key_and_a_key_without_the_operation_are_refused(http, db, city, app_key):
    made, key = app_key
    _other, hotline_key = clients.create_client(
        db, name="12345", channel=ClientChannel.hotline,
        operations=[ClientOperation.workorders_submit.value], rate_limit="10 per minute")
    clients.revoke_client(db, made.id)
    db.flush()
    for refused in (key, hotline_key):
        [error] = errors_of(http("POST", "/requests.xml",
                                 data=spec_example_form(city, refused)), 403)
        assert error["code"] == 403


def test_a_client_beyond_its_rate_limit_gets_429(http, db, city):
    _made, key = clients.create_client(
        db, name="急躁的应用", channel=ClientChannel.open311_app,
        operations=[ClientOperation.open311_submit.value], rate_limit="2 per minute")
    db.flush()
    file_request(http, city, key)
    file_request(http, city, key)
    [error] = errors_of(http("POST", "/requests.json", data=spec_example_form(city, key)), 429)
    assert error["code"] == 429


def test_an_oversized_body_is_refused_in_the_standards_format(app, http, city, app_key):
    _made, key = app_key
    limit = app.config["MAX_CONTENT_LENGTH"]
    errors_of(http("POST", "/requests.xml",
                   data=spec_example_form(city, key, description="x" * (limit + 1))), 400)


# --- GET Service Request(s), tokens -----------------------------------------------------

def _publish(db, code):
    db.execute(update(Case).where(Case.code == code).values(status=CaseStatus.registered))
    db.flush()


def test_a_filed_request_is_seen_by_its_client_and_by_everyone_once_registered(
        http, db, city, app_key):
    _made, key = app_key
    code = file_request(http, city, key)
    errors_of(http("GET", f"/requests/{code}.json"), 404)
    [mine] = json_of(http("GET", f"/requests/{code}.json", params={"api_key": key}))
    assert mine["status"] == "open"
    _publish(db, code)
    [public] = xml_of(http("GET", f"/requests/{code}.xml"))["request"]
    assert public["service_request_id"] == code
    assert public["status"] == "open"
    assert public["service_code"] == "E0104"
    assert public["media_url"].startswith("http://farm3.static.flickr.com/")
    assert W3C.match(public["requested_datetime"])
    assert public["requested_datetime"].endswith("+08:00")
    assert float(public["lat"]) == pytest.approx(city["lat"], abs=1e-6)
    assert "smit333" not in str(public)


def test_status_mapping(http, db, city, app_key):
    _made, key = app_key
    mapping = {CaseStatus.registered: "open", CaseStatus.in_progress: "open",
               CaseStatus.resolved: "open", CaseStatus.closed: "closed"}
    codes = {}
    for status in mapping:
        code = file_request(http, city, key)
        db.execute(update(Case).where(Case.code == code).values(status=status))
        codes[status] = code
    db.flush()
    for status, expected in mapping.items():
        [shown] = json_of(http("GET", f"/requests/{codes[status]}.json"))
        assert shown["status"] == expected
    closed = json_of(http("GET", "/requests.json", params={"status": "closed"}))
    assert [r["service_request_id"] for r in closed] == [codes[CaseStatus.closed]]
    both = json_of(http("GET", "/requests.json", params=[("status", "open"),
                                                         ("status", "closed")]))
    assert len(both) == len(mapping)


def test_the_list_filters_ids_codes_dates_and_pages(http, db, city, app_key):
    _made, key = app_key
    codes = [file_request(http, city, key) for _ in range(3)]
    other = file_request(http, city, key, service_code="E0105")
    for code in [*codes, other]:
        _publish(db, code)
    listed = json_of(http("GET", "/requests.json"))
    assert [r["service_request_id"] for r in listed] == [other, *reversed(codes)]
    by_id = json_of(http("GET", "/requests.json", params={
        "service_request_id": f"{codes[0]},{other}", "service_code": "NOPE"}))
    assert {r["service_request_id"] for r in by_id} == {codes[0], other}
    by_code = json_of(http("GET", "/requests.json", params={"service_code": "E0105"}))
    assert [r["service_request_id"] for r in by_code] == [other]
    page = json_of(http("GET", "/requests.json", params={"page": 2, "page_size": 2}))
    assert [r["service_request_id"] for r in page] == [codes[1], codes[0]]
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert json_of(http("GET", "/requests.json", params={"start_date": future})) == []
    assert json_of(http("GET", "/requests.json", params={"updated_after": future})) == []
    long_ago = "2010-05-24T00:00:00+08:00"
    assert json_of(http("GET", "/requests.json", params={"end_date": long_ago})) == []
    assert len(json_of(http("GET", "/requests.json",
                            params={"updated_before": future}))) == 4


@pytest.mark.parametrize("params", [
    {"start_date": "2010-05-24T00:00:00Z", "end_date": "2010-09-24T00:00:00Z"},
    {"start_date": "2010-06-24T00:00:00Z", "end_date": "2010-05-24T00:00:00Z"},
    {"start_date": "2010-05-24"},
    {"start_date": "2010-05-24T00:00:00"},
    {"end_date": "yesterday"},
    {"status": "pending"},
    {"page": "0"},
    {"page_size": "1001"},
    {"extensions": "maybe"},
    {"updated_after": "soon"},
])
def test_bad_list_arguments(http, params):
    for fmt in ("json", "xml"):
        [error] = errors_of(http("GET", f"/requests.{fmt}", params=params), 400)
        assert error["code"] == 400


def test_the_standards_sample_list_query_works(http, db, city, app_key):
    """…/requests.xml?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z
    &status=open&jurisdiction_id=city.gov, as the standard gives it."""
    response = http("GET", "/requests.xml?start_date=2010-05-24T00:00:00Z"
                           "&end_date=2010-06-24T00:00:00Z&status=open"
                           "&jurisdiction_id=city.gov")
    assert response.status_code == 200
    assert xml_of(response) is None  # valid, and empty: no request in 2010
    assert response.text.endswith("<service_requests />")


def test_extensions_give_the_grid_the_unit_deadlines_and_the_public_timeline(
        http, db, city, app_key):
    _made, key = app_key
    code = file_request(http, city, key)
    _publish(db, code)
    [shown] = json_of(http("GET", f"/requests/{code}.json", params={"extensions": "true"}))
    extended = shown["extended_attributes"]
    assert extended["detailed_status"] == "registered"
    assert extended["channel"] == "open311_app"
    assert extended["grid"]["code"] == city["cells"][0].code
    assert [a["code"] for a in extended["areas"]] == ["330100", "330106", "330106001",
                                                      "330106001001"]
    assert set(extended["deadlines"]) == {"register", "handle", "verify"}
    assert extended["attributes"] == {"WHISPAWN": 123456, "WHISDORN": "COISL001"}
    assert [note["type"] for note in shown["notes"]] == ["report"]
    assert W3C.match(shown["notes"][0]["datetime"])
    [listed] = json_of(http("GET", "/requests.json", params={"extensions": "true"}))
    assert listed["extended_attributes"] == extended
    [plain] = json_of(http("GET", f"/requests/{code}.json"))
    assert "extended_attributes" not in plain


def test_extensions_are_json_only(http, db, city, app_key):
    _made, key = app_key
    code = file_request(http, city, key)
    _publish(db, code)
    for path in ("/requests.xml", f"/requests/{code}.xml"):
        [error] = errors_of(http("GET", path, params={"extensions": "true"}), 400)
        assert "JSON" in error["description"]


def test_tokens_resolve_to_the_request(http, db, city, app_key):
    _made, key = app_key
    code = file_request(http, city, key)
    case_id = db.execute(select(Case.id).where(Case.code == code)).scalar_one()
    token = db.get(ClientCase, case_id).token
    assert json_of(http("GET", f"/tokens/{token}.json")) == [
        {"service_request_id": code, "token": token}]
    assert xml_of(http("GET", f"/tokens/{token}.xml"))["request"][0]["token"] == token
    errors_of(http("GET", "/tokens/nonesuch.xml"), 404)


def test_unknown_paths_and_methods_answer_in_the_standards_format(http):
    errors_of(http("GET", "/nonesuch.json"), 404)
    errors_of(http("GET", "/services.csv"), 404)
    response = http("PUT", "/services.json")
    errors_of(response, 400)
    assert response.headers["Allow"] == "GET"


def test_a_jurisdiction_that_is_not_ours_is_404(app, http, monkeypatch):
    settings = dataclasses.replace(app.config["GRID_SETTINGS"],
                                   open311_jurisdiction_id="hangzhou.gov.cn")
    monkeypatch.setitem(app.config, "GRID_SETTINGS", settings)
    assert http("GET", "/services.json",
                params={"jurisdiction_id": "hangzhou.gov.cn"}).status_code == 200
    assert http("GET", "/services.json").status_code == 200
    errors_of(http("GET", "/services.xml", params={"jurisdiction_id": "city.gov"}), 404)


# --- a real Open311 client library --------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_library_reads_our_answers(http, db, city, app_key, fmt):
    _made, key = app_key
    code = file_request(http, city, key)
    _publish(db, code)
    library = GeoReport(http.base, output_format=fmt)
    services = library.get_service_list()
    assert "E0104" in {service["service_code"] for service in services}
    definition = library.get_service_definition("E0104")
    assert definition["service_code"] == "E0104"
    listed = library.get_service_requests(status="open")
    if fmt == "xml":  # xmltodict: one element is a mapping, several a list
        listed = [listed] if isinstance(listed, dict) else listed
    assert [request["service_request_id"] for request in listed] == [code]
    one = library.get_service_request(code)
    assert one["service_request_id"] == code
    assert one["status"] == "open"
    assert one["service_code"] == "E0104"


def test_a_sensitive_request_shows_its_cell_centre_and_no_text(http, db, city, app_key):
    _made, key = app_key
    off_centre = f"{city['lat'] + 0.001:.8f}"
    code = file_request(http, city, key, service_code="E0602", lat=off_centre,
                        description="502 室的邻居每晚吵闹", address_string="文三路 88 号 502")
    _publish(db, code)
    centre = db.execute(select(func.ST_X(func.ST_Centroid(Area.geom)),
                               func.ST_Y(func.ST_Centroid(Area.geom)))
                        .where(Area.id == city["cells"][0].id)).one()
    for fmt in ("json", "xml"):
        response = http("GET", f"/requests/{code}.{fmt}")
        assert "502" not in response.text
    [public] = json_of(http("GET", f"/requests/{code}.json"))
    assert (public["description"], public["address"]) == (None, None)
    assert (public["long"], public["lat"]) == pytest.approx(centre, abs=1e-6)


def test_the_timeline_shows_the_client_as_the_actor(client, http, db, city, app_key):
    made, key = app_key
    code = file_request(http, city, key)
    case_id = db.execute(select(Case.id).where(Case.code == code)).scalar_one()
    supervisor = make_user(db, roles=("supervisor",), area=city["district"])
    events = client.get(f"/api/v1/cases/{case_id}/events",
                        headers=bearer(login(client, supervisor))).get_json()["items"]
    assert [(e["action"], e["actor_id"]) for e in events] == [("report", made.account_id)]
    listed = client.get(f"/api/v1/clients/{made.id}", headers=bearer(login(
        client, make_user(db, roles=("admin",))))).get_json()
    assert listed["account_id"] == made.account_id


def test_a_datetime_attribute_is_bounded_like_every_date_time(http, db, city, app_key):
    questions.replace_questions(db, "E0104", [dict(q) for q in SPEC_QUESTIONS] + [
        {"code": "since", "datatype": "datetime", "prompt_zh": "开始时间",
         "prompt_en": "Since"}])
    _made, key = app_key
    for moment in ("1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z",
                   "0001-01-01T00:00:00+14:00"):
        errors = errors_of(http("POST", "/requests.json", data=spec_example_form(
            city, key, **{"attribute[since]": moment})), 400)
        assert any(error["description"].startswith("attribute[since]: 必须在 2000-01-01")
                   for error in errors), errors
    filed = http("POST", "/requests.json", data=spec_example_form(
        city, key, **{"attribute[since]": "2026-12-02T08:00:00+08:00"}))
    assert filed.status_code == 200, filed.text
