"""grid-api: the HTTP API of the grid-based community governance system.

Importing this package builds nothing; call :func:`grid_api.app.create_app`.
"""
