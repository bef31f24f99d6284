"""Races on PostgreSQL: concurrent approvals, concurrent allocation, a held case lock."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from viewflow.workflow import lock

from approvals import actions
from approvals.flows import IssuanceFlow as Flow
from approvals.models import CaseEvent
from issuers.divisions import division_for
from issuers.identifiers import is_valid_issuer_id, next_issuer_id
from issuers.models import Issuer
from tests.helpers import apply, task_url

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks")


def run_at_once(functions) -> list:  # noqa: ANN001
    results = [None] * len(functions)

    def run(index: int, function) -> None:  # noqa: ANN001
        try:
            results[index] = function()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def client_of(user) -> Client:  # noqa: ANN001
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def awaiting_review(transactional_db, personas, client_for):
    application = apply(client_for("guangdong"))
    assert (
        client_for("ministry")
        .post(task_url(application, Flow.ministry_review, "assign"))
        .status_code
        == 302
    )
    return application


def test_two_concurrent_approvals_allocate_once(awaiting_review, personas, monkeypatch):
    original = actions.record_review

    def slow_record_review(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        time.sleep(0.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(actions, "record_review", slow_record_review)
    url = task_url(awaiting_review, Flow.ministry_review, "execute")
    post = lambda: client_of(personas["ministry"]).post(url, {"outcome": "pass"}).status_code  # noqa: E731
    codes = run_at_once([post, post])
    assert sorted(codes)[0] == 302
    assert sorted(codes)[1] in (403, 409)
    assert Issuer.objects.count() == 1
    assert awaiting_review.process.task_set.filter(flow_task=Flow.registry_filing).count() == 1
    assert CaseEvent.objects.filter(action=CaseEvent.Action.APPROVED).count() == 1


def test_sixteen_concurrent_allocators_get_every_serial_once(transactional_db):
    division = division_for("330100")

    def allocate_ten() -> list:
        taken = []
        for _ in range(10):
            with transaction.atomic():
                taken.append(next_issuer_id(division))
        return taken

    results = run_at_once([allocate_ten] * 16)
    allocated = [item for result in results for item in result]
    assert sorted(serial for serial, _ in allocated) == list(range(1, 161))
    assert all(is_valid_issuer_id(issuer_id) for _, issuer_id in allocated)
    assert len({issuer_id for _, issuer_id in allocated}) == 160


def test_a_held_case_lock_gives_a_friendly_conflict_page(awaiting_review, personas, monkeypatch):
    monkeypatch.setattr(Flow, "lock_impl", lock.SelectForUpdateLock(attempts=1))
    url = task_url(awaiting_review, Flow.ministry_review, "execute")
    holding, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        # Another official's request in the middle of a step of the same case.
        with Flow.lock(awaiting_review.process.pk):
            holding.set()
            release.wait(10)

    def post_decision():  # noqa: ANN202
        holding.wait(10)
        try:
            return client_of(personas["ministry"]).post(url, {"outcome": "pass"})
        finally:
            release.set()

    _, response = run_at_once([hold_lock, post_decision])
    assert response.status_code == 409
    assert "Someone else is acting on this case" in response.content.decode()
    awaiting_review.refresh_from_db()
    assert awaiting_review.status == "review"
    assert not Issuer.objects.exists()
