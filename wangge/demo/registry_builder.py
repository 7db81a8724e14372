"""The demo district's registry: buildings, rooms, households, people, rentals and shops,
tenancies, visits, party-member links and the people's move history.

Rows are written as the registry services would write them (`register_person`,
`create_household`, `rentals.create_rental`, `rentals.add_tenant`, `record_departure`, …): every
row carries its grid's path, `Person.grid` is the grid of the person's building,
`name_initials` is `services.initials(name)`, household addresses are `services.address_of(room)`,
every registered person has an "arrive" move, departed people keep their household and have a
"depart" move, and no document is active twice. The services are far too slow for a million
people, so the rows are produced as plain tuples, grid by grid (nothing holds a million model
objects), with explicit primary keys so that a household can name its head before the head is
written (the foreign keys are deferred to the end of the transaction):

- PostgreSQL: COPY, one statement per table per grid, with the registry tables' secondary
  indexes and foreign keys dropped for the load and re-created at the end (one validating
  query per foreign key instead of one trigger per row);
- SQLite: `executemany` inserts in batches.

Names come from Faker's zh_CN lists (surname weights included), never from the newspaper page.
Resident ID numbers are valid GB 11643 numbers: a real area code (Henan for registered
residents, the origin province for migrants) that was in use in the birth year, the birth date,
a sequence number whose parity is the sex, and the check digit from python-stdnum.

Everything is drawn from one `random.Random` derived from the demo seed, so the same seed,
scale and people count give the same registry. Dates of visits and recent tenancies are
relative to the day the demo is built (so the "unvisited for N days" lists have content);
everything else is fixed.
"""

from __future__ import annotations

import bisect
import itertools
import queue
import random
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone
from stdnum.cn import ric

from wangge.demo.meta import planned_people
from wangge.org.models import OrgUnit
from wangge.registry.models import (
    Building,
    BuildingKind,
    Household,
    IdType,
    PartyLink,
    Person,
    PersonMove,
    Relation,
    Rental,
    RentalKind,
    RentalStatus,
    ResidentStatus,
    Room,
    Tenancy,
    Visit,
    VisitOutcome,
)
from wangge.registry.services import initials
from wangge.registry.shortcode import new_short_code
from wangge.roster.models import AssignmentRole

# IT产业园's dormitory grids are denser than the note's household count suggests.
DORMITORY_WEIGHT = 3
DEPARTED_SHARE = 0.03
MOVED_SHARE = 0.02
PHONE_SHARE = 0.92  # of people aged 14 or more
VISITED_SHARE = 0.82
REGISTRY_SINCE = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)  # when the district's registry was filled

PHONE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
    "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185", "186", "187",
    "188", "189", "191", "198", "199",
]  # fmt: skip
# Henan (41): Zhengzhou's counties most, the rest of the province some.
HENAN_HOME = ["410122", "410181", "410182", "410183", "410184", "410185"]
ORIGIN_PROVINCES = {
    "41": 0.45, "34": 0.08, "42": 0.07, "37": 0.07, "13": 0.05, "51": 0.05, "36": 0.04, "43": 0.04,
    "61": 0.04, "14": 0.03, "32": 0.02, "45": 0.02, "52": 0.02, "50": 0.02,
}  # fmt: skip
EMPLOYERS_IT = ["富士康科技集团", "富士康（郑州）精密电子", "鸿富锦精密电子（郑州）有限公司"]
EMPLOYERS_OTHER = [
    "富士康科技集团", "郑州航空港区物流园", "郑州新郑国际机场", "比亚迪郑州基地", "顺丰速运", "美团配送",
    "航空港区建筑工地", "个体经营", "郑州兴港投资集团", "菜鸟网络", "中建七局", "蓝宝石科技",
]  # fmt: skip
SHOP_KINDS = [
    "烩面馆", "便民超市", "理发店", "五金店", "大药房", "水果店", "快递驿站", "小吃店", "烟酒店",
    "服装店", "手机维修", "蔬菜店", "早餐店", "干洗店", "母婴店",
]  # fmt: skip
STREETS = [
    "航海",
    "雁鸣",
    "新港",
    "迎宾",
    "云港",
    "护航",
    "空港",
    "郑港",
    "华夏",
    "商登",
    "舜英",
    "鄱阳",
    "兰河",
    "梅河",
]
ESTATE_TAILS = ["家园", "小区", "花园", "新苑", "名苑", "公馆"]
MANAGER_SHARE = 0.3
OUTCOMES = [
    (VisitOutcome.MET, 0.75),
    (VisitOutcome.NOBODY_HOME, 0.15),
    (VisitOutcome.REFUSED, 0.02),
    (VisitOutcome.ISSUE_FOUND, 0.08),
]
VISIT_NOTES = {
    VisitOutcome.MET: ["", "", "宣传防疫政策", "核对人员信息", "提醒按时核酸检测"],
    VisitOutcome.NOBODY_HOME: ["", "门上张贴告知单", "电话联系"],
    VisitOutcome.REFUSED: ["不配合登记", "拒绝开门"],
    VisitOutcome.ISSUE_FOUND: ["有外地返郑人员未报备", "租户信息未登记", "核酸检测未做", "居家隔离人员外出"],
}

PERSON_COLUMNS = (
    "id", "name", "name_initials", "id_type", "id_number", "id_warning", "sex", "birth_date", "phone",
    "status", "hukou_place", "origin", "employer", "arrival_date", "departure_date", "household_id",
    "relation", "grid_id", "path", "is_active", "code_version", "short_code", "merged_into_id", "created_at",
    "updated_at",
)  # fmt: skip
COLUMNS: dict[type, tuple[str, ...]] = {
    Building: ("id", "grid_id", "kind", "name", "address", "unit_count", "floor_count", "note", "path", "created_at"),
    Room: ("id", "building_id", "unit_label", "floor", "number", "path"),
    Household: ("id", "room_id", "address", "head_id", "note", "path", "created_at", "closed_at"),
    Person: PERSON_COLUMNS,
    PersonMove: ("person_id", "from_household_id", "to_household_id", "from_path", "to_path", "kind", "at",
                 "actor_id", "reason"),
    Rental: ("id", "kind", "building_id", "room_id", "name", "address", "landlord_id", "manager_name",
             "manager_phone", "status", "rooms", "capacity", "pledge_signed_on", "pledge_file",
             "placards_posted_on", "placards_posted_by", "note", "path", "created_at"),
    Tenancy: ("rental_id", "person_id", "move_in", "move_out", "reported_on", "from_risk_area", "path"),
    Visit: ("household_id", "rental_id", "visitor_id", "visitor_name", "visited_at", "outcome", "notes",
            "follow_up_needed", "follow_up_done_at", "path"),
    PartyLink: ("member_id", "household_id", "start_date", "end_date", "path"),
}  # fmt: skip
# From this many people on, PostgreSQL loads with the indexes and foreign keys dropped and
# re-created; below it (the default demo, the tests) they stay, which is fast enough and keeps
# a transaction that has just deleted a demo from re-checking every deletion at once.
BULK_LOAD_ABOVE = 100_000
COPY_BATCH = 25_000  # rows per COPY statement (grids are gathered until then)
# Written in this order: a table's foreign keys point only to tables before it, or are deferred.
TABLES = [Building, Room, Household, Person, PersonMove, Rental, Tenancy, Visit, PartyLink]


# ---------------------------------------------------------------------- names, IDs, phones
def _faker_pools() -> tuple[list[str], list[float], list[str], list[str]]:
    from faker.providers.person.zh_CN import Provider

    surnames = list(Provider.last_names)
    weights = list(itertools.accumulate(float(w) for w in Provider.last_names.values()))
    return surnames, weights, list(Provider.first_names_male), list(Provider.first_names_female)


def _area_codes() -> dict[str, list[tuple[str, int, int]]]:
    """Province (2 digits) → [(county code, first year, last year it was in use)], from stdnum's
    table (the years stdnum checks against the birth year)."""
    import stdnum

    path = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    codes: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    province = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        part, _, props = line.strip().partition(" ")
        if len(part) != 4 or part.endswith("00") or not props.startswith("county="):
            continue
        for segment in props[len('county="') : -1].split(","):
            if "市辖区" in segment:
                continue
            lo, hi = 1900, 2099
            if segment.startswith("["):
                span = segment[1:].split("]")[0]
                a, _, b = span.partition("-")
                lo, hi = int(a or 1900), int(b or 2099)
            codes[province].append((province + part, lo, hi))
    return codes


@cache
def _place_of(code: str, year: int) -> str:
    from stdnum.cn import ric

    body = f"{code}{year}0101001"
    info = ric.get_birth_place(body + ric.calc_check_digit(body + "0"))
    parts = [info.get("province", ""), info.get("prefecture", ""), info.get("county", "")]
    out = []
    for p in parts:
        p = p.split(",")[-1].split("]")[-1]
        if p and p not in out:
            out.append(p)
    return "".join(out)


def check_digit(body: str) -> str:
    """GB 11643's check digit, by python-stdnum (which expects a placeholder check digit)."""
    return ric.calc_check_digit(body + "0")


# ---------------------------------------------------------------------- plan structures
@dataclass
class _P:
    """A person being planned (slots only, to keep a grid's worth cheap)."""

    id: int
    name: str
    sex: str
    birth: date
    relation: str
    status: str
    id_number: str = ""
    phone: str = ""
    hukou_place: str = ""
    origin: str = ""
    employer: str = ""
    arrival: date | None = None
    departed: date | None = None


@dataclass
class _GridRows:
    rows: dict[type, list[tuple]] = field(default_factory=lambda: defaultdict(list))

    def add(self, model: type, row: tuple) -> None:
        self.rows[model].append(row)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(v) -> str:
    """One value in COPY's text format."""
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, str):
        return v.translate(_COPY_ESCAPES) if ("\\" in v or "\t" in v or "\n" in v or "\r" in v) else v
    return str(v)  # int, date (2022-03-01), aware datetime (2022-03-01 09:00:00+00:00)


def copy_text(rows: list[tuple]) -> str:
    """Rows in COPY's text format. Fast path: str() every value (booleans become True/False,
    which PostgreSQL reads), then None fields become \\N in one pass; the careful path when a
    value holds a tab, newline or backslash (or is the string "None")."""
    if not rows:
        return ""
    text = "\n".join(["\t".join(map(str, row)) for row in rows]) + "\n"
    width = len(rows[0])
    if (
        text.count("\t") != (width - 1) * len(rows)
        or text.count("\n") != len(rows)
        or "\\" in text
        or "\r" in text
    ):
        return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)
    nulls = sum(row.count(None) for row in rows)
    if nulls:
        text = "\n" + text
        for _ in range(2):  # twice: adjacent fields share their tab
            text = text.replace("\tNone\t", "\t\\N\t")
        text = text.replace("\nNone\t", "\n\\N\t").replace("\tNone\n", "\t\\N\n")[1:]
        if text.count("\\N") != nulls:  # a value was the string "None"
            return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)
    return text


class _Writer:
    """COPY on PostgreSQL, executemany on SQLite (dates adapted as Django does).

    On PostgreSQL the COPY statements run in a second thread on the same connection (the main
    thread does not touch the database meanwhile), so that generating the next grid in Python
    overlaps with the server loading the last one: the two cores both work."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"
        self.counts: dict[type, int] = defaultdict(int)
        self.seconds = 0.0  # time the main thread spent writing or waiting for the writer
        self.queue: queue.Queue | None = None
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.server_seconds = 0.0  # time the writer thread spent in COPY
        self.buffers: dict[type, list[str]] = defaultdict(list)
        self.buffered: dict[type, int] = defaultdict(int)
        self.format_seconds = 0.0

    def __enter__(self) -> _Writer:
        if self.pg:
            connection.ensure_connection()
            raw = connection.connection
            self.queue = queue.Queue(maxsize=3)
            self.thread = threading.Thread(target=self._copy_worker, args=(raw,), daemon=True)
            self.thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.thread is not None:
            started = time.perf_counter()
            if exc is None:
                for model in TABLES:
                    self._flush(model)
            self.queue.put(None)
            self.thread.join()
            self.seconds += time.perf_counter() - started
            self.thread = None
        if self.error is not None and exc is None:
            raise self.error

    def _flush(self, model: type) -> None:
        if not self.buffers[model]:
            return
        table = model._meta.db_table
        data = "".join(self.buffers[model]).encode()
        self.buffers[model] = []
        self.buffered[model] = 0
        self.queue.put((f"COPY {table} ({', '.join(COLUMNS[model])}) FROM STDIN", data))

    def _copy_worker(self, raw) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is not None:
                continue  # drain
            sql, text = item
            started = time.perf_counter()
            try:
                with raw.cursor() as cur, cur.copy(sql) as copy:
                    copy.write(text)
                self.server_seconds += time.perf_counter() - started
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                self.error = exc

    def write(self, model: type, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.error is not None:
            raise self.error
        started = time.perf_counter()
        table = model._meta.db_table
        cols = COLUMNS[model]
        self.counts[model] += len(rows)
        if self.pg:
            buffer = self.buffers[model]
            buffer.append(copy_text(rows))
            self.buffered[model] += len(rows)
            self.format_seconds += time.perf_counter() - started
            if self.buffered[model] >= COPY_BATCH:
                self._flush(model)
        else:
            self._insert(model, table, cols, rows)
        self.seconds += time.perf_counter() - started

    @staticmethod
    def _insert(model: type, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
        ops = connection.ops
        conv = []
        for col in cols:
            f = model._meta.get_field(col[:-3] if col.endswith("_id") and col != "id" else col)
            kind = f.get_internal_type()
            if kind == "DateTimeField":
                conv.append(ops.adapt_datetimefield_value)
            elif kind == "DateField":
                conv.append(ops.adapt_datefield_value)
            else:
                conv.append(None)
        if any(conv):
            rows = [
                tuple(c(v) if c and v is not None else v for c, v in zip(conv, r, strict=True)) for r in rows
            ]
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"  # noqa: S608 - table and columns are ours
        with connection.cursor() as cur:
            for i in range(0, len(rows), 2000):
                cur.executemany(sql, rows[i : i + 2000])


@contextmanager
def _bulk_load_mode(models: Iterable[type], timings: dict[str, float]) -> Iterator[None]:
    """PostgreSQL: drop the tables' secondary indexes and foreign keys, re-create them at the end
    (inside the caller's transaction, so a failure leaves everything as it was)."""
    tables = [m._meta.db_table for m in models]
    if connection.vendor != "postgresql" or not tables:
        yield
        return
    started = time.perf_counter()
    with connection.cursor() as cur:
        # pending deferred checks (the tree, the roster) would forbid dropping the foreign keys
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cur.execute(
            """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
               FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)""",
            [tables],
        )
        fks = cur.fetchall()
        cur.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
               FROM pg_index i
               WHERE i.indrelid::regclass::text = ANY(%s)
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
            [tables],
        )
        indexes = cur.fetchall()
        for table, name, _definition in fks:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cur.execute(f"DROP INDEX {name}")
    timings["drop_indexes"] = time.perf_counter() - started
    yield
    with connection.cursor() as cur:
        for name, definition in indexes:
            started = time.perf_counter()
            cur.execute(definition)
            timings[f"index {name}"] = time.perf_counter() - started
        started = time.perf_counter()
        for table, name, definition in fks:
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        timings["foreign_keys"] = time.perf_counter() - started
        cur.execute("SET CONSTRAINTS ALL DEFERRED")


# ---------------------------------------------------------------------- the builder
class RegistryBuilder:
    def __init__(self, demo, people: int | None = None) -> None:
        """`demo` is a DemoBuilder whose tree and roster are saved (units and staff have keys)."""
        self.demo = demo
        self.total = planned_people(demo.scale, people)
        self.rng = random.Random(demo.seed * 7919 + 11)
        self.surnames, self.surname_cum, self.male_given, self.female_given = _faker_pools()
        given_m = self.male_given
        given_f = self.female_given
        # Two-character given names are pairs of Faker's characters, a fixed pool per seed.
        pool_rng = random.Random(demo.seed)
        given_m = [g for g in given_m if len(g) == 1]
        given_f = [g for g in given_f if len(g) == 1]
        self.male_given2 = sorted({pool_rng.choice(given_m) + pool_rng.choice(given_m) for _ in range(500)})
        self.female_given2 = sorted({pool_rng.choice(given_f) + pool_rng.choice(given_f) for _ in range(500)})
        codes = _area_codes()
        self.codes = {p: codes[p] for p in ORIGIN_PROVINCES}
        self.home_codes = [c for c in codes["41"] if c[0] in HENAN_HOME]
        self.codes_by_year: dict[tuple[str | None, int], list[str]] = {}
        self.province_names = {
            p: _place_of(next(c for c, lo, hi in self.codes[p] if lo <= 2000 <= hi), 2000)[:3]
            for p in ORIGIN_PROVINCES
        }
        self.origin_keys = list(ORIGIN_PROVINCES)
        self.origin_cum = list(itertools.accumulate(ORIGIN_PROVINCES.values()))
        self.id_bodies: set[str] = set()
        self.initials_cache: dict[str, str] = {}
        self.hukou_cache: dict[str, str] = {}
        self.today = timezone.localdate()
        self.now = timezone.now().replace(microsecond=0)
        self.next_id = {m: self._max_id(m) + 1 for m in (Building, Room, Household, Person, Rental)}
        self.writer = _Writer()
        self.seconds = 0.0
        self.timings: dict[str, float] = {}
        from wangge.demo.meta import PAGE_PEOPLE

        self.page_people = PAGE_PEOPLE

    @staticmethod
    def _max_id(model: type) -> int:
        last = model.objects.order_by("-id").values_list("id", flat=True).first()
        return last or 0

    def _id(self, model: type) -> int:
        n = self.next_id[model]
        self.next_id[model] = n + 1
        return n

    # ---------------------------------------------------------------- draws
    def _name(self, sex: str, surname: str | None = None) -> str:
        rng = self.rng
        while True:
            last = (
                surname or self.surnames[bisect.bisect(self.surname_cum, rng.random() * self.surname_cum[-1])]
            )
            if rng.random() < 0.35:
                given = rng.choice(self.male_given if sex == "M" else self.female_given)
            else:
                given = rng.choice(self.male_given2 if sex == "M" else self.female_given2)
            name = last + given
            if name not in self.page_people:
                return name
            surname = None

    def _initials(self, name: str) -> str:
        got = self.initials_cache.get(name)
        if got is None:
            got = self.initials_cache[name] = initials(name)
        return got

    def _codes(self, province: str | None, year: int) -> list[str]:
        """Area codes in use in that year: Zhengzhou's counties for the district's own people
        (else Henan's), the province's for migrants. Sorted, so the draw is deterministic."""
        key = (province, year)
        got = self.codes_by_year.get(key)
        if got is None:
            pool = self.home_codes if province is None else self.codes[province]
            got = sorted({c for c, lo, hi in pool if lo <= year <= hi})
            if not got and province is None:
                got = sorted({c for c, lo, hi in self.codes["41"] if lo <= year <= hi})
            elif not got:  # e.g. 重庆 before 1997: born in 四川 then
                got = self._codes("51" if province == "50" else None, year)
            self.codes_by_year[key] = got
        return got

    def _resident_id(self, province: str | None, birth: date, sex: str) -> tuple[str, str]:
        """A new valid ID number and the matching place of household registration."""
        rng = self.rng
        code = rng.choice(self._codes(province, birth.year))
        stem = f"{code}{birth:%Y%m%d}"
        while True:
            seq = rng.randrange(0, 999)
            if (seq % 2 == 1) != (sex == "M"):
                seq += 1
            body = f"{stem}{seq:03d}"
            if body not in self.id_bodies:
                self.id_bodies.add(body)
                return body + check_digit(body), self._hukou(code, birth.year)

    def _hukou(self, code: str, year: int) -> str:
        """The place of household registration: the area's name (its birth-year name, once per code)."""
        got = self.hukou_cache.get(code)
        if got is None:
            got = self.hukou_cache[code] = _place_of(code, year)
        return got

    def _phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}"

    def _birth(self, age_lo: int, age_hi: int) -> date:
        # ages as of the demo's fixed day, so that the same seed gives the same IDs any day
        anchor = date(2022, 3, 28)
        days = self.rng.randint(age_lo * 365, age_hi * 365 + 364)
        return anchor - timedelta(days=days)

    def _origin(self) -> str:
        return self.origin_keys[bisect.bisect(self.origin_cum, self.rng.random() * self.origin_cum[-1])]

    # ---------------------------------------------------------------- households
    def _family(self, status: str, size: int, *, employer: str = "") -> list[_P]:
        rng = self.rng
        migrant = status != ResidentStatus.REGISTERED
        province = self._origin() if migrant else None
        head_sex = "M" if rng.random() < 0.62 else "F"
        head_age = rng.randint(24, 45) if migrant else rng.randint(26, 78)
        head = self._person(head_sex, head_age, Relation.HEAD, status, province)
        people = [head]
        family_surname = head.name[0] if head_sex == "M" else None
        slots = []
        if size >= 2:
            slots.append(Relation.SPOUSE if rng.random() < 0.85 else Relation.CHILD)
        while len(slots) < size - 1:
            r = rng.random()
            if head_age > 62 and r < 0.3:
                slots.append(Relation.GRANDCHILD)
            elif r < 0.75 or head_age > 62:
                slots.append(Relation.CHILD)
            elif Relation.PARENT not in slots or slots.count(Relation.PARENT) < 2:
                slots.append(Relation.PARENT)
            else:
                slots.append(Relation.SIBLING)
        for relation in slots:
            sex = "M" if rng.random() < 0.5 else "F"
            if relation == Relation.SPOUSE:
                sex = "F" if head_sex == "M" else "M"
                age = max(20, head_age + rng.randint(-5, 5))
                p = self._person(sex, age, relation, status, province)
                if family_surname is None:
                    family_surname = p.name[0]
            elif relation == Relation.CHILD:
                age = max(0, min(head_age - 20, head_age - rng.randint(22, 34)))
                p = self._person(sex, age, relation, status, province, surname=family_surname or head.name[0])
            elif relation == Relation.GRANDCHILD:
                age = max(0, head_age - rng.randint(44, 60))
                p = self._person(sex, age, relation, status, province, surname=family_surname or head.name[0])
            elif relation == Relation.PARENT:
                age = min(96, head_age + rng.randint(22, 32))
                p = self._person(sex, age, relation, status, province)
            else:
                age = max(16, head_age + rng.randint(-8, 8))
                p = self._person(sex, age, relation, status, province, surname=head.name[0])
            people.append(p)
        if migrant:
            arrival = self.today - timedelta(days=rng.randint(20, 2500))
            work = employer or rng.choice(EMPLOYERS_OTHER)
            for p in people:
                p.arrival = arrival
                p.origin = self.province_names[province]
                age = (date(2022, 3, 28) - p.birth).days // 365
                if 18 <= age <= 58 and (p is head or rng.random() < 0.6):
                    p.employer = work
        return people

    def _person(
        self,
        sex: str,
        age: int,
        relation: str,
        status: str,
        province: str | None,
        *,
        surname: str | None = None,
    ) -> _P:
        birth = self._birth(age, age)
        p = _P(
            id=self._id(Person),
            name=self._name(sex, surname),
            sex=sex,
            birth=birth,
            relation=relation,
            status=status,
        )
        p.id_number, p.hukou_place = self._resident_id(province, birth, sex)
        if age >= 14 and self.rng.random() < PHONE_SHARE:
            p.phone = self._phone()
        return p

    def _dorm_room(self, size: int) -> list[_P]:
        rng = self.rng
        sex = "M" if rng.random() < 0.6 else "F"
        people = []
        arrival = self.today - timedelta(days=rng.randint(5, 900))
        employer = rng.choice(EMPLOYERS_IT)
        for i in range(size):
            province = self._origin()
            p = self._person(sex, rng.randint(18, 40), Relation.HEAD if i == 0 else Relation.COLLEAGUE,
                             ResidentStatus.MIGRANT, province)  # fmt: skip
            p.arrival = arrival + timedelta(days=rng.randint(0, 30)) if i else arrival
            p.arrival = min(p.arrival, self.today)
            p.origin = self.province_names[province]
            p.employer = employer
            people.append(p)
        return people

    # ---------------------------------------------------------------- grids
    def _grid_quotas(self) -> list[tuple[OrgUnit, object, int, int]]:
        """(grid, village info, ordinal in village, people) for every grid, summing to the total."""
        entries = []
        for office_code in sorted(self.demo.villages):
            for info in self.demo.villages[office_code]:
                for n, grid in enumerate(info.grids, 1):
                    households = int("".join(ch for ch in grid.note if ch.isdigit()) or 300)
                    weight = households * (DORMITORY_WEIGHT if office_code == "GK-IT" else 1)
                    entries.append((grid, info, n, weight))
        total_w = sum(e[3] for e in entries)
        raw = [self.total * e[3] / total_w for e in entries]
        quotas = [int(x) for x in raw]
        rest = self.total - sum(quotas)
        for i in sorted(range(len(raw)), key=lambda i: raw[i] - quotas[i], reverse=True)[:rest]:
            quotas[i] += 1
        return [(e[0], e[1], e[2], q) for e, q in zip(entries, quotas, strict=True)]

    def build(self) -> dict[str, int]:
        started = time.perf_counter()
        workers: dict[int, list[str]] = defaultdict(list)
        members: dict[int, list[tuple[int, date, int]]] = defaultdict(list)
        for a in self.demo.assignments:
            if a.end_date is not None:
                continue
            if a.role in (AssignmentRole.GRID_WORKER, AssignmentRole.GRID_LEADER):
                workers[a.unit.pk].append(a.staff.name)
            elif a.role == AssignmentRole.PARTY_MEMBER:
                digits = "".join(ch for ch in a.note if ch.isdigit())
                members[a.unit.pk].append((a.staff.pk, a.start_date, int(digits or 10)))
        bulk = self.total >= BULK_LOAD_ABOVE
        with _bulk_load_mode(TABLES if bulk else [], self.timings), self.writer:
            for grid, info, ordinal, quota in self._grid_quotas():
                rows = _GridRows()
                self._plan_grid(rows, grid, info, ordinal, quota, workers.get(grid.pk) or ["网格员"],
                                members.get(grid.pk, []))  # fmt: skip
                for model in TABLES:
                    self.writer.write(model, rows.rows.get(model, []))
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for sql in connection.ops.sequence_reset_sql(no_style(), TABLES):
                    cur.execute(sql)
        self.seconds = time.perf_counter() - started
        self.timings["copy"] = self.writer.seconds
        self.timings["copy_format"] = self.writer.format_seconds
        self.timings["copy_server"] = self.writer.server_seconds
        self.timings["total"] = self.seconds
        return {m._meta.model_name: n for m, n in self.writer.counts.items()}

    def _plan_grid(self, rows: _GridRows, grid, info, ordinal: int, quota: int, workers, members) -> None:
        rng = self.rng
        office = info.office.code
        village = info.unit
        path = grid.path
        households: list[tuple[int, str, list[_P], str]] = []  # id, address, people, kind of building
        rentals: list[tuple[int, list[_P], int]] = []  # rental id, tenants, capacity
        left = quota
        k = 0
        street = rng.choice(STREETS)
        house_no = rng.randint(1, 60)

        def building(kind: str, name: str, address: str, units: int, floors: int) -> int:
            bid = self._id(Building)
            rows.add(Building, (bid, grid.pk, kind, name, address, units, floors, "", path, self.now))
            return bid

        def room(bid: int, unit_label: str, floor: int, number: str) -> int:
            rid = self._id(Room)
            rows.add(Room, (rid, bid, unit_label, floor, number, path))
            return rid

        def household(rid: int, address: str, people: list[_P], kind: str) -> int:
            hid = self._id(Household)
            head = people[0].id
            rows.add(Household, (hid, rid, address, head, "", path, self.now, None))
            households.append((hid, address, people, kind))
            return hid

        def address_of(b_address: str, b_name: str, unit_label: str, number: str) -> str:
            parts = [b_address or b_name]
            if b_address and b_name not in b_address:
                parts.append(b_name)
            if unit_label:
                parts.append(unit_label)
            parts.append(number)
            return " ".join(p for p in parts if p)

        def take(size: int) -> int:
            nonlocal left
            size = min(size, left)
            left -= size
            return size

        def family_size() -> int:
            return rng.choices((1, 2, 3, 4, 5), (12, 25, 28, 22, 13))[0]

        def shop_row(k: int, size: int) -> None:
            """A row of street-facing shops; each shop is a small household of tenants and a rental.
            The landlord is the head of one of the grid's registered households, or else a family
            living above the shops."""
            if size <= 0:
                return
            name = f"沿街商铺{k}排"
            address = f"{street}路{house_no + 100 + k}号"
            bid = building(BuildingKind.SHOP_ROW, name, address, 1, rng.randint(1, 3))
            owners = [h[2][0] for h in households if h[3] in ("house", "flat")
                      and h[2][0].status == ResidentStatus.REGISTERED]  # fmt: skip
            if not owners:
                rid = room(bid, "", 2, "201")
                n = min(size, rng.randint(1, 4))
                size -= n
                family = self._family(ResidentStatus.REGISTERED, n)
                household(rid, address_of(address, name, "", "201"), family, "flat")
                owners = [family[0]]
            m = 0
            while size > 0:
                m += 1
                number = f"{k}-{m:02d}"
                rid = room(bid, "", 1, number)
                n = min(size, rng.randint(1, 3))
                size -= n
                status = ResidentStatus.TENANT if rng.random() < 0.6 else ResidentStatus.MIGRANT
                people = self._family(status, n, employer="个体经营")
                shop_address = address_of(address, name, "", number)
                household(rid, shop_address, people, "shop")
                sign = f"{people[0].name[0]}记{rng.choice(SHOP_KINDS)}"
                over = rng.random() < 0.05
                capacity = max(1, n - 1) if over else n + rng.randint(0, 2)
                rentals.append(self._rental(rows, grid, bid, rid, sign, shop_address, rng.choice(owners), 1,
                                            capacity, people, kind=RentalKind.SHOP))  # fmt: skip

        if office == "GK-IT":
            if village.code.endswith("-FSK"):
                letter = grid.name[0]
                building(BuildingKind.FACTORY, f"{letter}区厂房", f"富士康{letter}区", 1, rng.randint(2, 5))
            while left > 0:
                k += 1
                if village.code.endswith("-XR"):
                    name = f"鑫荣公寓{ordinal}-{k}号楼"
                elif village.code.endswith("-SHQ"):
                    name = f"生活区{ordinal}-{k}号宿舍楼"
                else:
                    name = f"{grid.name[0]}区员工宿舍{k}栋"
                address = f"{street}路{house_no + k}号"
                floors = 6
                bid = building(BuildingKind.DORMITORY, name, address, 1, floors)
                for floor in range(1, floors + 1):
                    for pos in range(1, 21):
                        if left <= 0:
                            break
                        number = f"{floor}{pos:02d}"
                        rid = room(bid, "", floor, number)
                        people = self._dorm_room(take(rng.randint(4, 8)))
                        household(rid, address_of(address, name, "", number), people, "dorm")
        elif info.community:
            estate = (
                grid.name
                if not grid.name.startswith("第")
                else f"{village.name[:2]}{rng.choice(ESTATE_TAILS)}"
            )
            shops = "商铺" in grid.name
            reserve = take(rng.randint(6, 14)) if not shops and quota >= 60 else 0
            while left > 0:
                k += 1
                if shops:
                    shop_row(k, take(rng.randint(10, 30)))
                    continue
                name = f"{k}号楼"
                address = f"{street}路{house_no}号{estate}"
                units, floors = rng.randint(2, 4), rng.choice((6, 11, 18, 26))
                bid = building(BuildingKind.RESIDENTIAL, name, address, units, floors)
                for u in range(1, units + 1):
                    for floor in range(1, floors + 1):
                        for pos in (1, 2):
                            if left <= 0:
                                break
                            number = f"{floor}{pos:02d}"
                            label = f"{u}单元"
                            rid = room(bid, label, floor, number)
                            if rng.random() < 0.06:
                                continue  # empty flat
                            status = (
                                ResidentStatus.REGISTERED if rng.random() < 0.8 else ResidentStatus.TENANT
                            )
                            people = self._family(status, take(family_size()))
                            household(rid, address_of(address, name, label, number), people, "flat")
            if reserve:
                shop_row(1, reserve)  # the grid's only row: 沿街商铺1排
        else:  # a village: self-built houses, some let out, and a shop row
            reserve = take(rng.randint(4, 10)) if quota >= 60 else 0
            while left > 0:
                k += 1
                name = f"{ordinal}组{k}号"
                address = f"{village.name}{name}"
                floors = rng.randint(2, 4)
                let = floors >= 3 and rng.random() < 0.45
                bid = building(BuildingKind.VILLAGE_HOUSE, name, address, 1, floors)
                rid = room(bid, "", 1, "101")
                owner = self._family(ResidentStatus.REGISTERED, take(family_size()))
                household(rid, address_of(address, name, "", "101"), owner, "house")
                if not let:
                    continue
                tenants: list[_P] = []
                tenant_rooms = 0
                for floor in range(2, floors + 1):
                    for pos in range(1, rng.randint(2, 4)):
                        if left <= 0:
                            break
                        number = f"{floor}{pos:02d}"
                        trid = room(bid, "", floor, number)
                        tenant_rooms += 1
                        status = ResidentStatus.TENANT if rng.random() < 0.5 else ResidentStatus.MIGRANT
                        people = self._family(status, take(rng.choices((1, 2, 3, 4), (30, 35, 25, 10))[0]))
                        household(trid, address_of(address, name, "", number), people, "let")
                        tenants.extend(people)
                if tenants:
                    over = rng.random() < 0.08
                    capacity = (
                        max(1, len(tenants) - rng.randint(1, 3)) if over else len(tenants) + rng.randint(0, 4)
                    )
                    rentals.append(self._rental(rows, grid, bid, None, "", address, owner[0], tenant_rooms,
                                                capacity, tenants))  # fmt: skip
            if reserve:
                shop_row(1, reserve)
        self._people_rows(rows, grid, households, workers, members, rentals)

    def _rental(self, rows, grid, bid, rid, name, address, landlord: _P, rooms, capacity, tenants,
                kind=RentalKind.DWELLING) -> tuple[int, list[_P], int]:  # fmt: skip
        rng = self.rng
        rental_id = self._id(Rental)
        manager_name = manager_phone = ""
        if rng.random() < MANAGER_SHARE:
            manager_name = self._name("M" if rng.random() < 0.5 else "F")
            manager_phone = self._phone()
        signed = self.today - timedelta(days=rng.randint(1, 400)) if rng.random() < 0.8 else None
        posted = self.today - timedelta(days=rng.randint(1, 200)) if rng.random() < 0.7 else None
        posted_by = self._name("M" if rng.random() < 0.5 else "F") if posted else ""
        rows.add(Rental, (rental_id, kind, bid, rid, name, address, landlord.id, manager_name, manager_phone,
                          RentalStatus.LET, rooms, capacity, signed, "", posted, posted_by, "", grid.path,
                          self.now))  # fmt: skip
        return rental_id, tenants, capacity

    def _people_rows(self, rows, grid, households, workers, members, rentals) -> None:
        rng = self.rng
        path = grid.path
        now = self.now
        family_households: list[int] = []
        earlier: list[int] = []
        for hid, _address, people, kind in households:
            head = people[0]
            if kind != "dorm":
                family_households.append(hid)
            for p in people:
                if p is not head and rng.random() < DEPARTED_SHARE:
                    p.departed = self.today - timedelta(days=rng.randint(1, 400))
                arrived = (
                    datetime(p.arrival.year, p.arrival.month, p.arrival.day, 10, tzinfo=UTC)
                    if p.arrival
                    else REGISTRY_SINCE
                )
                rows.add(Person, (
                    p.id, p.name, self._initials(p.name), IdType.RESIDENT_ID, p.id_number, "", p.sex, p.birth,
                    p.phone, p.status, p.hukou_place, p.origin, p.employer, p.arrival, p.departed, hid,
                    p.relation, grid.pk, path, p.departed is None, 1, new_short_code(), None, now, now,
                ))  # fmt: skip
                if earlier and rng.random() < MOVED_SHARE:
                    # registered elsewhere in the grid first, then moved here (transfer_person)
                    before = rng.choice(earlier)
                    rows.add(PersonMove, (p.id, None, before, "", path, "arrive", arrived, None, ""))
                    moved = arrived + timedelta(days=rng.randint(30, 600))
                    rows.add(
                        PersonMove, (p.id, before, hid, path, path, "move", min(moved, now), None, "搬家")
                    )
                else:
                    rows.add(PersonMove, (p.id, None, hid, "", path, "arrive", arrived, None, ""))
                if p.departed:
                    at = datetime(p.departed.year, p.departed.month, p.departed.day, 15, tzinfo=UTC)
                    rows.add(PersonMove, (p.id, hid, None, path, "", "depart", at, None,
                                          rng.choice(("返乡", "外出务工", "搬离本区", "求学"))))  # fmt: skip
            earlier.append(hid)
            # visits to the household: the last one 0–60 days ago, some never
            if rng.random() < VISITED_SHARE:
                self._visits(rows, path, workers, household_id=hid)
        for rental_id, tenants, _capacity in rentals:
            for p in tenants:
                if p.relation == Relation.CHILD and rng.random() < 0.5:
                    continue
                move_in = p.arrival or (self.today - timedelta(days=rng.randint(10, 700)))
                if rng.random() < 0.1:  # reported late
                    reported = move_in + timedelta(days=rng.randint(3, 12))
                else:
                    reported = move_in + timedelta(days=rng.randint(0, 1))
                reported = min(reported, self.today)
                move_out = p.departed if p.departed and p.departed >= move_in else None
                rows.add(Tenancy, (rental_id, p.id, move_in, move_out, reported, rng.random() < 0.02, path))
            if rng.random() < 0.7:
                self._visits(rows, path, workers, rental_id=rental_id)
        # 党员联户: each party member links about ten households; the rest stay uncovered
        order = family_households[:]
        rng.shuffle(order)
        at = 0
        for staff_id, start, count in members:
            for hid in order[at : at + count]:
                rows.add(PartyLink, (staff_id, hid, start, None, path))
            at += count

    def _visits(self, rows, path, workers, household_id=None, rental_id=None) -> None:
        rng = self.rng
        count = 2 if rng.random() < 0.2 else 1
        last_days = rng.randint(0, 60)
        for i in range(count):
            days = last_days + i * rng.randint(7, 40)
            at = self.now - timedelta(days=days, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
            outcome = rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
            follow = outcome == VisitOutcome.ISSUE_FOUND
            done = at + timedelta(days=1) if follow and (i > 0 or rng.random() < 0.5) else None
            rows.add(Visit, (household_id, rental_id, None, rng.choice(workers), at, outcome,
                             rng.choice(VISIT_NOTES[outcome]), follow, done, path))  # fmt: skip


def registry_counts() -> dict[str, int]:
    return {
        "buildings": Building.objects.count(),
        "rooms": Room.objects.count(),
        "households": Household.objects.count(),
        "people": Person.objects.count(),
        "people_active": Person.objects.filter(is_active=True).count(),
        "rentals": Rental.objects.count(),
        "tenancies": Tenancy.objects.count(),
        "visits": Visit.objects.count(),
        "party_links": PartyLink.objects.count(),
        "person_moves": PersonMove.objects.count(),
    }


def registry_digest() -> str:
    """A digest of the registry's content that ignores database ids and build-time timestamps."""
    import hashlib

    code_of = dict(OrgUnit.objects.values_list("id", "code"))

    def rows(qs, *fields):
        return sorted(tuple("" if v is None else str(v) for v in row) for row in qs.values_list(*fields))

    parts = [
        sorted(
            (code_of[g], *rest)
            for g, *rest in Building.objects.values_list(
                "grid_id", "kind", "name", "address", "unit_count", "floor_count"
            )
        ),
        rows(Household.objects.all(), "address", "head__id_number"),
        sorted(
            (code_of[g], *("" if v is None else str(v) for v in rest))
            for g, *rest in Person.objects.values_list(
                "grid_id",
                "name",
                "id_number",
                "sex",
                "birth_date",
                "phone",
                "status",
                "hukou_place",
                "origin",
                "employer",
                "arrival_date",
                "departure_date",
                "household__address",
                "relation",
                "is_active",
            )
        ),  # fmt: skip
        rows(Rental.objects.all(), "kind", "name", "address", "landlord__id_number", "rooms", "capacity"),
        rows(Tenancy.objects.all(), "rental__address", "person__id_number", "move_in", "reported_on"),
        rows(Visit.objects.all(), "household__address", "rental__address", "visitor_name", "outcome"),
        rows(PartyLink.objects.all(), "member__name", "member__phone", "household__address"),
        rows(PersonMove.objects.all(), "person__id_number", "kind", "to_household__address"),
    ]
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode())
    return h.hexdigest()


def wipe_registry() -> None:
    """Delete every registry row (for tests that rebuild the demo), and the testing rounds on it."""
    from wangge.demo.testing_builder import wipe_testing

    wipe_testing()
    for model in (Visit, PartyLink, Tenancy, Rental, PersonMove):
        model.objects.all()._raw_delete(connection.alias)
    Household.objects.update(head=None)
    Person.objects.update(merged_into=None)
    for model in (Person, Household, Room, Building):
        model.objects.all()._raw_delete(connection.alias)
