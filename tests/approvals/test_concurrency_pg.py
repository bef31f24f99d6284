"""Races on one case and on the national serial, under real row locks (PostgreSQL only).

SQLite has no row locks (select_for_update is a no-op there), so the module is skipped on it.
Every thread has its own Client and its own database connection, closed when it ends;
transactional_db lets each connection see what the others commit.
"""

import threading
import time
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.test import Client
from viewflow.workflow.flow.views import AssignTaskView
from viewflow.workflow.models import Process

from approvals import actions
from approvals.flows import IssuanceFlow as Flow
from approvals.models import Application, CaseEvent, CaseProcess
from issuers import identifiers
from issuers.divisions import division_for
from issuers.identifiers import is_valid_issuer_id, next_issuer_id
from issuers.membership import add_member
from issuers.models import Department, Issuer, IssuerSerial
from tests.helpers import (
    APPLICATION_DATA,
    applied,
    create_draft,
    decide,
    filed_issuer,
    open_task,
    race,
    task_url,
)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)

SLOW = 0.5  # seconds spent inside the locked section, so the requests really overlap
FRIENDLY_409 = "Someone else is acting on this case"


def slow_down(monkeypatch, owner, name: str) -> None:
    """Make owner.name sleep before doing its work (it runs inside the case lock)."""
    original = getattr(owner, name)

    def slowly(*args, **kwargs):
        time.sleep(SLOW)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, slowly)


def logged_in(user) -> Client:
    # raise_request_exception=False: a crash must show up as a 500, not abort the thread.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def review_case(personas) -> Application:
    """Zhejiang's own application, straight to the Ministry review."""
    application = applied(personas, "zhejiang")
    assert application.status == Application.Status.MINISTRY_REVIEW
    return application


@pytest.fixture
def second_ministry_official(personas):
    user = get_user_model().objects.create(username="ministry-2")
    add_member(user, Department.objects.ministry())
    return user


def assert_approved_exactly_once(application: Application) -> None:
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert Issuer.objects.count() == 1
    assert Issuer.objects.get().application == application
    assert IssuerSerial.objects.get().last_value == 1
    tasks = application.process.task_set
    assert tasks.filter(flow_task=Flow.ministry_review, status="DONE").count() == 1
    assert tasks.filter(flow_task=Flow.registry_filing).count() == 1
    events = application.events
    assert events.filter(action=CaseEvent.Action.APPROVED).count() == 1
    assert events.filter(action=CaseEvent.Action.ISSUER_ID_ALLOCATED).count() == 1


@pytest.mark.parametrize("count", [2, 20])
@pytest.mark.parametrize(
    "slowed",
    [(actions, "record_decision"), (identifiers, "take_next_serial")],
    ids=["slow-review", "slow-serial"],
)
def test_the_same_official_submitting_the_approval_twice_approves_once(
    transactional_db, personas, review_case, monkeypatch, slowed, count
):
    ministry = logged_in(personas["ministry"])
    assert ministry.post(task_url(review_case, Flow.ministry_review, "assign")).status_code == 302
    assert open_task(review_case, Flow.ministry_review).owner == personas["ministry"]
    execute_url = task_url(review_case, Flow.ministry_review, "execute")
    slow_down(monkeypatch, *slowed)
    clients = [logged_in(personas["ministry"]) for _ in range(count)]

    def approve(client: Client):
        def run() -> tuple[int, str]:
            response = client.post(execute_url, {"outcome": "pass", "reasons": ""})
            return response.status_code, response.content.decode()

        return run

    results = race(*(approve(client) for client in clients))

    statuses = [status for status, _ in results]
    assert statuses.count(302) == 1, statuses
    assert set(statuses) - {302} == {409}, statuses
    # Each loser is told what happened: the decision was made, or is being made right now.
    for status, page in results:
        if status == 409:
            assert "no transition" not in page
            assert "completed by ministry" in page or FRIENDLY_409 in page
    assert_approved_exactly_once(review_case)


def test_two_ministry_officials_racing_to_take_and_approve_approve_once(
    transactional_db, personas, review_case, second_ministry_official, monkeypatch
):
    officials = [personas["ministry"], second_ministry_official]
    assert open_task(review_case, Flow.ministry_review).owner is None
    assign_url = task_url(review_case, Flow.ministry_review, "assign")
    execute_url = task_url(review_case, Flow.ministry_review, "execute")
    slow_down(monkeypatch, AssignTaskView, "form_valid")
    slow_down(monkeypatch, actions, "record_decision")
    clients = [logged_in(user) for user in officials]

    def take_and_approve(client: Client):
        def run() -> tuple[int, int]:
            assign = client.post(assign_url).status_code
            execute = client.post(execute_url, {"outcome": "pass", "reasons": ""}).status_code
            return assign, execute

        return run

    results = race(*(take_and_approve(client) for client in clients))

    assert results.count((302, 302)) == 1, results
    [winner] = [i for i, result in enumerate(results) if result == (302, 302)]
    [loser] = [result for result in results if result != (302, 302)]
    assert set(loser) <= {409}, results  # taken by a colleague, done, or being done
    review = review_case.process.task_set.get(flow_task=Flow.ministry_review)
    assert review.owner == officials[winner]
    assert_approved_exactly_once(review_case)
    assert review_case.events.get(action=CaseEvent.Action.APPROVED).actor == officials[winner]


def test_sixteen_threads_take_160_gapless_distinct_serials(transactional_db):
    division = division_for("330100")
    assert not IssuerSerial.objects.exists()

    def allocate_ten() -> list[tuple[int, str]]:
        taken = []
        for _ in range(10):
            with transaction.atomic():
                taken.append(next_issuer_id(division))
        return taken

    results = race(*([allocate_ten] * 16))

    taken = [pair for result in results for pair in result]
    serials = [serial for serial, _ in taken]
    assert len(serials) == len(set(serials)) == 160
    assert sorted(serials) == list(range(1, 161))
    issuer_ids = [issuer_id for _, issuer_id in taken]
    assert len(set(issuer_ids)) == 160
    assert all(is_valid_issuer_id(issuer_id) for issuer_id in issuer_ids)
    assert all(issuer_id.startswith("330100") for issuer_id in issuer_ids)
    # Each thread saw its own numbers increase.
    assert all([s for s, _ in result] == sorted(s for s, _ in result) for result in results)
    assert IssuerSerial.objects.get().last_value == 160


def snapshot(application: Application) -> dict:
    application.refresh_from_db()
    return {
        "status": application.status,
        "events": list(application.events.values_list("pk", flat=True)),
        "tasks": list(
            application.process.task_set.order_by("pk").values_list("pk", "status", "owner_id")
        ),
        "issuers": Issuer.objects.count(),
        "serial": list(IssuerSerial.objects.values_list("last_value", flat=True)),
    }


def hold_the_case_lock(process_pk: int) -> None:
    """What another official's request does: take the flow's own case lock."""
    return Flow.lock(process_pk)


@contextmanager
def hold_the_process_row(process_pk: int):
    """SELECT ... FOR UPDATE on the case's viewflow_process row, the row every task references."""
    with transaction.atomic(), connection.cursor() as cursor:
        table = connection.ops.quote_name(Process._meta.db_table)
        cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [process_pk])  # noqa: S608
        yield


@contextmanager
def hold_the_case_process_row(process_pk: int):
    """The full row: FOR UPDATE on viewflow_process joined with approvals_caseprocess, the
    child row that viewflow's case lock takes."""
    with transaction.atomic():
        CaseProcess.objects.select_for_update().get(pk=process_pk)
        yield


@pytest.mark.parametrize(
    "holder",
    [
        pytest.param(hold_the_case_lock, id="flow-lock"),
        pytest.param(hold_the_process_row, id="process-row"),
        pytest.param(hold_the_case_process_row, id="case-process-row"),
    ],
)
@pytest.mark.parametrize("step", ["assign", "execute"])
def test_a_held_case_lock_answers_409_and_changes_nothing(
    transactional_db, personas, review_case, monkeypatch, step, holder
):
    ministry = logged_in(personas["ministry"])
    if step == "execute":
        assign = ministry.post(task_url(review_case, Flow.ministry_review, "assign"))
        assert assign.status_code == 302
    url = task_url(review_case, Flow.ministry_review, step)
    # One NOWAIT attempt instead of five with back-off: the flow's own lock, made impatient.
    monkeypatch.setattr(Flow.lock_impl, "attempts", 1)
    before = snapshot(review_case)
    process_pk = review_case.process.pk
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with holder(process_pk):
                locked.set()
                # Bounded, so that a request that waits instead of answering 409 ends too.
                release.wait(timeout=5)
        finally:
            connections.close_all()

    other_official = threading.Thread(target=hold)
    other_official.start()
    try:
        assert locked.wait(timeout=10)
        # Reading the page takes no lock.
        assert ministry.get(url).status_code == 200
        response = ministry.post(url, {"outcome": "pass", "reasons": ""})
    finally:
        release.set()
        other_official.join(timeout=30)
    assert not other_official.is_alive()

    assert response.status_code == 409
    page = response.content.decode()
    assert FRIENDLY_409 in page
    assert "Traceback" not in page
    assert snapshot(review_case) == before

    # Once the other official is done, the same request goes through.
    if step == "assign":
        assert ministry.post(url).status_code == 302
        assert open_task(review_case, Flow.ministry_review).owner == personas["ministry"]
    else:
        assert decide(ministry, review_case, Flow.ministry_review, "pass").status_code == 302
        assert_approved_exactly_once(review_case)


def test_creating_a_draft_over_http_works_on_postgresql(transactional_db, client_for):
    # create_application locks the department; Department.Meta.ordering joins the nullable
    # division, and PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    application = create_draft(client_for("hangzhou"))
    assert application.status == Application.Status.DRAFT


def test_eight_concurrent_new_applications_of_one_department_make_one_and_refuse_seven(
    transactional_db, personas, monkeypatch
):
    slow_down(monkeypatch, actions, "refuse_second_application")
    clients = [logged_in(personas["hangzhou"]) for _ in range(8)]

    def post(client: Client):
        def run() -> tuple[int, str]:
            response = client.post("/cases/new/", APPLICATION_DATA)
            return response.status_code, response.content.decode()

        return run

    results = race(*(post(client) for client in clients))

    statuses = [status for status, _ in results]
    assert statuses.count(302) == 1, statuses
    assert statuses.count(403) == 7, statuses
    application = Application.objects.get()
    for status, page in results:
        if status == 403:
            assert application.reference in page
    assert application.events.count() == 1


def test_eight_concurrent_change_requests_of_one_issuer_make_one(
    transactional_db, personas, monkeypatch
):
    issuer = filed_issuer(personas, "beijing")
    clients = [logged_in(personas["beijing"]) for _ in range(8)]

    statuses = race(
        *(
            lambda client=client: client.post(f"/changes/new/{issuer.pk}/").status_code
            for client in clients
        )
    )

    assert statuses == [302] * 8, statuses  # the losers are sent back with a message
    assert issuer.change_requests.count() == 1
