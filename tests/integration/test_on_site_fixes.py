"""自行处置 in the services: the photo that completes the pair closes the case once, also
when verifying closes cases by itself and when both photos arrive at the same moment."""

import io
import threading
from dataclasses import replace

from PIL import Image
from sqlalchemy import select, update

from grid_api.cases import attachments, filing
from grid_api.identity.principals import principal_for
from models.case import Case, CaseEvent
from models.case_counter import CaseCounter
from models.category import Category
from tests.evaluation_city import SETTINGS
from tests.factories import make_grid_tree, make_user

POINT = (120.1010, 30.2090)  # in the first cell of the test community


def jpeg(colour: str, *, gps=POINT, taken="2026:11:25 10:00:00") -> bytes:
    image, exif = Image.new("RGB", (320, 240), colour), Image.Exif()
    lon, lat = gps
    exif[0x8825] = {1: "N", 2: (float(int(lat)), (lat % 1) * 60, 0.0),
                    3: "E", 4: (float(int(lon)), (lon % 1) * 60, 0.0)}
    exif.get_ifd(0x8769)[0x9003] = taken
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _allow(session, allowed: bool) -> None:
    session.execute(update(Category).where(Category.code == "E0104")
                    .values(allows_on_site_fix=allowed))


def _file(session, settings):
    tree = make_grid_tree(session)
    worker = make_user(session, roles=("grid_worker",), grid_cells=(tree["cells"][0],))
    principal = principal_for(session, worker.id)
    case = filing.report_case(session, principal, settings, category="E0104",
                              description="井盖已复位", lon=POINT[0], lat=POINT[1],
                              crs="wgs84", handled_on_site=True).case
    return principal, case.id


def _add(app, session, principal, case_id, kind, *, colour, settings=SETTINGS):
    return attachments.add_photo(session, app.extensions["grid_storage"], principal, case_id,
                                 data=jpeg(colour), purpose="report", far_metres=200.0,
                                 settings=settings, kind=kind)


def _actions(session, case_id):
    return session.execute(select(CaseEvent.action).where(CaseEvent.case_id == case_id)
                           .order_by(CaseEvent.seq)).scalars().all()


def test_closing_by_verification_closes_a_fix_on_the_spot_once(app, db):
    settings = replace(SETTINGS, auto_close_verified=True)
    _allow(db, True)
    principal, case_id = _file(db, settings)
    _add(app, db, principal, case_id, "after", colour="blue", settings=settings)
    assert db.get(Case, case_id).status.value == "reported"
    _add(app, db, principal, case_id, "before", colour="red", settings=settings)
    assert db.get(Case, case_id).status.value == "closed"
    assert _actions(db, case_id) == ["report", "register", "handle_on_site", "verify", "close"]
    assert db.get(CaseCounter, case_id).self_handled is True


def test_both_photos_at_once_close_the_case(app, committed):
    """The phone sends before and after in parallel: the second waits for the first and
    sees it, so the case closes (exactly once) whichever commits first."""
    with committed.new_session() as session:
        _allow(session, True)
        principal, case_id = _file(session, SETTINGS)
        session.commit()
    errors, holder = [], committed.new_session()
    try:
        _add(app, holder, principal, case_id, "before", colour="red")  # holds the case's lock

        def rival():
            try:
                with committed.new_session() as session:
                    _add(app, session, principal, case_id, "after", colour="blue")
                    session.commit()
            except Exception as exc:  # reported to the test below
                errors.append(exc)

        thread = threading.Thread(target=rival)
        thread.start()
        thread.join(timeout=0.5)
        waited = thread.is_alive()  # for the first photo's transaction
        holder.commit()
        thread.join(timeout=10)
        assert waited
        assert errors == []
        with committed.new_session() as session:
            assert session.get(Case, case_id).status.value == "closed"
            assert _actions(session, case_id).count("close") == 1
    finally:
        holder.close()
        with committed.new_session() as session:
            _allow(session, False)
            session.commit()
