"""Document numbers under concurrency (PostgreSQL: row locks; transactional_db lets each
connection see what the others commit)."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from approvals import clocks, documents
from approvals.models import Action, CaseDocument, DocumentSerial
from issuers.models import Department
from tests.helpers import applied, race

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


class Failed(Exception):
    pass


def test_sixteen_concurrent_issuers_take_gapless_distinct_numbers(transactional_db, personas):
    ministry = Department.objects.ministry()
    year = timezone.localdate().year

    def issue_ten(thread: int):
        def run() -> list[int]:
            kept = []
            for attempt in range(10):
                try:
                    with transaction.atomic():
                        number = documents.take_document_number(ministry, year)
                        if (thread + attempt) % 4 == 0:  # the rendering failed: rolled back
                            raise Failed
                        kept.append(number)
                except Failed:
                    pass
            return kept

        return run

    results = race(*(issue_ten(thread) for thread in range(16)))

    numbers = sorted(n for kept in results for n in kept)
    assert numbers == list(range(1, len(numbers) + 1))  # no gap, none twice
    assert len(numbers) == 120  # 40 of the 160 attempts rolled back
    assert DocumentSerial.objects.get(office=ministry, year=year).last_number == 120


def test_two_deliveries_of_one_document_issue_it_once_under_one_number(transactional_db, personas):
    application = applied(personas, "beijing")
    with transaction.atomic():
        clocks.accept(application, by=personas["ministry"])  # issues it, after commit
    CaseDocument.objects.all().delete()
    DocumentSerial.objects.all().delete()
    event = application.events.get(action=Action.ACCEPTED)
    kind = CaseDocument.Kind.ACCEPTANCE_NOTICE

    results = race(*[lambda: documents.issue_document(kind, application, event).pk] * 4)

    assert len(set(results)) == 1
    document = CaseDocument.objects.get()
    assert document.number.endswith("1号")
    assert DocumentSerial.objects.get().last_number == 1
