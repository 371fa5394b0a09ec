"""Composite scores explain themselves: each component's value, weight and points."""

from grid_api.evaluation.rankings import DEFAULT_GRADES, DEFAULT_WEIGHTS, score


def figures(**rates):
    names = ("closing_rate", "on_time_handling_rate", "rework_rate", "valid_report_rate",
             "on_time_check_rate")
    return {"rates": {name: {"value": rates.get(name)} for name in names}}


def test_the_published_unit_weights_add_up_component_by_component():
    result = score(figures(closing_rate=90.0, on_time_handling_rate=80.0, rework_rate=10.0),
                   DEFAULT_WEIGHTS["unit"], volume_share=50.0, bands=DEFAULT_GRADES)
    points = {row["name"]: row["points"] for row in result["components"]}
    assert points == {"closing_rate": 27.0, "on_time_handling_rate": 24.0, "no_rework": 27.0,
                      "volume": 5.0}
    assert result["score"] == 83.0
    assert result["grade"] == "B"
    rework = next(row for row in result["components"] if row["name"] == "no_rework")
    assert (rework["value"], rework["weight"]) == (90.0, 30)


def test_a_component_with_nothing_to_measure_leaves_and_the_others_scale_up():
    result = score(figures(closing_rate=100.0, on_time_handling_rate=None, rework_rate=0.0),
                   DEFAULT_WEIGHTS["unit"], volume_share=100.0, bands=DEFAULT_GRADES)
    handling = next(r for r in result["components"] if r["name"] == "on_time_handling_rate")
    assert handling["points"] is None
    assert result["score"] == 100.0
    assert result["grade"] == "A"


def test_grid_workers_score_missed_reports_as_none_yet():
    result = score(figures(valid_report_rate=50.0, on_time_check_rate=25.0),
                   DEFAULT_WEIGHTS["grid_worker"], volume_share=0.0, bands=DEFAULT_GRADES)
    assert result["score"] == 50.0  # 20 + 20 + 10
    assert result["grade"] == "D"
