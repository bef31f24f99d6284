"""Cases driven to filing through the system, against the same writes in plain ORM code.

    .venv/bin/python -m bench.e2e [--cases 40] [--pairs 5]

Candidate: each case goes submission -> provincial examination -> Ministry review ->
issuer-ID allocation -> registry filing through the real views, as each official does it
(Django test Client: create, six uploads, submit, take and pass the examination, take and
approve the review, take and record the filing) -- viewflow, the case lock, the checks, the
timeline. Background tasks are queued, not run (a worker does them in production).
Baseline: the same business rows written directly with the ORM (application, six materials
and their files, status changes, the timeline events, the issuer with its serial, the
filing). Each sample drives `--cases` cases (municipal bureaus, each a department of its own:
one open application per department); 5 pairs of 40 = 200 cases. Target >= 0.5x the
baseline's cases per second. Scratch PostgreSQL database ssc_bench_e2e (BENCH_DATABASE_URL).

A second candidate drives the same cases in-process without HTTP, through approvals.procedure:
the forms and action functions the views call (create, upload, submit, record the examination,
review and filing) and viewflow's activations (take the task, execute it) under the same case
lock, each official's permission and four-eyes check asked of the flow node as the views ask it.
It is the system's own cost -- rules, upload checks, flow bookkeeping, locks, the timeline --
without the requests.

Floor: the same 14 requests per case, by the same officials with sessions made the same way,
to a view that does nothing (bench.urls_http.noop). It bounds the ratio any system reached
through one request per official action can get: even one that did nothing but the
baseline's writes behind those requests would take the baseline's time plus the floor's, so
its ratio could be at most 1 / (1 + baseline rate / floor rate). Printed with the result.
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time

from bench.harness import compare, save

DATABASE = "postgres://postgres@127.0.0.1:5432/ssc_bench_e2e"


def setup() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DATABASE)
    os.environ["DATABASE_URL"] = url
    # config.settings with the benchmarks' trivial views added to the urlconf.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_http")
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="ssc_bench_e2e_"))
    name = url.rsplit("/", 1)[1]
    for command in (["dropdb", "--if-exists"], ["createdb"]):
        subprocess.run(  # noqa: S603 - fixed command lines
            [*command, "-h", "127.0.0.1", "-U", "postgres", name], check=True, capture_output=True
        )
    import django

    django.setup()
    from django.core.management import call_command

    from approvals.demo import ensure_personas
    from issuers.divisions import load_divisions

    call_command("migrate", verbosity=0)
    load_divisions()
    ensure_personas()
    # Background work (documents, e-mails) is queued for a worker, as in production, not run
    # in the request: the in-memory broker keeps the messages and nobody consumes them.
    from config.celery import app

    app.conf.task_always_eager = False


def officials(needed: int) -> tuple[list, dict, object]:
    """Municipal bureaus with one official each, their provinces' examiners, the Ministry.

    China has 333 prefecture-level bureaus and a bureau may hold one open application; past
    that, more bureaus are registered on the same prefectures ("杭州市人力资源和社会保障局 2").
    """
    from bench.seed import Seeder
    from issuers.models import Department

    seeder = Seeder(0)
    departments = seeder.departments()
    municipal = [d for d in departments if d.kind == Department.Kind.MUNICIPAL and d.may_apply]
    extra = [
        Department(name=f"{d.name} {n}", name_en=d.name_en, kind=d.kind, division=d.division)
        for n in range(2, 2 + needed // max(1, len(municipal)))
        for d in municipal
    ]
    if extra:
        Department.objects.bulk_create(extra)
        departments = list(Department.objects.select_related("division").order_by("pk"))
    members = seeder.members(departments)
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk([m[0] for m in members.values()])
    first = {pk: users[ids[0]] for pk, ids in members.items()}
    provinces = {d.division.code[:2] for d in departments if d.kind == Department.Kind.PROVINCIAL}
    bureaus = [
        (d, first[d.pk])
        for d in departments
        if d.kind == Department.Kind.MUNICIPAL
        and d.may_apply
        and d.division.code[:2] in provinces
        and not d.cases.exists()
    ]
    examiners = {d.division.code[:2]: first[d.pk] for d in departments if d.kind == "provincial"}
    ministry = get_user_model().objects.get(username="ministry")
    return bureaus, examiners, ministry


def client(user):
    from django.test import Client

    session = Client()
    session.force_login(user)
    return session


def sessions(bureaus: list, examiners: dict, ministry):
    """Per case, the logged-in clients of its bureau, its province and the Ministry, made as
    officials make them: a fresh login per bureau, one per province and one Ministry login."""
    ministry_client = client(ministry)
    examiner_clients: dict = {}
    for department, official in bureaus:
        province = department.division.code[:2]
        if province not in examiner_clients:
            examiner_clients[province] = client(examiners[province])
        yield client(official), examiner_clients[province], ministry_client


def through_the_system(bureaus: list, examiners: dict, ministry) -> float:
    from approvals.flows import IssuanceFlow as Flow
    from tests.helpers import apply, decide, file_with_registry

    began = time.perf_counter()
    for bureau_client, examiner_client, ministry_client in sessions(bureaus, examiners, ministry):
        application = apply(bureau_client)
        decide(examiner_client, application, Flow.provincial_examination, "pass")
        decide(ministry_client, application, Flow.ministry_review, "pass")
        file_with_registry(ministry_client, application, reference=f"ICRC-{application.pk}")
        if application.status != application.Status.FILED:
            raise RuntimeError(f"{application.reference} ended {application.status}")
    return len(bureaus) / (time.perf_counter() - began)


def through_the_actions(bureaus: list, examiners: dict, ministry) -> float:
    """The same cases through approvals.procedure: the forms, actions and flow activations the
    pages use, in-process, no HTTP."""

    from approvals import procedure
    from approvals.flows import IssuanceFlow as Flow
    from approvals.models import Outcome

    began = time.perf_counter()
    for department, official in bureaus:
        examiner = examiners[department.division.code[:2]]
        application = procedure.apply(official)
        procedure.decide(application, Flow.provincial_examination, examiner, Outcome.PASS)
        procedure.decide(application, Flow.ministry_review, ministry, Outcome.PASS)
        procedure.file(application, ministry, f"ICRC-{application.pk}")
        application.refresh_from_db()
        if application.status != application.Status.FILED:
            raise RuntimeError(f"{application.reference} ended {application.status}")
    return len(bureaus) / (time.perf_counter() - began)


# Requests per case in through_the_system: the bureau creates, uploads six materials and
# submits; the province takes and passes the examination; the Ministry takes and approves
# the review, then takes and records the filing.
REQUESTS = {"bureau": 8, "province": 2, "ministry": 4}


def http_floor(bureaus: list, examiners: dict, ministry) -> float:
    """The candidate's requests, made the same way, to a view that does nothing."""
    began = time.perf_counter()
    for bureau_client, examiner_client, ministry_client in sessions(bureaus, examiners, ministry):
        requests = [
            (bureau_client, REQUESTS["bureau"]),
            (examiner_client, REQUESTS["province"]),
            (ministry_client, REQUESTS["ministry"]),
        ]
        for session, count in requests:
            for _ in range(count):
                if session.post("/bench-noop/").status_code != 302:
                    raise RuntimeError("the no-op view did not answer 302")
    return len(bureaus) / (time.perf_counter() - began)


def plain_orm(bureaus: list, examiners: dict, ministry) -> float:
    """The same rows, written without the system: no views, no flow, no checks."""
    import datetime
    import hashlib

    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.utils import timezone

    from approvals.actions import record_event
    from approvals.models import Action, Application, Material
    from approvals.procedure import sample_pdf
    from issuers.identifiers import format_issuer_id
    from issuers.models import Issuer, IssuerSerial

    Status = Application.Status
    pdf = sample_pdf("material")
    began = time.perf_counter()
    for department, official in bureaus:
        examiner = examiners[department.division.code[:2]]
        with transaction.atomic():
            application = Application.objects.create(
                department=department,
                created_by=official,
                contact_person="张明",
                contact_phone="0571-8888 0000",
                cardholder_categories=["employees", "residents"],
                cardholder_population="insured employees and residents",
                planned_quantity=1_000_000,
                card_supplier="Eastcompeace",
                card_product="EW-SSC3",
                spec_version="3.00",
                planned_start=timezone.localdate() + datetime.timedelta(days=90),
            )
            record_event(application, Action.CREATED, by=official)
        for kind in Material.Kind.values:
            with transaction.atomic():
                material = Material(
                    case=application,
                    kind=kind,
                    version=1,
                    original_name="material.pdf",
                    content_type="application/pdf",
                    size=len(pdf),
                    sha256=hashlib.sha256(pdf).hexdigest(),
                    uploaded_by=official,
                )
                material.file.save("material.pdf", ContentFile(pdf), save=True)
                record_event(application, Action.MATERIAL_UPLOADED, by=official)
        steps = [
            (Status.PROVINCIAL_EXAMINATION, Action.SUBMITTED, official),
            (Status.MINISTRY_REVIEW, Action.EXAMINATION_PASSED, examiner),
            (Status.APPROVED, Action.APPROVED, ministry),
        ]
        for status, action, actor in steps:
            with transaction.atomic():
                before = application.status
                application.status = status
                application.submitted_at = application.submitted_at or timezone.now()
                application.save(update_fields=["status", "submitted_at"])
                record_event(application, action, by=actor, status_before=before)
        with transaction.atomic():
            counter, _ = IssuerSerial.objects.select_for_update().get_or_create(pk=1)
            counter.last_value += 1
            counter.save(update_fields=["last_value"])
            application.issuer = Issuer.objects.create(
                issuer_id=format_issuer_id(department.division.code, counter.last_value),
                serial=counter.last_value,
                department=department,
                division=department.division,
            )
            application.save(update_fields=["issuer"])
            record_event(application, Action.ISSUER_ID_ALLOCATED, by=ministry)
        with transaction.atomic():
            issuer = application.issuer
            issuer.filing_reference = f"ICRC-{application.pk}"
            issuer.filing_date = timezone.localdate()
            issuer.filing_receipt.save("receipt", ContentFile(pdf), save=False)
            issuer.filed_at = timezone.now()
            issuer.status = Issuer.Status.FILED
            issuer.save()
            application.status = Status.FILED
            application.save(update_fields=["status"])
            record_event(application, Action.FILED, by=ministry, status_before=Status.APPROVED)
    return len(bureaus) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    setup()
    # Both candidates' pairs, each with its warm-up pair; no bureau twice.
    needed = 2 * args.cases * (args.pairs + 1)
    bureaus, examiners, ministry = officials(needed)
    if len(bureaus) < needed:
        raise SystemExit(f"{len(bureaus)} municipal bureaus for {needed} cases: lower --cases")
    fresh = iter(bureaus[i : i + args.cases] for i in range(0, needed, args.cases))
    # The baseline checks no rule, so it writes for the same bureaus every time; never for
    # ones the candidate has yet to use (they could not apply any more).
    again = bureaus[: args.cases]

    def against_the_baseline(name: str, candidate, target: str = ">= 0.5x"):
        return compare(
            f"{args.cases} {name}, per second",
            lambda: candidate(),
            lambda: plain_orm(again, examiners, ministry),
            pairs=args.pairs,
            unit="cases/s",
            kind="rate",
            target=target,
        )

    comparison = against_the_baseline(
        "cases to filing", lambda: through_the_system(next(fresh), examiners, ministry)
    )
    in_process = against_the_baseline(
        "cases to filing in-process, no HTTP",
        lambda: through_the_actions(next(fresh), examiners, ministry),
    )
    floor = against_the_baseline(
        "cases' requests to a no-op view",
        lambda: http_floor(again, examiners, ministry),
        target="report",
    )
    bound = statistics.median(1 / (1 + 1 / ratio) for ratio in floor.ratios)
    print(
        f"  bound: the requests alone leave at most {bound:.2f}x for any system reached "
        f"through them (the baseline's writes behind {sum(REQUESTS.values())} requests a case)"
    )
    save("e2e", [comparison, in_process, floor], cases_per_sample=args.cases, ratio_bound=bound)


if __name__ == "__main__":
    main()
