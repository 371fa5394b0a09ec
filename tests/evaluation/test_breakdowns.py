"""Several breakdowns in one pass say what each breakdown counted alone says."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from grid_api.evaluation import indicators
from grid_api.evaluation.definitions import Definitions
from grid_api.evaluation.indicators import Period, Scope
from tests.evaluation_city import build_city

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("rules", [
    Definitions(), Definitions(cohort="reported", exclude_deferred=False)])
def test_breakdowns_in_one_pass_equal_each_counted_alone(db, rules):
    city = build_city(db, cases=80, on_site=4)
    now = datetime.now(UTC)
    today = now.astimezone(ZONE).date()
    period = Period.checked(today - timedelta(days=60), today + timedelta(days=30), ZONE)
    wanted = {"category": "registered", "source": "registered", "unit": "returns",
              "worker": "handled_on_time"}
    for path in (city.tree["city"].path, city.tree["street"].path):
        scope = Scope(area_path=path)
        together = indicators.breakdowns(db, scope=scope, period=period, definitions=rules,
                                         now=now, wanted=wanted)
        for group_by, measure in wanted.items():
            alone = indicators.compute(db, scope=scope, period=period, group_by=group_by,
                                       definitions=rules, now=now, only=(measure,))
            assert together[group_by] == {key: {measure: counts[measure]}
                                          for key, counts in alone.items() if counts[measure]}
        assert len(together["category"]) >= 3
        assert sum(counts["returns"] for counts in together["unit"].values()) > 0
