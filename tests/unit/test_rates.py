"""Rates as cities publish them: percent, two decimals, half up; and the 口径 switches."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from grid_api.errors import ValidationFailed
from grid_api.evaluation.definitions import Definitions
from grid_api.evaluation.indicators import Period, percent, rates

ZONE = ZoneInfo("Asia/Shanghai")


def test_a_published_worked_example():
    # 911 cases closed on time of 972 due: 93.72 %.
    assert percent(911, 972) == 93.72


@pytest.mark.parametrize(("numerator", "denominator", "shown"), [
    (1, 3, 33.33), (2, 3, 66.67), (1, 8, 12.5), (0, 5, 0.0), (5, 5, 100.0), (1, 0, None),
])
def test_rounding_half_up_and_nothing_to_divide_by(numerator, denominator, shown):
    assert percent(numerator, denominator) == shown


def test_the_rework_denominator_follows_the_city():
    by_name = {rate.name: rate for rate in rates(Definitions(rework_denominator="due"))}
    assert by_name["rework_rate"].denominator == "due"
    by_name = {rate.name: rate for rate in rates(Definitions())}
    assert by_name["rework_rate"].denominator == "handled"


def test_a_period_is_local_days_bounded_and_in_order():
    period = Period.checked(date(2026, 11, 1), date(2026, 11, 30), ZONE)
    assert period.start.isoformat() == "2026-11-01T00:00:00+08:00"
    assert period.end.isoformat() == "2026-12-01T00:00:00+08:00"
    with pytest.raises(ValidationFailed):
        Period.checked(date(2026, 11, 2), date(2026, 11, 1), ZONE)
    with pytest.raises(ValidationFailed):
        Period.checked(date(2025, 1, 1), date(2026, 1, 2), ZONE)
    Period.checked(date(2024, 1, 1), date(2024, 12, 31), ZONE)  # a leap year fits
