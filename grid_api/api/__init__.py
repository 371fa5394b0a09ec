"""HTTP resources: one flask-smorest blueprint per module, registered in this order."""

from grid_api.api.areas import blp as areas_blp
from grid_api.api.attachments import blp as attachments_blp
from grid_api.api.auth import blp as auth_blp
from grid_api.api.case_actions import blp as case_actions_blp
from grid_api.api.cases import blp as cases_blp
from grid_api.api.categories import blp as categories_blp
from grid_api.api.devices import blp as devices_blp
from grid_api.api.dispatching import blp as dispatching_blp
from grid_api.api.grids import blp as grids_blp
from grid_api.api.health import blp as health_blp
from grid_api.api.metrics import blp as metrics_blp
from grid_api.api.notifications import blp as notifications_blp
from grid_api.api.tiles import blp as tiles_blp
from grid_api.api.users import blp as users_blp

BLUEPRINTS = (health_blp, metrics_blp, auth_blp, users_blp, areas_blp, grids_blp, tiles_blp,
              categories_blp, cases_blp, case_actions_blp, attachments_blp, dispatching_blp,
              notifications_blp, devices_blp)
