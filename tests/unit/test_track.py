"""Reading GPS tracks: exclusions, riding, signal gaps and time per cell, on hand-made
tracks and on generated walks measured against their known truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import shapely
from shapely import box

from geo import track
from geo.crs import to_wgs84
from tests.walks import WalkBuilder

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")
RULES = track.TrackRules()
M_LON = 1 / (111_320.0 * 0.8660)  # degrees of longitude per metre at 30°N
M_LAT = 1 / 110_574.0


def fix(seconds: float, east_m: float = 0.0, north_m: float = 0.0, *, accuracy: float = 5.0,
        cell: int | None = 1, speed: float | None = None) -> track.Fix:
    return track.Fix(T0 + timedelta(seconds=seconds), 120.1 + east_m * M_LON,
                     30.2 + north_m * M_LAT, accuracy, speed, cell)


def analyse(fixes, *, end_s: float = 10_000) -> track.TrackAnalysis:
    return track.analyse(fixes, start=T0, end=T0 + timedelta(seconds=end_s), rules=RULES,
                         zone=ZONE)


def test_fixes_in_any_order_measure_the_same():
    fixes = [fix(i * 10, east_m=i * 13) for i in range(30)]
    forward, shuffled = analyse(fixes), analyse(fixes[::-1])
    assert forward.walked_m == shuffled.walked_m
    assert forward.walked_m == pytest.approx(29 * 13, rel=0.05)
    assert [v.seconds for v in forward.visits] == [v.seconds for v in shuffled.visits] == [290]


def test_fixes_outside_the_patrol_and_inaccurate_ones_are_left_out():
    fixes = [fix(-30), *(fix(i * 10, east_m=i * 13) for i in range(10)), fix(95, accuracy=120),
             fix(500)]
    analysis = analyse(fixes, end_s=100)
    assert analysis.excluded == {"inaccurate": 1, "out_of_window": 2}
    assert len(analysis.segments) == 9


def test_a_lone_jump_away_and_back_is_an_outlier_not_a_ride():
    fixes = [fix(i * 10, east_m=i * 13) for i in range(10)]
    fixes[5] = fix(50, east_m=65 + 400)
    analysis = analyse(fixes)
    assert analysis.excluded == {"outlier": 1}
    assert {segment.kind for segment in analysis.segments} == {track.SegmentKind.walk}


def test_a_bus_ride_with_stops_is_one_vehicle_stretch_and_visits_nothing():
    walk = [fix(i * 10, east_m=i * 13) for i in range(10)]  # 0–90 s, 117 m
    ride, east, t = [], 117.0, 90
    for leg in range(3):
        for _ in range(6):  # 60 s at 9 m/s
            t, east = t + 10, east + 90
            ride.append(fix(t, east_m=east, cell=None))
        if leg < 2:
            for _ in range(3):  # standing 30 s at a stop
                t += 10
                ride.append(fix(t, east_m=east, cell=None))
    after = [fix(t + 10 * (i + 1), east_m=east + 13 * (i + 1), cell=2) for i in range(12)]
    analysis = analyse(walk + ride + after)
    kinds = [run[0].kind for run in analysis.runs()]
    assert kinds == [track.SegmentKind.walk, track.SegmentKind.vehicle, track.SegmentKind.walk]
    vehicle_m, vehicle_s = analysis.total(track.SegmentKind.vehicle)
    assert vehicle_s == 240
    assert vehicle_m == pytest.approx(18 * 90, rel=0.01)
    assert analysis.walked_m == pytest.approx(9 * 13 + 12 * 13, rel=0.1)


def test_a_short_burst_of_noise_is_no_ride():
    fixes = [fix(i * 10, east_m=i * 13) for i in range(20)]
    fixes[8] = fix(80, east_m=8 * 13 + 60)  # one far fix, and the walk goes on from there
    fixes[9] = fix(90, east_m=8 * 13 + 70)
    analysis = analyse(fixes)
    assert track.SegmentKind.vehicle not in {segment.kind for segment in analysis.segments}


def test_a_signal_gap_counts_in_the_cell_it_starts_and_ends_in():
    stairwell = [fix(0), fix(10), fix(400), fix(410)]
    analysis = analyse(stairwell)
    assert [run[0].kind for run in analysis.runs()] == [
        track.SegmentKind.walk, track.SegmentKind.gap, track.SegmentKind.walk]
    assert [(v.cell_id, v.seconds) for v in analysis.visits] == [(1, 410)]
    crossing = [fix(0), fix(10), fix(400, cell=2), fix(410, cell=2), fix(480, cell=2)]
    assert [(v.cell_id, v.seconds) for v in analyse(crossing).visits] == [(2, 80)]


def test_standing_still_adds_no_length_and_a_brief_touch_is_no_visit():
    still = [fix(i * 10, east_m=(-3) ** (i % 2), north_m=2 * (i % 3)) for i in range(60)]
    corner = [fix(600, east_m=5, cell=2), fix(610, east_m=6, cell=2)]
    analysis = analyse(still + corner)
    assert analysis.walked_m == 0
    assert [v.cell_id for v in analysis.visits] == [1]


def test_time_is_counted_on_the_local_day():
    late = datetime(2026, 11, 25, 15, 58, 0, tzinfo=UTC)  # 23:58 in Shanghai
    fixes = [track.Fix(late + timedelta(seconds=10 * i), 120.1, 30.2, 5.0, None, 1)
             for i in range(25)]
    analysis = track.analyse(fixes, start=late, end=late + timedelta(hours=1), rules=RULES,
                             zone=ZONE)
    assert [(str(v.day), round(v.seconds)) for v in analysis.visits] == [
        ("2026-11-25", 115), ("2026-11-26", 125)]


CELLS = {i * 10 + j: box(120.10 + i * 0.005, 30.20 + j * 0.005, 120.105 + i * 0.005,
                         30.205 + j * 0.005) for i in range(4) for j in range(2)}


def _cell_of(lon: float, lat: float) -> int | None:
    return next((cell_id for cell_id, shape in sorted(CELLS.items())
                 if shape.covers(shapely.Point(lon, lat))), None)


@pytest.mark.parametrize(("seed", "report_speed"), [(1, True), (2, True), (3, False),
                                                    (5, False)])
def test_generated_walks_measure_what_really_happened(seed, report_speed):
    builder = WalkBuilder(start=T0, lon=120.102, lat=30.202, seed=seed)
    builder.wander((120.10, 30.20, 120.11, 30.205), waypoints=12)
    builder.pause(400, stairwell=True).walk_to(120.109, 30.2025).pause(60)
    builder.ride_bus([(120.112, 30.2075), (120.1165, 30.2075), (120.1195, 30.2025)])
    builder.wander((120.115, 30.20, 120.12, 30.205), waypoints=4)
    walk = builder.sample(report_speed=report_speed)
    fixes = []
    for sent in walk.fixes:
        lon, lat = to_wgs84(sent["lon"], sent["lat"], sent["crs"])
        fixes.append(track.Fix(datetime.fromisoformat(sent["t"]), lon, lat,
                               sent["accuracy_m"], sent.get("speed_mps"), _cell_of(lon, lat)))
    analysis = track.analyse(fixes, start=walk.start, end=walk.end, rules=RULES, zone=ZONE)

    assert analysis.excluded == {"inaccurate": walk.inaccurate, "out_of_window": walk.early,
                                 "outlier": walk.glitches}
    truth = walk.seconds_in(CELLS)
    visited = {visit.cell_id: visit.seconds for visit in analysis.visits}
    assert set(visited) == {cell for cell, seconds in truth.items() if seconds >= 120}
    for cell, seconds in visited.items():
        assert seconds == pytest.approx(truth[cell], rel=0.05, abs=30)
    assert analysis.walked_m == pytest.approx(walk.walked_metres(), rel=0.05)
    rides = [run for run in analysis.runs() if run[0].kind is track.SegmentKind.vehicle]
    assert len(rides) == 1
    boarded, alighted = walk.bus
    assert abs((rides[0][0].start.t - boarded).total_seconds()) <= 20
    assert abs((rides[0][-1].end.t - alighted).total_seconds()) <= 20
    ridden_only = set(walk.seconds_in(CELLS, mode="bus")) - set(truth)
    assert ridden_only
    assert not ridden_only & set(visited)
