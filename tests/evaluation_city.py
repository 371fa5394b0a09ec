"""A city with hundreds of cases walked through the real workflow services: returns,
extensions, deferrals, reworks, disputes, urgent cases, late and overdue ones, and grid
workers' fixes on the spot (自行处置). Seeded, so every run builds the same city."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from grid_api.cases import commands as c
from grid_api.cases import filing, onsite, queries, workflow
from grid_api.cases.settings import CaseSettings
from grid_api.errors import AppError
from grid_api.identity.principals import principal_for
from models.attachment import Attachment
from models.case import Case, CaseStatus
from models.category import Category
from tests.factories import COMMUNITY_BOUNDS, make_grid_tree, make_unit, make_user

SETTINGS = CaseSettings(residents_need_review=True, timezone="Asia/Shanghai",
                        day_start=time(8, 30), day_end=time(17, 30))
CATEGORIES = ("E0104", "C0107", "C0301", "C0401", "C0202")  # no photos needed
ON_SITE_CATEGORY = "E0104"  # 道路不洁: grid workers may clean it up themselves
STAFF_SOURCES = ("hotline", "video", "supervision", "leader_assigned", "media", "other_system")


@dataclass
class City:
    tree: dict
    units: list
    people: dict
    case_ids: list[int] = field(default_factory=list)


def make_city(session) -> City:
    tree = make_grid_tree(session)
    for category in session.execute(select(Category).where(
            Category.code.in_(CATEGORIES))).scalars():
        category.time_limits = {**category.time_limits,
                                "verify": {"value": 4, "unit": "working_hours"}}
        category.allows_on_site_fix = category.code == ON_SITE_CATEGORY
    units = [make_unit(session, name=f"单位{n}") for n in range(3)]
    people = {
        "residents": [make_user(session) for _ in range(4)],
        "workers": [make_user(session, roles=("grid_worker",), grid_cells=tuple(tree["cells"]))
                    for _ in range(3)],
        "unit_staff": {unit.id: make_user(session, roles=("unit_staff",), unit=unit)
                       for unit in units},
        "supervisor": make_user(session, roles=("supervisor",), area=tree["district"]),
    }
    return City(tree, units, people)


class Walker:
    """Walks one case along a random path through the loop, the clock moving forward."""

    def __init__(self, session, city: City, rng: random.Random, start: datetime) -> None:
        self.session, self.city, self.rng, self.now = session, city, rng, start
        self.principals: dict[int, object] = {}

    def who(self, user):
        if user.id not in self.principals:
            self.principals[user.id] = principal_for(self.session, user.id)
        return self.principals[user.id]

    def act(self, user, case_id: int, cmd: c.Command, *, hours: float | None = None) -> object:
        self.now += timedelta(hours=hours if hours is not None
                              else self.rng.choice((0.5, 2, 6, 20, 60, 150)))
        ctx = workflow.ActionContext(self.session, self.who(user), SETTINGS, now=self.now)
        return workflow.act(ctx, case_id, cmd)

    def report(self) -> int:
        rng, people = self.rng, self.city.people
        kind = rng.choice(("resident", "resident", "worker", "worker", "staff"))
        reporter = {"resident": rng.choice(people["residents"]),
                    "worker": rng.choice(people["workers"]),
                    "staff": people["supervisor"]}[kind]
        lon0, lat0, lon1, lat1 = COMMUNITY_BOUNDS
        filed = filing.report_case(
            self.session, self.who(reporter), SETTINGS, category=rng.choice(CATEGORIES),
            description="评估测试", lon=rng.uniform(lon0 + 1e-4, lon1 - 1e-4),
            lat=rng.uniform(lat0 + 1e-4, lat1 - 1e-4), crs="wgs84",
            source=rng.choice(STAFF_SOURCES) if kind == "staff" else None,
            urgent=kind == "staff" and rng.random() < 0.3)
        return filed.case.id

    def walk(self) -> int:  # noqa: PLR0911, PLR0912 - one random path through the loop
        rng, people = self.rng, self.city.people
        supervisor = people["supervisor"]
        case_id = self.report()
        case = self.session.get(Case, case_id)
        if case.status is CaseStatus.reported:
            if rng.random() < 0.15:
                self.act(supervisor, case_id, c.Reject(reason="invalid"))
                return case_id
            if rng.random() < 0.1:
                return case_id
            self.act(supervisor, case_id, c.Register())
        if rng.random() < 0.1:
            self.act(supervisor, case_id, c.MarkUrgent(urgent=True))
        if rng.random() < 0.05:
            return case_id
        unit = rng.choice(self.city.units)
        self.act(supervisor, case_id, c.Dispatch(unit_id=unit.id))
        while rng.random() < 0.25:
            self.act(people["unit_staff"][unit.id], case_id,
                     c.Return(reason="not_our_responsibility"))
            unit = rng.choice(self.city.units)
            self.act(supervisor, case_id, c.Dispatch(unit_id=unit.id))
        if rng.random() < 0.1:
            unit = next(u for u in self.city.units if u.id != unit.id)
            self.act(supervisor, case_id, c.Reassign(unit_id=unit.id, note="改派"))
        staff = people["unit_staff"][unit.id]
        if rng.random() < 0.08:
            return case_id
        self.act(staff, case_id, c.Accept())
        if rng.random() < 0.15:
            until = max(self.now, case.handle_deadline or self.now) + timedelta(
                days=rng.choice((3, 10, 30)))
            self.act(staff, case_id, c.RequestExtension(note="需要时间", until=until), hours=1)
            self.act(supervisor, case_id, c.DecideExtension(approve=rng.random() < 0.7))
        if rng.random() < 0.1:
            self.act(supervisor, case_id, c.Defer(note="缓办"))
        worker = rng.choice(people["workers"])
        for _ in range(3):
            if rng.random() < 0.1:
                return case_id
            self.act(staff, case_id, c.Resolve(note="已处置"))
            if rng.random() < 0.75:
                break
            self.act(worker, case_id, c.Reopen(note="核查未通过"))
        else:
            return case_id
        if case.status is CaseStatus.resolved:
            self.act(worker, case_id, c.Verify())
        if rng.random() < 0.15:
            return case_id
        self.act(supervisor, case_id, c.Close())
        reporter = next(u for u in [*people["residents"], *people["workers"], supervisor]
                        if u.id == case.reporter_id)
        if rng.random() < 0.7:
            self.act(reporter, case_id, c.Rate(score=rng.choice((1, 2, 3, 4, 5, 5, 4))), hours=1)
        if rng.random() < 0.1:
            self.act(reporter, case_id, c.Dispute(note="没有处理好"), hours=2)
        return case_id


def fix_on_site(session, city: City, rng: random.Random, *, photos: tuple[str, ...]) -> int:
    """A grid worker's fix on the spot with these photo kinds in (both: it closes)."""
    worker = rng.choice(city.people["workers"])
    lon0, lat0, lon1, lat1 = COMMUNITY_BOUNDS
    lon, lat = rng.uniform(lon0 + 1e-4, lon1 - 1e-4), rng.uniform(lat0 + 1e-4, lat1 - 1e-4)
    case_id = filing.report_case(
        session, principal_for(session, worker.id), SETTINGS, category=ON_SITE_CATEGORY,
        description="已自行处置", lon=lon, lat=lat, crs="wgs84", handled_on_site=True).case.id
    for kind in photos:  # what the photo upload stores after its checks
        session.add(Attachment(
            case_id=case_id, uploader_id=worker.id, purpose=onsite.PURPOSE_OF_KIND[kind],
            kind=kind, storage_key=f"cases/{case_id}/{kind}.jpg", original_format="jpeg",
            sha256=f"{case_id:032d}{kind:>32}", width=640, height=480, size_bytes=1000,
            exif_lon=lon, exif_lat=lat, distance_m=0.0))
    session.flush()
    onsite.complete(session, SETTINGS, queries.get_case(session, case_id, for_update=True))
    return case_id


def build_city(session, *, cases: int = 200, seed: int = 14, on_site: int = 12) -> City:
    """``cases`` cases along random paths: some acted on a month ago (so deadlines are
    past and open ones are overdue now), some acted on in the days ahead; then ``on_site``
    fixes on the spot, every fourth still waiting for its after photo."""
    city = make_city(session)
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    real_now = datetime.now(UTC)
    for n in range(cases):
        start = real_now - timedelta(days=40) if n % 3 == 0 else real_now
        walker = Walker(session, city, rng, start)
        try:
            city.case_ids.append(walker.walk())
        except AppError as exc:  # pragma: no cover - the path above only takes legal steps
            raise AssertionError(f"case {n}: {exc.detail_code} {exc.errors}") from exc
    for n in range(on_site):
        city.case_ids.append(fix_on_site(session, city, rng, photos=(
            ("before",) if n % 4 == 3 else ("before", "after"))))
    session.flush()
    return city
