"""Offline sync: an ordered batch applied operation by operation, answered per operation,
and resent after dropped connections without anything applied twice."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from grid_api.fieldwork import sync
from models.attachment import Attachment
from models.case import Case, CaseEvent
from models.checkin import CheckIn
from models.patrol import PatrolFix
from models.sync import SyncOperation, SyncPhoto
from tests.factories import make_case


def _point(cell):
    centre = to_shape(cell.geom).centroid
    return {"type": "Point", "coordinates": [centre.x, centre.y]}


def _batch(world, marker: str):
    """A morning offline: a report and comments on it, a patrol with its fixes, a check-in."""
    cell = world["cells"][0]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    centre = to_shape(cell.geom).centroid
    fixes = [{"t": (start + timedelta(seconds=10 * i)).isoformat(), "lon": centre.x,
              "lat": centre.y + i * 0.00005, "accuracy_m": 6} for i in range(40)]
    return [
        {"op_id": f"{marker}-p1", "type": "patrol_start",
         "body": {"client_ref": f"{marker}-walk", "started_at": start.isoformat()}},
        {"op_id": f"{marker}-p2", "type": "patrol_points",
         "body": {"patrol_ref": f"{marker}-walk", "fixes": fixes[:20]}},
        {"op_id": f"{marker}-r1", "type": "report",
         "body": {"category": "E0104", "description": f"{marker} 暴露垃圾",
                  "location": _point(cell)}},
        {"op_id": f"{marker}-c1", "type": "action",
         "body": {"action": "comments", "case_op": f"{marker}-r1", "note": "第一"}},
        {"op_id": f"{marker}-p3", "type": "patrol_points",
         "body": {"patrol_ref": f"{marker}-walk", "fixes": fixes[20:]}},
        {"op_id": f"{marker}-c2", "type": "action",
         "body": {"action": "comments", "case_op": f"{marker}-r1", "note": "第二"}},
        {"op_id": f"{marker}-k1", "type": "check_in",
         "body": {"location": _point(cell), "at": start.isoformat()}},
        {"op_id": f"{marker}-c3", "type": "action",
         "body": {"action": "comments", "case_op": f"{marker}-r1", "note": "第三"}},
        {"op_id": f"{marker}-p4", "type": "patrol_finish",
         "body": {"patrol_ref": f"{marker}-walk",
                  "finished_at": (start + timedelta(minutes=10)).isoformat()}},
    ]


def _sync(client, person, operations):
    response = client.post("/api/v1/sync", json={"operations": operations},
                           headers=person.headers)
    assert response.status_code == 200, response.get_json()
    return {item["op_id"]: item for item in response.get_json()["results"]}


def _applied(db, marker):
    case_ids = db.execute(select(Case.id).where(Case.description == f"{marker} 暴露垃圾")
                          ).scalars().all()
    notes = db.execute(select(CaseEvent.note).where(
        CaseEvent.case_id.in_(case_ids), CaseEvent.action == "comment").order_by(
        CaseEvent.seq)).scalars().all()
    return {"cases": len(case_ids), "comments": notes,
            "fixes": db.execute(select(func.count()).select_from(PatrolFix)).scalar(),
            "check_ins": db.execute(select(func.count()).select_from(CheckIn)).scalar()}


def test_a_batch_is_answered_per_operation_and_a_resend_changes_nothing(client, world, db):
    worker = world["worker"]
    operations = _batch(world, "a")
    first = _sync(client, worker, operations)
    assert [first[op["op_id"]]["status"] for op in operations] == [
        201, 200, 201, 200, 200, 200, 201, 200, 200]
    assert first["a-p3"]["result"]["stored"] == 20
    assert first["a-p4"]["result"]["walked_m"] > 50
    assert first["a-c3"]["result"]["id"] == first["a-r1"]["result"]["id"]
    assert not any(item["replayed"] for item in first.values())
    again = _sync(client, worker, operations)
    assert all(item["replayed"] for item in again.values())
    assert {k: v["result"] for k, v in again.items()} == {k: v["result"]
                                                          for k, v in first.items()}
    assert _applied(db, "a") == {"cases": 1, "comments": ["第一", "第二", "第三"],
                                 "fixes": 40, "check_ins": 1}


def test_one_refused_operation_does_not_stop_the_others(client, world, db):
    worker = world["worker"]
    existing = make_case(db, reporter=world["resident"].user, cell=world["cells"][0])
    operations = [
        {"op_id": "bad-report", "type": "report",
         "body": {"category": "X9999", "description": "?", "location": _point(world["cells"][0])}},
        {"op_id": "too-early", "type": "action",
         "body": {"action": "verify", "case_id": existing.id}},
        {"op_id": "stale", "type": "action",
         "body": {"action": "comments", "case_id": existing.id, "note": "看过了",
                  "if_match": f'W/"{existing.id}-0"'}},
        {"op_id": "no-such", "type": "action", "body": {"action": "fly", "case_id": 1}},
        {"op_id": "fine", "type": "action",
         "body": {"action": "comments", "case_id": existing.id, "note": "已到现场"}},
    ]
    results = _sync(client, worker, operations)
    assert results["bad-report"]["status"] == 422
    assert "category" in results["bad-report"]["problem"]["errors"]
    assert results["too-early"]["status"] == 409
    assert results["too-early"]["problem"]["current"]["status"] == "reported"
    assert results["stale"]["status"] == 412
    assert results["stale"]["problem"]["current"]["id"] == existing.id
    assert results["no-such"]["status"] == 422
    assert results["fine"]["status"] == 200
    reused = _sync(client, worker, [{"op_id": "fine", "type": "action",
                                     "body": {"action": "comments", "case_id": existing.id,
                                              "note": "另一条"}}])
    assert reused["fine"]["status"] == 422
    assert reused["fine"]["problem"]["type"].endswith("operation_id_reused")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_connections_dropped_anywhere_apply_everything_exactly_once(client, world, db, seed):
    """The phone sends its queue, the connection drops (before the server read all of it,
    or after it committed but before the answer arrived), and it sends again."""
    rng = random.Random(seed)  # noqa: S311 - where the connection drops
    worker = world["worker"]
    operations = _batch(world, f"s{seed}")
    sent = 0
    while sent < len(operations):
        reached = rng.randint(sent + 1, len(operations))  # the server got this far
        _sync(client, worker, operations[:reached])  # the answer is lost
        sent = reached if rng.random() < 0.7 else sent  # the phone may not know it arrived
    final = _sync(client, worker, operations)
    assert all(item["status"] < 300 for item in final.values())
    assert _applied(db, f"s{seed}") == {"cases": 1, "comments": ["第一", "第二", "第三"],
                                        "fixes": 40, "check_ins": 1}


def test_a_resend_racing_the_first_waits_and_answers_what_the_first_did(app, committed):
    import threading  # noqa: PLC0415

    from grid_api.fieldwork import patrols, sync  # noqa: PLC0415
    from grid_api.identity.principals import principal_for  # noqa: PLC0415
    from grid_api.web import etags  # noqa: PLC0415
    from tests.factories import make_grid_tree, make_user  # noqa: PLC0415

    with committed.new_session() as session:
        tree = make_grid_tree(session)
        worker = make_user(session, roles=("grid_worker",), grid_cells=tuple(tree["cells"][:4]))
        session.commit()
        principal = principal_for(session, worker.id)
    operations = [{"op_id": "race-r1", "type": "report",
                   "body": {"category": "E0104", "description": "race 暴露垃圾",
                            "location": _point(tree["cells"][0])}},
                  {"op_id": "race-c1", "type": "action",
                   "body": {"action": "comments", "case_op": "race-r1", "note": "到了"}}]

    def context(session):
        return sync.SyncContext(session, principal, app.extensions["grid_case_settings"],
                                patrols.patrol_settings_from(app.config["GRID_SETTINGS"]),
                                etags.expected_versions)

    rival_answers = []
    with app.app_context():
        holder = committed.new_session()
        first = sync.run_batch(context(holder), operations)  # claims held, not committed

        def rival():
            with app.app_context(), committed.new_session() as session:
                rival_answers.extend(sync.run_batch(context(session), operations))
                session.commit()

        thread = threading.Thread(target=rival)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive()  # waiting on the first one's claim
        holder.commit()
        holder.close()
        thread.join(timeout=10)
    assert [answer.replayed for _, answer in rival_answers] == [True, True]
    assert [answer.result for _, answer in rival_answers] == [a.result for _, a in first]
    with committed.new_session() as session:
        assert session.execute(select(func.count()).select_from(Case).where(
            Case.description == "race 暴露垃圾")).scalar() == 1


def test_photos_sent_before_or_after_their_operation_reach_its_case(client, world, db, photo):
    from models.attachment import Attachment  # noqa: PLC0415

    worker = world["worker"]
    cell = world["cells"][0]
    centre = to_shape(cell.geom).centroid
    report = {"op_id": "ph-r1", "type": "report",
              "body": {"category": "E0104", "description": "ph 暴露垃圾",
                       "location": _point(cell)}}

    def upload(op_id, colour):
        return client.post(f"/api/v1/sync/photos/{op_id}", headers=worker.headers,
                           data={"file": (photo(gps=(centre.x, centre.y), colour=colour),
                                          "p.jpg"), "purpose": "report"})

    ahead = upload("ph-r1", "red")  # the photo went out first; the report is still queued
    assert ahead.status_code == 202
    assert ahead.get_json()["attached"] is False
    assert upload("ph-r1", "red").status_code == 202  # resent: kept once
    case_id = _sync(client, worker, [report])["ph-r1"]["result"]["id"]
    after = upload("ph-r1", "blue")  # a second photo after the report arrived
    assert after.status_code == 201
    assert after.get_json()["attachment"]["case_id"] == case_id
    photos = db.execute(select(Attachment.purpose, Attachment.far_from_case).where(
        Attachment.case_id == case_id)).all()
    assert sorted(photos) == [("report", False), ("report", False)]
    not_a_photo = client.post("/api/v1/sync/photos/ph-r2", headers=worker.headers,
                              data={"file": (io.BytesIO(b"%PDF-1.4"), "x.pdf")})
    assert not_a_photo.status_code == 415


def test_the_retention_sweep_drops_old_answers_and_photos_sent_ahead(app, client, world, db,
                                                                     photo):
    worker = world["worker"]
    cell = world["cells"][0]
    centre = to_shape(cell.geom).centroid
    storage = app.extensions["grid_storage"]

    def upload(op_id, colour):
        return client.post(f"/api/v1/sync/photos/{op_id}", headers=worker.headers,
                           data={"file": (photo(gps=(centre.x, centre.y), colour=colour),
                                          "p.jpg"), "purpose": "report"})

    assert upload("keep-r1", "red").status_code == 202
    assert upload("never-r1", "green").status_code == 202  # its report never comes
    report = {"op_id": "keep-r1", "type": "report",
              "body": {"category": "E0104", "description": "留存 暴露垃圾",
                       "location": _point(cell)}}
    case_id = _sync(client, worker, [report])["keep-r1"]["result"]["id"]
    rows = {row.op_id: row for row in db.execute(select(SyncPhoto)).scalars()}
    assert rows["keep-r1"].attached_at is not None  # on its case; the original waits a day
    assert rows["never-r1"].attached_at is None
    keys = {op: row.storage_key for op, row in rows.items()}
    retention = sync.SyncRetention(operations=timedelta(days=30),
                                   waiting_photos=timedelta(days=7))

    nothing_yet = sync.purge(db, storage, retention, now=datetime.now(UTC))
    assert nothing_yet == {"operations": 0, "photos": 0, "files": 0}
    tomorrow = sync.purge(db, storage, retention, now=datetime.now(UTC) + timedelta(days=2))
    assert tomorrow == {"operations": 0, "photos": 1, "files": 1}
    with pytest.raises(FileNotFoundError):
        storage.get(keys["keep-r1"])
    assert storage.get(keys["never-r1"])
    later = sync.purge(db, storage, retention, now=datetime.now(UTC) + timedelta(days=31))
    assert later == {"operations": 1, "photos": 1, "files": 1}
    assert db.execute(select(func.count()).select_from(SyncPhoto)).scalar() == 0
    assert db.execute(select(func.count()).select_from(SyncOperation)).scalar() == 0
    kept = db.execute(select(Attachment).where(Attachment.case_id == case_id)).scalar_one()
    assert storage.get(kept.storage_key)  # the case keeps its own copy
