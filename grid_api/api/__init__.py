"""HTTP resources: one flask-smorest blueprint per module, registered in this order."""

from grid_api.api.auth import blp as auth_blp
from grid_api.api.health import blp as health_blp
from grid_api.api.users import blp as users_blp

BLUEPRINTS = (health_blp, auth_blp, users_blp)
