"""Where the Alembic scripts live and which revision is their head."""

from __future__ import annotations

import os
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

# A source checkout by default; an installed package (the container image) sets GRID_API_ROOT.
PROJECT_ROOT = Path(os.environ.get("GRID_API_ROOT") or Path(__file__).resolve().parents[2])
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
