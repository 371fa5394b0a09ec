"""WSGI entry point for gunicorn: ``gunicorn grid_api.wsgi:app``."""

from grid_api.app import create_app

app = create_app()
