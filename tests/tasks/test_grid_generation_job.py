"""A background grid generation on a real worker path: its progress is seen while it runs,
and its cells appear all at once when it commits."""

from sqlalchemy import func, select, text

from grid_api.geography import grid_generation
from grid_api.infra import outbox
from models.area import Area, AreaLevel
from models.grid_generation import GridGenerationJob
from models.outbox import Topic
from tasks import relay
from tests.factories import make_area


def test_progress_is_visible_while_the_job_runs(app, committed, monkeypatch):
    with committed.new_session() as session:
        district = make_area(session, code="330199")
        street = make_area(session, parent=district, level=AreaLevel.street, code="330199001",
                           bounds=(120.13, 30.20, 120.15, 30.21))
        job = GridGenerationJob(area_id=street.id, shape="square", size_m=150, code_digits=3,
                                estimated_cells=100, status="queued")
        session.add(job)
        session.flush()
        message = outbox.add(session, Topic.grid_generation, job_id=job.id)
        session.commit()
        job_id, street_id, message_id = job.id, street.id, message.id

    seen_meanwhile = []
    real_generate_cells = grid_generation.generate_cells

    def watched(*args, **kwargs):
        cells = real_generate_cells(*args, **kwargs)
        with committed.engine.connect() as outside:  # a poller, while the job is open
            seen_meanwhile.append(outside.execute(text(
                "SELECT status, progress FROM grid_generation_jobs WHERE id = :id"),
                {"id": job_id}).one())
            seen_meanwhile.append(outside.execute(select(func.count()).select_from(Area).where(
                Area.parent_id == street_id)).scalar())
        return cells

    monkeypatch.setattr(grid_generation, "generate_cells", watched)
    assert relay.deliver(message_id) == "delivered"
    assert tuple(seen_meanwhile[0]) == ("running", 5)
    assert seen_meanwhile[1] == 0  # nothing half-made is visible
    with committed.new_session() as session:
        job = session.get(GridGenerationJob, job_id)
        assert (job.status, job.progress) == ("done", 100)
        assert session.execute(select(func.count()).select_from(Area).where(
            Area.parent_id == street_id)).scalar() == job.created_cells > 0
