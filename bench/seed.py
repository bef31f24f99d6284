"""Seed a PostgreSQL database with eight years of cases, for the list benchmarks.

    .venv/bin/python -m bench.seed [--applications 100000] [--reset]

DATABASE_URL picks the database (default postgres://postgres@127.0.0.1:5432/ssc_bench); it is
created if missing and migrated. A fixed random seed makes every run produce the same rows.

Why it is built this way:

* Case history is written as the flow would have written it, row for row: the same
  `flow_task` strings, task types, owner permissions (on the examining province or the
  Ministry, as `OfficialTask.Permission` computes them), `task_previous` links, process
  status and issuer IDs from `issuers.identifiers.format_issuer_id` on a gapless serial.
  Running 100,000 cases through the real views would take hours (the demo needs ~3 s a case).
* Rows go in with COPY, in one transaction: minutes, not hours, and a crash leaves nothing half
  seeded. Explicit ids let one pass write applications, processes and tasks together.
* Memberships go through `issuers.membership.add_member`, so the guardian object permissions
  are exactly the ones the app grants (viewflow's queue filter reads them).
* The timeline (CaseEvent) and materials are skipped: the lists do not read them, and the
  timeline is a hash chain that only `audit.chain` may extend.
* The volume deliberately breaks one business rule: a department may hold only one open or
  approved application (`actions.refuse_second_application`), so 100,000 cases over ~360
  applying departments give many approved issuers per department. The database does not
  enforce the rule, and the lists must cope with this volume whatever it means.
* A marker table, `bench_seed_info`, records what was seeded; a second run refuses (or, with
  --reset, drops and recreates the database), and bench.lists refuses to run without it.
* The personas' inboxes are settled last (`settle_personas`): the persona holds no taken task,
  one colleague exactly a page of them, so that the lists' "frame" and "inbox" rows measure
  what they say; bench.lists and bench.scale run it again (idempotent) before measuring.
  Then VACUUM ANALYZE: two seeded databases are measured in the same state.
* `--applications 1000000` streams as 100,000 does (batches of 5,000): ~630 MB resident,
  23 minutes on a busy 2-CPU machine, a 6.6 GB database.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from django.db.models import QuerySet

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ssc_bench"
SEED = 20_261_122
MARKER_TABLE = "bench_seed_info"
# All cases are dated before this instant, so reruns on later days give the same rows.
END = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
YEARS = 8
BATCH = 5_000

# Users per department: the Ministry IT Office and provinces have several officials.
MEMBERS = {"ministry": 12, "provincial": 4, "municipal": 1, "district": 1}

DAY = 86_400.0


def database_url() -> str:
    return os.environ.setdefault("DATABASE_URL", DEFAULT_URL)


def ensure_database(url: str, *, reset: bool = False) -> bool:
    """Create the database named in url if it does not exist; returns whether it did.

    With reset, drop it first. Only databases whose name contains "bench" may be dropped.
    """
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reset:
            if "bench" not in name:
                raise SystemExit(f"refusing to drop {name!r}: only *bench* databases are reset")
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    return False


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    database_url()
    import django

    django.setup()


def seed_info() -> dict | None:
    """What bench.seed recorded in this database, or None if it was never seeded."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT info FROM {MARKER_TABLE} ORDER BY id DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def pending_migrations() -> list[str]:
    """The app's migrations not yet applied to the database (the code would expect them)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


# --- the cases -------------------------------------------------------------------------------


@dataclass
class Step:
    """One task of a case's history, before it is given ids and timestamps."""

    node: object
    role: str | None = None  # who owns it: examiner, reviewer or applicant
    open: bool = False  # the case waits on it (NEW or ASSIGNED)
    wait: float = 0.0  # seconds between the previous task finishing and this one finishing


@dataclass
class Case:
    application_id: int  # the id of its approvals_case row, which its application row shares
    department: object
    created: datetime.datetime
    submitted_at: datetime.datetime | None
    status: str
    steps: list[Step] = field(default_factory=list)


def status_mix(age_days: float) -> list[tuple[str, float]]:
    """Where a case submitted age_days ago stands: recent cases are mostly still open."""
    if age_days < 30:
        return [
            ("draft", 25),
            ("waiting", 50),
            ("returned", 10),
            ("rejected", 5),
            ("approved", 10),
        ]
    if age_days < 180:
        return [
            ("draft", 5),
            ("waiting", 20),
            ("returned", 10),
            ("rejected", 30),
            ("approved", 10),
            ("filed", 25),
        ]
    return [("draft", 1), ("returned", 3), ("rejected", 50), ("approved", 1), ("filed", 45)]


class CasePlanner:
    """Draws each case's fate and the flow steps that lead to it (IssuanceFlow's graph)."""

    def __init__(self, rng: random.Random) -> None:
        from approvals.flows import IssuanceFlow as F

        self.rng = rng
        self.F = F

    def _days(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high) * DAY

    def _gateway(self, node: object) -> Step:
        return Step(node, wait=self.rng.uniform(0.001, 0.01))

    def _decision(self, municipal: bool, at_exam: bool) -> list[Step]:
        """Steps up to and including a decision taken by the province or the Ministry."""
        F = self.F
        steps = []
        if municipal:
            steps.append(Step(F.provincial_examination, "examiner", wait=self._days(1, 20)))
            steps.append(self._gateway(F.after_examination))
            if at_exam:
                return steps
        steps.append(Step(F.ministry_review, "reviewer", wait=self._days(2, 40)))
        steps.append(self._gateway(F.after_review))
        return steps

    def plan(self, case: Case) -> None:
        """Fill case.status and case.steps for the fate drawn for it."""
        F, rng = self.F, self.rng
        municipal = case.department.kind == "municipal"
        fate = case.status
        if fate == "draft":
            case.steps = []
            return
        steps = [Step(F.submit, wait=0.0), self._gateway(F.route_by_applicant_level)]
        # One case in seven went through a return for correction before its current state.
        if rng.random() < 0.15:
            steps += self._decision(municipal, at_exam=municipal and rng.random() < 0.5)
            steps.append(Step(F.correction, "applicant", wait=self._days(3, 40)))
            steps.append(self._gateway(F.route_by_applicant_level))
        if fate == "waiting":
            at_exam = municipal and rng.random() < 0.5
            if at_exam:
                steps.append(Step(F.provincial_examination, "examiner", open=True))
                case.status = "examination"
            else:
                if municipal:
                    steps += self._decision(municipal, at_exam=True)
                steps.append(Step(F.ministry_review, "reviewer", open=True))
                case.status = "review"
        elif fate == "returned":
            steps += self._decision(municipal, at_exam=municipal and rng.random() < 0.5)
            steps.append(Step(F.correction, "applicant", open=True))
        elif fate == "rejected":
            steps += self._decision(municipal, at_exam=municipal and rng.random() < 0.3)
            steps.append(Step(F.rejected, wait=0.005))
        else:  # approved or filed
            steps += self._decision(municipal, at_exam=False)
            steps.append(Step(F.allocate_issuer_id, wait=rng.uniform(0.02, 0.05)))
            if fate == "approved":
                steps.append(Step(F.registry_filing, "reviewer", open=True))
            else:
                steps.append(Step(F.registry_filing, "reviewer", wait=self._days(1, 30)))
                steps.append(Step(F.filed, wait=0.005))
        case.steps = steps


# --- writing rows ----------------------------------------------------------------------------


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY rows into table; returns how many. Strings go in as text, so JSON can be a str."""
    from django.db import connection

    count = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def next_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]


def reset_sequence(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))",
            [table],
        )


class Seeder:
    """Writes departments, members, cases, tasks and issuers; see the module docstring."""

    CONTACTS = ["张明", "李华", "王芳", "刘洋", "陈静", "杨帆", "赵磊", "黄丽"]
    SUPPLIERS = ["东信和平科技股份有限公司", "恒宝股份有限公司", "天喻信息", "握奇数据", "楚天龙"]
    PRODUCTS = ["EW-SSC3 双界面卡", "SSC-3 金融社保卡", "HB-SSC 接触式卡", "CT-3 双界面卡"]

    def __init__(self, applications: int, seed: int = SEED) -> None:
        from issuers.file_structure import national_structure

        self.total = applications
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.counts: dict[str, int] = {}
        # Every seeded application applies for the national layout.
        self.structure = json.dumps(national_structure(), ensure_ascii=False)

    # departments and people

    def departments(self) -> list:
        """Every province and prefecture gets its HRSS department (the personas' included)."""
        from issuers.models import Department, Division

        existing = {(d.kind, d.division_id) for d in Department.objects.all()}
        new = []
        for division in Division.objects.filter(level__in=["province", "prefecture"]):
            if division.level == "province":
                kind = "provincial"
                suffix = "人力资源和社会保障厅"
                if division.code[:2] in {"11", "12", "31", "50"}:
                    suffix = "人力资源和社会保障局"
            else:
                kind, suffix = "municipal", "人力资源和社会保障局"
            if (kind, division.pk) in existing:
                continue
            english = f"{division.name_en} HRSS".strip() if division.name_en else ""
            new.append(
                Department(
                    name=f"{division.name_zh}{suffix}",
                    name_en=english,
                    kind=kind,
                    division=division,
                )
            )
        Department.objects.bulk_create(new, batch_size=500)
        return list(Department.objects.select_related("division").order_by("pk"))

    def members(self, departments: list) -> dict[int, list[int]]:
        """A few hundred officials, each made a member through add_member (guardian perms)."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password

        from approvals.demo import DEMO_PASSWORD
        from issuers.membership import add_member
        from issuers.models import Membership

        User = get_user_model()
        by_department: dict[int, list[int]] = {}
        for membership in Membership.objects.all():
            by_department.setdefault(membership.department_id, []).append(membership.user_id)
        password = make_password(DEMO_PASSWORD)
        wanted = []
        for department in departments:
            missing = MEMBERS.get(department.kind, 1) - len(by_department.get(department.pk, []))
            for number in range(max(0, missing)):
                user = User(username=f"bench-{department.pk}-{number + 1}", password=password)
                wanted.append((user, department))
        User.objects.bulk_create([user for user, _ in wanted], batch_size=500)
        for user, department in wanted:
            add_member(user, department)
            by_department.setdefault(department.pk, []).append(user.pk)
        return by_department

    # cases

    def cases(self, departments: list) -> Iterator[list[Case]]:
        """Draw the cases in batches: department, dates, fate and flow steps."""
        applying = [d for d in departments if d.may_apply]
        planner = CasePlanner(self.rng)
        application_id = next_id("approvals_case")
        span = YEARS * 365 * DAY
        batch: list[Case] = []
        for _ in range(self.total):
            department = self.rng.choice(applying)
            moment = END - datetime.timedelta(seconds=self.rng.uniform(0, span))
            age = (END - moment).total_seconds() / DAY
            fates, weights = zip(*status_mix(age), strict=True)
            fate = self.rng.choices(fates, weights)[0]
            if fate == "draft":
                created, submitted = moment, None
            else:
                created = moment - datetime.timedelta(seconds=self._days(1, 30))
                submitted = moment
            case = Case(application_id, department, created, submitted, fate)
            planner.plan(case)
            batch.append(case)
            application_id += 1
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def _days(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high) * DAY

    def application_row(self, case: Case, members: dict[int, list[int]]) -> tuple:
        rng = self.rng
        created_by = rng.choice(members[case.department.pk])
        planned_start = (case.created + datetime.timedelta(days=rng.randint(60, 365))).date()
        return (
            case.application_id,
            "application",
            case.department.pk,
            created_by,
            case.created,
            case.submitted_at,
            case.status,
            rng.choice(self.CONTACTS),
            f"0{rng.randint(10, 999)}-{rng.randint(1000_0000, 9999_9999)}",
            CARDHOLDERS,
            "参保职工及城乡居民 / insured employees and residents",
            rng.randrange(50_000, 5_000_000, 10_000),
            rng.choice(self.SUPPLIERS),
            rng.choice(self.PRODUCTS),
            rng.choices(["3.00", "2.00", "1.00"], [80, 15, 5])[0],
            planned_start,
            self.structure,
        )


CARDHOLDERS = json.dumps(["employees", "residents"])


# An application is a case (approvals_case) and its own data (approvals_application, sharing
# the id): the seeder draws one row of both and writes it in two.
CASE_COLUMNS = [
    "id",
    "kind",
    "department_id",
    "created_by_id",
    "created",
    "submitted_at",
    "status",
]
APPLICATION_COLUMNS = [
    *CASE_COLUMNS,
    "contact_person",
    "contact_phone",
    "cardholder_categories",
    "cardholder_population",
    "planned_quantity",
    "card_supplier",
    "card_product",
    "spec_version",
    "planned_start",
    "file_structure",
]
STATUS = APPLICATION_COLUMNS.index("status")
# What an approved application hands to its issuer's registered version 1.
SPEC_FIELDS = [
    "card_supplier",
    "card_product",
    "cardholder_categories",
    "cardholder_population",
    "planned_quantity",
    "spec_version",
]
SPEC_INDEXES = [APPLICATION_COLUMNS.index(name) for name in SPEC_FIELDS]
PROCESS_COLUMNS = ["id", "flow_class", "status", "created", "finished", "data"]
TASK_COLUMNS = [
    "id",
    "process_id",
    "flow_task",
    "flow_task_type",
    "status",
    "created",
    "assigned",
    "started",
    "finished",
    "token",
    "owner_id",
    "owner_permission",
    "owner_permission_obj_pk",
    "owner_permission_content_type_id",
    "data",
]
ISSUER_COLUMNS = [
    "id",
    "issuer_id",
    "serial",
    "status",
    "allocated_at",
    "filing_reference",
    "filing_date",
    "filing_receipt",
    "filed_at",
    "department_id",
    "division_id",
]
SPECIFICATION_COLUMNS = [
    "issuer_id",
    "version",
    "created_at",
    "card_supplier",
    "card_product",
    "cardholder_categories",
    "cardholder_population",
    "planned_quantity",
    "spec_version",
    "surface",
    "surface_content_type",
    "surface_version",
    "file_structure",
]


@dataclass(slots=True)
class Approval:
    """What the issuer register needs of an approved case, kept until serials are handed out."""

    application_id: int
    department_id: int
    division_id: int
    division_code: str
    allocated_at: datetime.datetime
    filed_at: datetime.datetime | None


class FlowWriter:
    """Turns planned steps into process, task and task_previous rows, as viewflow writes them."""

    def __init__(self, seeder: Seeder, departments: list, members: dict[int, list[int]]) -> None:
        from django.contrib.contenttypes.models import ContentType
        from viewflow.workflow.models import Process, Task

        from approvals.flows import IssuanceFlow
        from issuers.models import Department

        self.seeder = seeder
        self.rng = seeder.rng
        self.members = members
        self.flow_class = Process._meta.get_field("flow_class").get_prep_value(IssuanceFlow)
        self.task_field = Task._meta.get_field("flow_task")
        self.department_type = ContentType.objects.get_for_model(Department).pk
        self.ministry = next(d for d in departments if d.kind == "ministry")
        by_code = {d.division.code: d for d in departments if d.kind == "provincial"}
        self.examiner_of = {
            d.pk: by_code[d.division.province_code]
            for d in departments
            if d.kind == "municipal" and d.division.province_code in by_code
        }
        self.process_id = next_id("viewflow_process")
        self.task_id = next_id("viewflow_task")
        self.approvals: list[Approval] = []
        self.counts = {"tasks": 0, "open human tasks": 0, "task_previous": 0}

    def _owner(self, case: Case, role: str) -> tuple[int, str]:
        """The department whose permission the task needs, and one of its members."""
        if role == "examiner":
            department = self.examiner_of[case.department.pk]
        elif role == "reviewer":
            department = self.ministry
        else:
            department = case.department
        return department.pk, self.rng.choice(self.members[department.pk])

    def write(self, cases: list[Case], app_rows: list[tuple]) -> None:
        processes, links, tasks = [], [], []
        for case in cases:
            if not case.steps:
                continue
            process_id = self.process_id
            self.process_id += 1
            finished = self._tasks(case, process_id, tasks, links)
            status = "DONE" if finished else "NEW"
            processes.append(
                (process_id, self.flow_class, status, case.submitted_at, finished, "{}")
            )
            links.append(("process", process_id, case.application_id))
        own = len(CASE_COLUMNS)
        copy_rows("approvals_case", CASE_COLUMNS, (row[:own] for row in app_rows))
        copy_rows(
            "approvals_application",
            ["case_ptr_id", *APPLICATION_COLUMNS[own:]],
            ((row[0], *row[own:]) for row in app_rows),
        )
        copy_rows("viewflow_process", PROCESS_COLUMNS, processes)
        copy_rows(
            "approvals_caseprocess",
            ["process_ptr_id", "case_id"],
            ((p, a) for kind, p, a in links if kind == "process"),
        )
        self.counts["tasks"] += copy_rows("viewflow_task", TASK_COLUMNS, tasks)
        self.counts["task_previous"] += copy_rows(
            "viewflow_task_previous",
            ["from_task_id", "to_task_id"],
            ((f, t) for kind, f, t in links if kind == "previous"),
        )

    def _tasks(
        self, case: Case, process_id: int, tasks: list[tuple], links: list[tuple]
    ) -> datetime.datetime | None:
        """Append the case's task rows; returns when the process finished (None if open)."""
        total = sum(step.wait for step in case.steps)
        room = (END - case.submitted_at).total_seconds() - 60
        # A case submitted lately has not had time for long waits: squeeze them.
        scale = min(1.0, room / total) if total > 0 else 1.0
        clock = case.submitted_at
        previous = None
        finished_at = None
        allocated_at = filed_at = None
        for step in case.steps:
            node = step.node
            created = clock
            task_id = self.task_id
            self.task_id += 1
            owner = permission = obj_pk = None
            started = finished = None
            status = "DONE"
            if step.role is not None:
                obj_pk, member = self._owner(case, step.role)
                permission = node._owner_permission
                obj_pk = str(obj_pk)
            if step.open:
                self.counts["open human tasks"] += 1
                status = "NEW"
                # Three open tasks in ten have been taken by an official.
                if self.rng.random() < 0.3:
                    status, owner = "ASSIGNED", member
            else:
                finished = created + datetime.timedelta(seconds=max(step.wait * scale, 0.001))
                if node.task_type == "HUMAN":
                    owner = member
                    work = min(step.wait * scale / 2, self.rng.uniform(300, 3600))
                    started = finished - datetime.timedelta(seconds=work)
                elif node.task_type in ("START", "FUNCTION", "END"):
                    started = created
                clock = finished
            if node.name == "allocate_issuer_id":
                allocated_at = finished
            elif node.name == "registry_filing" and finished is not None:
                filed_at = finished
            if node.task_type == "END":
                finished_at = finished
            tasks.append(
                (
                    task_id,
                    process_id,
                    self.task_field.get_prep_value(node),
                    node.task_type,
                    status,
                    created,
                    None,
                    started,
                    finished,
                    "start",
                    owner,
                    permission,
                    obj_pk,
                    # What the app stores with a task addressed to a department, and reads
                    # back when it checks who may act on it (approvals.flows.OfficialTask).
                    self.department_type if permission else None,
                    "{}",
                )
            )
            if previous is not None:
                links.append(("previous", task_id, previous))
            previous = task_id
        if allocated_at is not None:
            self.approvals.append(
                Approval(
                    case.application_id,
                    case.department.pk,
                    case.department.division_id,
                    case.department.division.code,
                    allocated_at,
                    filed_at,
                )
            )
        return finished_at


def write_issuers(approvals: list[Approval], app_rows: dict[int, tuple]) -> int:
    """Issuer IDs in the order they were allocated, from the national serial, gapless.
    app_rows: the SPEC_FIELDS of each approved application, by its id."""
    from django.db import connection

    from issuers.file_structure import national_structure
    from issuers.identifiers import format_issuer_id
    from issuers.models import IssuerSerial

    counter, _ = IssuerSerial.objects.get_or_create(pk=1)
    serial = counter.last_value
    issuer_id = next_id("issuers_issuer")
    structure = json.dumps(national_structure(), ensure_ascii=False)
    issuers, specifications, links = [], [], []
    for approval in sorted(approvals, key=lambda a: a.allocated_at):
        serial += 1
        filed = approval.filed_at is not None
        issuers.append(
            (
                issuer_id,
                format_issuer_id(approval.division_code, serial),
                serial,
                "filed" if filed else "allocated",
                approval.allocated_at,
                f"ICRC-{approval.filed_at:%Y}-{serial:05d}" if filed else "",
                approval.filed_at.date() if filed else None,
                "receipts/bench-receipt" if filed else "",
                approval.filed_at,
                approval.department_id,
                approval.division_id,
            )
        )
        specifications.append(
            (
                issuer_id,
                1,
                approval.allocated_at,
                *app_rows[approval.application_id],
                f"materials/{approval.application_id}/bench-surface",
                "application/pdf",
                1,
                structure,
            )
        )
        links.append((approval.application_id, issuer_id))
        issuer_id += 1
    count = copy_rows("issuers_issuer", ISSUER_COLUMNS, issuers)
    copy_rows("issuers_cardspecification", SPECIFICATION_COLUMNS, specifications)
    # The approving application points to its issuer (the register knows nothing of cases).
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_issuer_of (case_id bigint, issuer_id bigint)")
        copy_rows("bench_issuer_of", ["case_id", "issuer_id"], links)
        cursor.execute(
            "UPDATE approvals_application SET issuer_id = link.issuer_id "
            "FROM bench_issuer_of link WHERE case_ptr_id = link.case_id"
        )
        cursor.execute("DROP TABLE bench_issuer_of")
    counter.last_value = serial
    counter.save(update_fields=["last_value"])
    return count


def seed(applications: int) -> dict:
    """Seed everything in one transaction; returns the row counts."""
    from django.db import connection, transaction

    from approvals.demo import ensure_personas
    from issuers.divisions import load_divisions

    started = time.perf_counter()
    seeder = Seeder(applications)
    with transaction.atomic():
        load_divisions()
        ensure_personas()
        departments = seeder.departments()
        members = seeder.members(departments)
        print(
            f"  {len(departments)} departments, {sum(map(len, members.values()))} members "
            f"({time.perf_counter() - started:.1f} s)",
            flush=True,
        )
        writer = FlowWriter(seeder, departments, members)
        # Spec fields of approved cases, for their registered version 1: only those six
        # fields (mostly shared strings), kept for ~half the cases (~460,000 at 1M).
        approved_rows: dict[int, tuple] = {}
        written = 0
        for batch in seeder.cases(departments):
            rows = [seeder.application_row(case, members) for case in batch]
            writer.write(batch, rows)
            for row in rows:
                if row[STATUS] in ("approved", "filed"):
                    approved_rows[row[0]] = tuple(row[i] for i in SPEC_INDEXES)
            written += len(batch)
            if written % 20_000 == 0 or written == applications:
                print(
                    f"  {written:,} applications, {writer.counts['tasks']:,} tasks "
                    f"({time.perf_counter() - started:.1f} s)",
                    flush=True,
                )
        issuers = write_issuers(writer.approvals, approved_rows)
        write_clocks()
        for table in (
            "approvals_case",
            "viewflow_process",
            "viewflow_task",
            "viewflow_task_previous",
            "issuers_issuer",
            "issuers_cardspecification",
        ):
            reset_sequence(table)
        counts = row_counts()
        counts["open human tasks"] = writer.counts["open human tasks"]
        counts["issuers written"] = issuers
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} "
                "(id serial PRIMARY KEY, at timestamptz DEFAULT now(), info jsonb)"
            )
            info = {"seed": SEED, "applications": applications, "seconds": seconds, **counts}
            cursor.execute(
                f"INSERT INTO {MARKER_TABLE} (info) VALUES (%s)",  # noqa: S608
                [json.dumps(info)],
            )
    settled = settle_personas()
    for persona, found in settled.items():
        counts[f"{persona}: taken tasks"] = found["persona"]
        counts[f"{persona}: taken by {found['colleague']}"] = found["colleague taken"]
        counts[f"{persona}: cases added for open work"] = found["cases added"]
    vacuum()
    return {**counts, "seconds": round(time.perf_counter() - started, 1)}


# --- the personas' inboxes -------------------------------------------------------------------

# The personas whose pages bench.lists and bench.scale open, and how many taken tasks their
# inbox colleague holds: one full page of viewflow's inbox (ListModelView.paginate_by).
INBOX_PERSONAS = ("zhejiang", "ministry")
FULL_INBOX = 25


def inbox_colleague(persona: str):  # -> User
    """Who holds the full inbox of the persona's department: its first seeded official
    ("bench-<department>-1"), a colleague of the persona with the same permissions."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    department = User.objects.get(username=persona).membership.department_id
    return (
        User.objects.filter(membership__department=department, username__startswith="bench-")
        .order_by("pk")
        .first()
    )


def settle_personas(size: int = FULL_INBOX) -> dict[str, dict]:
    """Open work enough for the personas' departments, then their inboxes settled."""
    added = ensure_open_work(2 * size)
    settled = settle_inboxes(size)
    for persona, count in added.items():
        settled[persona]["cases added"] = count
    return settled


def open_work(department) -> "QuerySet":  # of Task
    """The open tasks of the department's office: NEW or taken, of the issuance flow, on its
    permission, not the applicants' correction."""
    from viewflow.workflow.models import Task

    from approvals.access import applicant_steps
    from approvals.flows import IssuanceFlow

    return Task.objects.filter(
        process__flow_class=IssuanceFlow,
        status__in=["NEW", "ASSIGNED"],
        flow_task_type="HUMAN",
        owner_permission_obj_pk=str(department.pk),
    ).exclude(flow_task__in=applicant_steps(IssuanceFlow))


def ensure_open_work(wanted: int) -> dict[str, int]:
    """Give each persona's department at least `wanted` open tasks (a full inbox for the
    colleague and a full page left in the queue), adding recent cases waiting for it if the
    seed drew fewer: a province examines its bureaus' cases, the Ministry reviews the
    provinces'. The seed's 100,000 cases leave Zhejiang about 25 open examinations (about
    250 at 1M), so about 25 are added there. They are written as the seed writes cases
    (FlowWriter, own random stream, so the seeded rows stay the same) with their running
    clocks. Idempotent. Returns the cases added per persona."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from approvals.flows import IssuanceFlow as F
    from issuers.models import Department, Membership

    User = get_user_model()
    added: dict[str, int] = {}
    with transaction.atomic():
        departments = list(Department.objects.select_related("division").order_by("pk"))
        members: dict[int, list[int]] = {}
        for department_id, user_id in Membership.objects.order_by("pk").values_list(
            "department_id", "user_id"
        ):
            members.setdefault(department_id, []).append(user_id)
        seeder = Seeder(0, seed=SEED + 1)
        cases: list[Case] = []
        application_id = next_id("approvals_case")
        for persona in INBOX_PERSONAS:
            office = User.objects.get(username=persona).membership.department
            missing = wanted - open_work(office).count()
            added[persona] = max(0, missing)
            if missing <= 0:
                continue
            if office.kind == Department.Kind.PROVINCIAL:
                prefix, kind = office.division.code[:2], Department.Kind.MUNICIPAL
                step = Step(F.provincial_examination, "examiner", open=True)
                status = "examination"
            else:
                prefix, kind = "", Department.Kind.PROVINCIAL
                step = Step(F.ministry_review, "reviewer", open=True)
                status = "review"
            applicants = [
                d
                for d in departments
                if d.kind == kind and d.may_apply and d.division.code.startswith(prefix)
            ]
            for _ in range(missing):
                submitted = END - datetime.timedelta(seconds=seeder._days(1, 25))
                case = Case(
                    application_id,
                    seeder.rng.choice(applicants),
                    submitted - datetime.timedelta(seconds=seeder._days(1, 30)),
                    submitted,
                    status,
                    [Step(F.submit), Step(F.route_by_applicant_level, wait=0.005), step],
                )
                cases.append(case)
                application_id += 1
        if cases:
            writer = FlowWriter(seeder, departments, members)
            writer.write(cases, [seeder.application_row(case, members) for case in cases])
            write_clocks()
            for table in ("approvals_case", "viewflow_process", "viewflow_task"):
                reset_sequence(table)
    return added


def settle_inboxes(size: int = FULL_INBOX) -> dict[str, dict]:
    """Make each persona's inbox empty and its colleague's hold exactly `size` taken tasks.

    The seed hands open tasks to officials at random, so the persona would hold a few and its
    busiest colleague anything from 5 to 74: neither "an empty inbox" nor "a full page". Here
    the persona's taken tasks go to the department's other officials (round robin), and the
    colleague's beyond `size` too (its oldest); a colleague short of `size` takes the newest
    tasks held by the others, then, if still short, the newest open tasks of the department's
    queue. Tasks only move between officials of the department that holds their permission,
    so every row stays one the app could have written. Idempotent; deterministic.
    Returns, per persona, what its inbox and the colleague's hold afterwards.
    """
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from viewflow.workflow.models import Task

    from approvals.access import applicant_steps
    from approvals.flows import IssuanceFlow

    User = get_user_model()
    tasks = Task.objects.filter(process__flow_class=IssuanceFlow)
    taken = tasks.filter(status="ASSIGNED")
    settled = {}
    with transaction.atomic():
        for persona in INBOX_PERSONAS:
            user = User.objects.select_related("membership__department").get(username=persona)
            department = user.membership.department
            colleague = inbox_colleague(persona)
            others = list(
                User.objects.filter(membership__department=department)
                .exclude(pk__in=[user.pk, colleague.pk])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            moved = _hand_round(
                list(
                    taken.filter(owner=user).order_by("created", "pk").values_list("pk", flat=True)
                ),
                others,
            )
            held = list(
                taken.filter(owner=colleague)
                .order_by("-created", "-pk")
                .values_list("pk", flat=True)
            )
            moved += _hand_round(held[size:][::-1], others)
            missing = max(0, size - len(held))
            if missing:
                from_others = taken.filter(owner_id__in=others).order_by("-created", "-pk")
                picked = list(from_others.values_list("pk", flat=True)[:missing])
                tasks.filter(pk__in=picked).update(owner=colleague)
                moved, missing = moved + len(picked), missing - len(picked)
            if missing:
                queue = (
                    tasks.filter(
                        status="NEW",
                        flow_task_type="HUMAN",
                        owner_permission_obj_pk=str(department.pk),
                    )
                    .exclude(flow_task__in=applicant_steps(IssuanceFlow))
                    .order_by("-created", "-pk")
                )
                picked = list(queue.values_list("pk", flat=True)[:missing])
                tasks.filter(pk__in=picked).update(status="ASSIGNED", owner=colleague)
                moved, missing = moved + len(picked), missing - len(picked)
            settled[persona] = {
                "persona": taken.filter(owner=user).count(),
                "colleague": colleague.username,
                "colleague taken": taken.filter(owner=colleague).count(),
                "moved": moved,
            }
    return settled


def _hand_round(tasks: list[int], officials: list[int]) -> int:
    """Give the tasks (ids) to officials in turn (none: back to the queue, untaken)."""
    from viewflow.workflow.models import Task

    for number, task in enumerate(tasks):
        if officials:
            Task.objects.filter(pk=task).update(owner_id=officials[number % len(officials)])
        else:
            Task.objects.filter(pk=task).update(owner=None, status="NEW")
    return len(tasks)


def vacuum(*, only_if_never: bool = False) -> bool:
    """VACUUM ANALYZE the database, as autovacuum would eventually (visibility map, hint
    bits, statistics), so that two seeded databases are measured in the same state and
    autovacuum does not start on one of them in the middle of a run. With only_if_never,
    only if the task table was never vacuumed. Returns whether it ran."""
    from django.db import connection

    with connection.cursor() as cursor:
        if only_if_never:
            cursor.execute(
                "SELECT last_vacuum IS NOT NULL OR last_autovacuum IS NOT NULL "
                "FROM pg_stat_user_tables WHERE relname = 'viewflow_task'"
            )
            row = cursor.fetchone()
            if row and row[0]:
                return False
        cursor.execute("VACUUM (ANALYZE)")
    return True


# The time limit of each open case's step, as approvals.clocks would have started it with its
# open task: 20 working days (about 28 calendar days; 10 for the filing), reminder 3 working
# days before, escalation 2 after; alarms before the seed's end have fired. One case in 33 is
# suspended. The lists join it (`current_clock`) and show its due date and state.
END_SQL = f"'{END.isoformat()}'::timestamptz"
CLOCKS_SQL = f"""
INSERT INTO approvals_stepclock (
    case_id, step, department_id, applicant_id, started_at, counts_from, amount, unit,
    extension_allowed, remind_before, escalate_after, legal_basis, suspended_since,
    suspension_reason, suspended_days, extended_by, extension_reason, due_at, remind_at,
    escalate_at, provisional, reminded_at, overdue_at, escalated_at, next_alarm_at, calendar_version
)
SELECT c.id, x.step, t.owner_permission_obj_pk::int, c.department_id, t.created,
       t.created::date, x.days,
       'days', CASE WHEN x.step = 'ministry_review' THEN 10 ELSE 0 END, 3, 2, '',
       CASE WHEN c.id % 33 = 0 THEN t.created + interval '5 days' END,
       CASE WHEN c.id % 33 = 0 THEN 'expert review' ELSE '' END, 0, 0, '',
       x.due, x.due - interval '4 days', x.due + interval '3 days', false,
       CASE WHEN x.due - interval '4 days' <= {END_SQL} THEN x.due - interval '4 days' END,
       CASE WHEN x.due <= {END_SQL} THEN x.due END,
       CASE WHEN x.due + interval '3 days' <= {END_SQL} THEN x.due + interval '3 days' END,
       CASE WHEN c.id % 33 = 0 THEN NULL
            WHEN x.due - interval '4 days' > {END_SQL} THEN x.due - interval '4 days'
            WHEN x.due > {END_SQL} THEN x.due
            WHEN x.due + interval '3 days' > {END_SQL} THEN x.due + interval '3 days'
       END,
       0
FROM approvals_case c
JOIN approvals_caseprocess cp ON cp.case_id = c.id
JOIN viewflow_task t ON t.process_id = cp.process_ptr_id
    AND t.flow_task_type = 'HUMAN' AND t.status IN ('NEW', 'ASSIGNED')
CROSS JOIN LATERAL (
    SELECT CASE c.status WHEN 'examination' THEN 'provincial_examination'
                         WHEN 'review' THEN 'ministry_review' ELSE 'registry_filing' END AS step,
           CASE c.status WHEN 'approved' THEN 10 ELSE 20 END AS days,
           t.created + CASE c.status WHEN 'approved' THEN interval '14 days'
                                     ELSE interval '28 days' END AS due
) x
WHERE c.status IN ('examination', 'review', 'approved')
    AND NOT EXISTS (SELECT 1 FROM approvals_stepclock k WHERE k.case_id = c.id)
"""  # noqa: S608 - constants only


def write_clocks() -> int:
    """A running clock for every open case in a step with a time limit."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CLOCKS_SQL)
        count = cursor.rowcount
        cursor.execute(
            "UPDATE approvals_case c SET current_clock_id = k.id FROM approvals_stepclock k "
            "WHERE k.case_id = c.id AND k.stopped_at IS NULL "
            "AND c.current_clock_id IS DISTINCT FROM k.id"
        )
    return count


def row_counts() -> dict[str, int]:
    """Rows per table the lists read (exact counts: the database is ours)."""
    from django.db import connection

    tables = {
        "users": "auth_user",
        "memberships": "issuers_membership",
        "guardian user object permissions": "guardian_userobjectpermission",
        "departments": "issuers_department",
        "applications": "approvals_application",
        "processes": "viewflow_process",
        "case processes": "approvals_caseprocess",
        "tasks": "viewflow_task",
        "task_previous": "viewflow_task_previous",
        "issuers": "issuers_issuer",
        "card specifications": "issuers_cardspecification",
        "running clocks": "approvals_stepclock",
        "case events": "approvals_caseevent",
    }
    counts = {}
    with connection.cursor() as cursor:
        for label, table in tables.items():
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
            counts[label] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT flow_task_type, status, COUNT(*) FROM viewflow_task GROUP BY 1, 2 ORDER BY 1, 2"
        )
        for task_type, status, count in cursor.fetchall():
            counts[f"tasks {task_type} {status}"] = count
        cursor.execute(
            "SELECT status, COUNT(*) FROM approvals_case WHERE kind = 'application' "
            "GROUP BY 1 ORDER BY 1"
        )
        for status, count in cursor.fetchall():
            counts[f"applications {status}"] = count
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument(
        "--reset", action="store_true", help="drop and recreate the (bench) database first"
    )
    args = parser.parse_args(argv)
    url = database_url()
    started = time.perf_counter()
    if ensure_database(url, reset=args.reset):
        print(f"created database {urlsplit(url).path.lstrip('/')}")
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    info = seed_info()
    if info is not None:
        print(
            f"{urlsplit(url).path.lstrip('/')} is already seeded "
            f"({info['applications']:,} applications, seed {info['seed']}). "
            "Nothing done; pass --reset to drop and reseed it.",
            file=sys.stderr,
        )
        return 1
    from approvals.models import Application

    if Application.objects.exists():
        print(
            "The database already holds applications that bench.seed did not write; "
            "refusing to mix benchmark rows into it. Use an empty database.",
            file=sys.stderr,
        )
        return 1
    print(f"seeding {args.applications:,} applications (seed {SEED}) ...", flush=True)
    counts = seed(args.applications)
    width = max(map(len, counts))
    for label, value in counts.items():
        print(f"  {label:<{width}}  {value:>12,}")
    print(f"done in {time.perf_counter() - started:.1f} s (including migrate)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
