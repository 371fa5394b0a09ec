"""Periodic: keep the daily tallies for the city's zone and TALLY_DEPTH (built the first
time, rebuilt when either changes) and fold the changes appended since the last run."""

from __future__ import annotations

from grid_api.evaluation import tallies
from tasks.context import job_app, job_session


def keep() -> dict[str, int]:
    settings = job_app().config["GRID_SETTINGS"]
    with job_session("tallies") as session:
        rebuilt = tallies.ensure(session, zone=settings.timezone, depth=settings.tally_depth)
    with job_session("tallies") as session:
        folded = tallies.fold(session)
    return {"rebuilt": int(rebuilt), "folded": folded}
