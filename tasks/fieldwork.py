"""Periodic field-work upkeep: finish patrols left open, look for missed reports, purge raw
tracks past retention."""

from __future__ import annotations

from grid_api.fieldwork import missed, patrols
from tasks.context import job_app, job_session


def patrol_sweep() -> dict[str, int]:
    """Periodic: finish idle patrols (measuring them), find missed-report candidates among
    recent cases, and delete raw fixes older than the retention, keeping the measures and
    time per cell. Returns what it did."""
    app_settings = job_app().config["GRID_SETTINGS"]
    settings = patrols.patrol_settings_from(app_settings)
    with job_session("patrol-sweep") as session:
        finished = patrols.finish_idle(session, settings)
        candidates = missed.scan(session, settings,
                                 missed.MissedSettings.from_settings(app_settings))
        purged = patrols.purge_tracks(session, settings)
    return {"finished": finished, "missed_candidates": candidates, "purged": purged}
