"""Periodic field-work upkeep: finish patrols left open, purge raw tracks past retention."""

from __future__ import annotations

from grid_api.fieldwork import patrols
from tasks.context import job_app, job_session


def patrol_sweep() -> dict[str, int]:
    """Periodic: finish idle patrols (measuring them) and delete raw fixes older than the
    retention, keeping the measures and time per cell. Returns what it did."""
    settings = patrols.patrol_settings_from(job_app().config["GRID_SETTINGS"])
    with job_session("patrol-sweep") as session:
        finished = patrols.finish_idle(session, settings)
        purged = patrols.purge_tracks(session, settings)
    return {"finished": finished, "purged": purged}
