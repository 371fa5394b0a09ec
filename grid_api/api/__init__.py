"""HTTP resources: one flask-smorest blueprint per module, registered in this order."""

from grid_api.api.health import blp as health_blp

BLUEPRINTS = (health_blp,)
