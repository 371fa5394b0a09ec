"""Periodic field-work upkeep: finish patrols left open, look for missed reports, purge raw
tracks, old offline-sync answers and photos sent ahead past their retention."""

from __future__ import annotations

from datetime import timedelta

from grid_api.fieldwork import missed, patrols, sync
from tasks.context import job_app, job_session


def patrol_sweep() -> dict[str, int]:
    """Periodic: finish idle patrols (measuring them), find missed-report candidates among
    recent cases, and delete raw fixes older than the retention, keeping the measures and
    time per cell. Returns what it did."""
    app = job_app()
    app_settings = app.config["GRID_SETTINGS"]
    settings = patrols.patrol_settings_from(app_settings)
    with job_session("patrol-sweep") as session:
        finished = patrols.finish_idle(session, settings)
        candidates = missed.scan(session, settings,
                                 missed.MissedSettings.from_settings(app_settings))
        purged = patrols.purge_tracks(session, settings)
        forgotten = sync.purge(session, app.extensions["grid_storage"], sync.SyncRetention(
            operations=timedelta(days=app_settings.sync_retention_days),
            waiting_photos=timedelta(days=app_settings.sync_photo_wait_days)))
    return {"finished": finished, "missed_candidates": candidates, "purged": purged,
            "sync_operations_forgotten": forgotten["operations"],
            "sync_photos_dropped": forgotten["photos"]}
