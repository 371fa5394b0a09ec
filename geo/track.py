"""Reading a patrol's GPS track: which fixes to trust, walking versus riding, and how long
the walker spent in each grid cell. Pure logic over fixes already placed in their cells."""

from __future__ import annotations

import enum
import itertools
import math
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

EARTH_RADIUS_M = 6_371_008.8


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine); centimetres off over a walk's few metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


class Exclusion(enum.StrEnum):
    out_of_window = "out_of_window"  # before the start or after the finish of the patrol
    inaccurate = "inaccurate"  # the phone's own accuracy estimate is worse than allowed
    outlier = "outlier"  # a lone jump away and straight back: a GPS glitch


class SegmentKind(enum.StrEnum):
    walk = "walk"
    vehicle = "vehicle"  # faster than a person moves: a bus, a car, a scooter
    gap = "gap"  # no fix for longer than the signal is allowed to drop


@dataclass(frozen=True)
class Fix:
    t: datetime
    lon: float
    lat: float
    accuracy_m: float
    speed_mps: float | None = None
    cell_id: int | None = None


@dataclass(frozen=True)
class TrackRules:
    max_accuracy_m: float = 50.0
    max_walk_speed_mps: float = 3.0
    max_gap_seconds: float = 300.0
    # A stop this short between two fast stretches is part of the ride (bus stop, red light).
    vehicle_stop_seconds: float = 120.0
    # A fast stretch shorter than this is noise, not a ride.
    min_vehicle_seconds: float = 20.0
    # Less time than this in a cell (a corner cut, GPS noise at a border) is not a visit.
    min_visit_seconds: float = 60.0
    # Walking length counts a move only once it leaves this radius around the last counted
    # (smoothed) position, so standing still with a jittering fix adds nothing.
    jitter_m: float = 8.0


@dataclass(frozen=True)
class Segment:
    kind: SegmentKind
    start: Fix
    end: Fix
    distance_m: float

    @property
    def seconds(self) -> float:
        return (self.end.t - self.start.t).total_seconds()


@dataclass
class CellVisit:
    cell_id: int
    day: date
    seconds: float = 0.0
    first_at: datetime | None = None
    last_at: datetime | None = None

    def add(self, seconds: float, at: datetime) -> None:
        self.seconds += seconds
        self.first_at = at if self.first_at is None else min(self.first_at, at)
        self.last_at = at if self.last_at is None else max(self.last_at, at)


@dataclass
class TrackAnalysis:
    segments: list[Segment] = field(default_factory=list)
    excluded_fixes: dict[str, list[Fix]] = field(default_factory=dict)
    visits: list[CellVisit] = field(default_factory=list)
    walked_m: float = 0.0

    @property
    def excluded(self) -> dict[str, int]:
        """How many fixes were left out of the measures, by reason."""
        return {reason: len(fixes) for reason, fixes in sorted(self.excluded_fixes.items())}

    def exclude(self, reason: Exclusion, fix: Fix) -> None:
        self.excluded_fixes.setdefault(reason.value, []).append(fix)

    def total(self, kind: SegmentKind) -> tuple[float, float]:
        """(metres along the fixes, seconds) of the segments of one kind."""
        chosen = [segment for segment in self.segments if segment.kind is kind]
        return (sum(segment.distance_m for segment in chosen),
                sum(segment.seconds for segment in chosen))

    def runs(self) -> list[list[Segment]]:
        """Consecutive segments of one kind, in order: the track's drawable pieces."""
        runs: list[list[Segment]] = []
        for segment in self.segments:
            if runs and runs[-1][-1].kind is segment.kind and runs[-1][-1].end is segment.start:
                runs[-1].append(segment)
            else:
                runs.append([segment])
        return runs


def analyse(fixes: list[Fix], *, start: datetime, end: datetime, rules: TrackRules,
            zone: tzinfo) -> TrackAnalysis:
    """Measure a track. ``fixes`` in any order; ``end`` is the finish (or now, if open)."""
    analysis = TrackAnalysis()
    kept = []
    for fix in sorted(fixes, key=lambda fix: fix.t):
        if not start <= fix.t <= end:
            analysis.exclude(Exclusion.out_of_window, fix)
        elif fix.accuracy_m > rules.max_accuracy_m:
            analysis.exclude(Exclusion.inaccurate, fix)
        else:
            kept.append(fix)
    kept = _drop_outliers(kept, rules, analysis)
    analysis.segments = _classify(kept, rules)
    analysis.visits = _visits(analysis.segments, rules, zone)
    analysis.walked_m = sum(_walked_metres(run, rules) for run in analysis.runs()
                            if run[0].kind is SegmentKind.walk)
    return analysis


def _speed(a: Fix, b: Fix) -> float:
    seconds = (b.t - a.t).total_seconds()
    return metres(a.lon, a.lat, b.lon, b.lat) / seconds if seconds > 0 else math.inf


def _drop_outliers(fixes: list[Fix], rules: TrackRules, analysis: TrackAnalysis) -> list[Fix]:
    """Drop a fix reached by an impossible jump and left by one back to where the walker
    could have been anyway."""
    limit = rules.max_walk_speed_mps
    kept: list[Fix] = []
    for index, fix in enumerate(fixes):
        if kept and index + 1 < len(fixes):
            before, after = kept[-1], fixes[index + 1]
            if (_speed(before, fix) > limit and _speed(fix, after) > limit
                    and _speed(before, after) <= limit):
                analysis.exclude(Exclusion.outlier, fix)
                continue
        kept.append(fix)
    return kept


def _is_fast(a: Fix, b: Fix, rules: TrackRules) -> bool:
    """Faster than walking, even granting each fix its own stated error, or by the phone's
    own speed at both ends."""
    limit = rules.max_walk_speed_mps
    if a.speed_mps is not None and b.speed_mps is not None and min(
            a.speed_mps, b.speed_mps) > limit:
        return True
    seconds = (b.t - a.t).total_seconds()
    slack = (a.accuracy_m + b.accuracy_m) / 2
    return max(0.0, metres(a.lon, a.lat, b.lon, b.lat) - slack) > limit * seconds


def _classify(fixes: list[Fix], rules: TrackRules) -> list[Segment]:
    segments = []
    for a, b in itertools.pairwise(fixes):
        distance = metres(a.lon, a.lat, b.lon, b.lat)
        if _is_fast(a, b, rules):
            kind = SegmentKind.vehicle
        elif (b.t - a.t).total_seconds() > rules.max_gap_seconds:
            kind = SegmentKind.gap
        else:
            kind = SegmentKind.walk
        segments.append(Segment(kind, a, b, distance))
    # Noise first — lone fast steps, and stretches that get nowhere — so it cannot join a
    # real ride; then stops inside rides; then what is still too short or slow to be a ride.
    denoised = _drop_short_rides(segments, rules, min_seconds=0.0, min_segments=2)
    bridged = _bridge_stops(denoised, rules)
    return _drop_short_rides(bridged, rules, min_seconds=rules.min_vehicle_seconds)


def _bridge_stops(segments: list[Segment], rules: TrackRules) -> list[Segment]:
    """A short slow stretch between two fast ones is the vehicle standing: still riding."""
    fast = [i for i, segment in enumerate(segments) if segment.kind is SegmentKind.vehicle]
    result = list(segments)
    for left, right in itertools.pairwise(fast):
        if right - left > 1 and (segments[right].start.t - segments[left].end.t
                                 ).total_seconds() <= rules.vehicle_stop_seconds:
            for i in range(left + 1, right):
                result[i] = Segment(SegmentKind.vehicle, segments[i].start, segments[i].end,
                                    segments[i].distance_m)
    return result


def _drop_short_rides(segments: list[Segment], rules: TrackRules, *, min_seconds: float,
                      min_segments: int = 1) -> list[Segment]:
    """A fast stretch that is too short, or that gets nowhere a walker could not have
    reached anyway, is walking with noisy fixes in it."""
    result = list(segments)
    index = 0
    while index < len(result):
        if result[index].kind is not SegmentKind.vehicle:
            index += 1
            continue
        end = index
        while end + 1 < len(result) and result[end + 1].kind is SegmentKind.vehicle:
            end += 1
        first, last = result[index].start, result[end].end
        seconds = (last.t - first.t).total_seconds()
        if (seconds < min_seconds or end - index + 1 < min_segments
                or _speed(first, last) <= rules.max_walk_speed_mps):
            for i in range(index, end + 1):
                result[i] = Segment(SegmentKind.walk, result[i].start, result[i].end,
                                    result[i].distance_m)
        index = end + 1
    return result


def _walked_metres(run: list[Segment], rules: TrackRules) -> float:
    """The length of one walking stretch: positions smoothed over up to five fixes, a move
    counted only once it leaves the jitter radius of the last counted position."""
    fixes = [run[0].start, *(segment.end for segment in run)]
    smoothed = []
    for index in range(len(fixes)):
        half = min(2, index, len(fixes) - 1 - index)  # symmetric, so the ends stay put
        window = fixes[index - half:index + half + 1]
        smoothed.append((sum(fix.lon for fix in window) / len(window),
                         sum(fix.lat for fix in window) / len(window)))
    total, anchor = 0.0, smoothed[0]
    for point in smoothed[1:]:
        step = metres(*anchor, *point)
        if step > rules.jitter_m:
            total, anchor = total + step, point
    return total


def _visits(segments: list[Segment], rules: TrackRules, zone: tzinfo) -> list[CellVisit]:
    """Walking time per cell and local day: half of each step to the cell at either end;
    a signal gap counts whole when it starts and ends in one cell (a stairwell, a
    basement), and not at all otherwise. Riding through a cell is no visit."""
    visits: dict[tuple[int, date], CellVisit] = {}

    def credit(fix: Fix, seconds: float) -> None:
        if fix.cell_id is None or seconds <= 0:
            return
        key = (fix.cell_id, fix.t.astimezone(zone).date())
        visits.setdefault(key, CellVisit(*key)).add(seconds, fix.t)

    for segment in segments:
        same_cell = segment.start.cell_id == segment.end.cell_id
        if segment.kind is SegmentKind.walk or (segment.kind is SegmentKind.gap and same_cell):
            credit(segment.start, segment.seconds / 2)
            credit(segment.end, segment.seconds / 2)
    return sorted((visit for visit in visits.values()
                   if visit.seconds >= rules.min_visit_seconds),
                  key=lambda visit: (visit.day, visit.first_at, visit.cell_id))
