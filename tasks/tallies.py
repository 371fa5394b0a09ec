"""Periodic: keep the daily tallies for the city's zone and TALLY_DEPTH (built the first
time, rebuilt when either changes, while the counters go on being written) and fold the
changes appended since the last run."""

from __future__ import annotations

from grid_api.evaluation import tallies
from tasks.context import job_app, job_session


def keep() -> dict[str, int]:
    settings = job_app().config["GRID_SETTINGS"]
    rebuilt = tallies.switch_on(lambda: job_session("tallies"), zone=settings.timezone,
                                depth=settings.tally_depth)
    with job_session("tallies") as session:
        folded = tallies.fold(session)
    return {"rebuilt": int(rebuilt), "folded": folded}
