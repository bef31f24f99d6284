"""Case lock and national serial under real concurrency (PostgreSQL only: SQLite has no
row locks). Each thread has its own Client and its own database connection."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from viewflow.workflow.lock import SelectForUpdateLock

from approvals import actions
from approvals.flows import IssuanceFlow as Flow
from approvals.models import Application, CaseEvent, CaseProcess
from issuers.divisions import division_for
from issuers.identifiers import is_valid_issuer_id, next_issuer_id
from issuers.models import Issuer, IssuerSerial
from tests.helpers import apply, create_draft, decide, open_task, task_url

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


def run_in_threads(target, count: int) -> list:
    """Run target(index) in count threads started together; returns results or exceptions."""
    results = [None] * count
    barrier = threading.Barrier(count)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = target(index)
        except Exception as error:  # noqa: BLE001 - reported by the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def ministry_review_case(personas) -> Application:
    """Zhejiang's own case, awaiting the Ministry."""
    zhejiang = Client()
    zhejiang.force_login(personas["zhejiang"])
    application = apply(zhejiang)
    assert application.status == Application.Status.MINISTRY_REVIEW
    return application


@pytest.mark.parametrize("count", [2, 20])
def test_concurrent_approvals_allocate_one_issuer(transactional_db, personas, monkeypatch, count):
    application = ministry_review_case(personas)
    ministry = Client()
    ministry.force_login(personas["ministry"])
    assert ministry.post(task_url(application, Flow.ministry_review, "assign")).status_code == 302
    assert open_task(application, Flow.ministry_review).owner == personas["ministry"]
    execute_url = task_url(application, Flow.ministry_review, "execute")

    original = actions.record_decision

    def slow_record_decision(*args, **kwargs):
        time.sleep(0.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(actions, "record_decision", slow_record_decision)

    def post(index: int) -> int:
        client = Client(raise_request_exception=False)
        client.force_login(personas["ministry"])
        return client.post(execute_url, {"outcome": "pass", "reasons": ""}).status_code

    statuses = run_in_threads(post, count)

    assert not [s for s in statuses if isinstance(s, Exception)], statuses
    assert statuses.count(302) == 1, statuses
    assert set(statuses) - {302} <= {403, 409}, statuses
    assert Issuer.objects.filter(application=application).count() == 1
    assert Issuer.objects.count() == 1
    assert application.process.task_set.filter(flow_task=Flow.registry_filing).count() == 1
    assert application.events.filter(action=CaseEvent.Action.APPROVED).count() == 1
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED


def test_sixteen_allocators_get_every_serial_exactly_once(transactional_db):
    division = division_for("330100")
    assert not IssuerSerial.objects.exists()

    def allocate(index: int) -> list[tuple[int, str]]:
        taken = []
        for _ in range(10):
            with transaction.atomic():
                taken.append(next_issuer_id(division))
        return taken

    results = run_in_threads(allocate, 16)

    assert not [r for r in results if isinstance(r, Exception)], results
    taken = [pair for result in results for pair in result]
    serials = sorted(serial for serial, _ in taken)
    assert serials == list(range(1, 161))
    ids = [issuer_id for _, issuer_id in taken]
    assert len(set(ids)) == 160
    assert all(is_valid_issuer_id(issuer_id) for issuer_id in ids)
    assert all(issuer_id.startswith("330100") for issuer_id in ids)
    assert IssuerSerial.objects.get().last_value == 160


def test_a_held_case_lock_answers_409_and_changes_nothing(transactional_db, personas, monkeypatch):
    application = ministry_review_case(personas)
    ministry = Client()
    ministry.force_login(personas["ministry"])
    assert ministry.post(task_url(application, Flow.ministry_review, "assign")).status_code == 302
    execute_url = task_url(application, Flow.ministry_review, "execute")
    monkeypatch.setattr(Flow, "lock_impl", SelectForUpdateLock(attempts=1))
    events_before = list(application.events.values_list("pk", flat=True))
    tasks_before = list(application.process.task_set.values_list("pk", "status"))

    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                # The full row: FOR UPDATE on viewflow_process joined with
                # approvals_caseprocess, the child row viewflow's case lock takes.
                CaseProcess.objects.select_for_update().get(pk=application.process.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        response = ministry.post(execute_url, {"outcome": "pass", "reasons": ""})
    finally:
        release.set()
        holder.join(timeout=30)

    assert response.status_code == 409
    assert "Someone else is acting on this case" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.MINISTRY_REVIEW
    assert list(application.events.values_list("pk", flat=True)) == events_before
    assert list(application.process.task_set.values_list("pk", "status")) == tasks_before
    assert not Issuer.objects.exists()

    # Once the other official is done, the same request goes through.
    assert decide(ministry, application, Flow.ministry_review, "pass").status_code == 302
    assert application.status == Application.Status.APPROVED


def test_creating_a_draft_over_http_works_on_postgresql(transactional_db, client_for):
    # create_application locks the department; Department.Meta.ordering joins the nullable
    # division, and PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    application = create_draft(client_for("hangzhou"))
    assert application.status == Application.Status.DRAFT
