"""Random walks through the procedure, checking what must always hold.

Officials apply, examine, review, return, reject, correct, file and request changes in any
order hypothesis picks. After every step: an approved case has exactly one issuer ID, IDs are
unique and gapless, a change never alters an ID, and every status change is on the timeline.
"""

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from approvals.audit import first_problem
from approvals.demo import ensure_personas
from approvals.flows import ChangeFlow, IssuanceFlow
from approvals.models import Application, ChangeRequest
from issuers.models import Issuer
from tests.helpers import act, apply, decide, file_with_registry

APPLICANTS = ["hangzhou", "ningbo", "shenzhen", "zhejiang", "beijing"]
PROVINCE_OF = {"hangzhou": "zhejiang", "ningbo": "zhejiang", "shenzhen": "guangdong"}
Status = Application.Status


class Procedure(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        users = ensure_personas()
        self.clients = {}
        for name, user in users.items():
            self.clients[name] = Client()
            self.clients[name].force_login(user)
        self.issuer_ids: dict[int, str] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _cases(self, status: str) -> list[Application]:
        return list(Application.objects.filter(status=status).order_by("pk"))

    def _applicant(self, application: Application) -> str:
        return application.created_by.username

    @rule(applicant=st.sampled_from(APPLICANTS))
    def submit(self, applicant: str) -> None:
        department = self.clients[applicant]
        if (
            Application.objects.filter(created_by__username=applicant)
            .exclude(status=Status.REJECTED)
            .exists()
        ):
            assert department.post("/cases/new/", {}).status_code == 403
            return
        apply(department)

    @precondition(lambda self: self._cases(Status.PROVINCIAL_EXAMINATION))
    @rule(data=st.data(), outcome=st.sampled_from(["pass", "return", "reject"]))
    def examine(self, data, outcome: str) -> None:  # noqa: ANN001
        application = data.draw(st.sampled_from(self._cases(Status.PROVINCIAL_EXAMINATION)))
        province = self.clients[PROVINCE_OF[self._applicant(application)]]
        decide(province, application, IssuanceFlow.provincial_examination, outcome, "Reasons.")

    @precondition(lambda self: self._cases(Status.MINISTRY_REVIEW))
    @rule(data=st.data(), outcome=st.sampled_from(["pass", "return", "reject"]))
    def review(self, data, outcome: str) -> None:  # noqa: ANN001
        application = data.draw(st.sampled_from(self._cases(Status.MINISTRY_REVIEW)))
        decide(self.clients["ministry"], application, IssuanceFlow.ministry_review, outcome, "R.")

    @precondition(lambda self: self._cases(Status.RETURNED))
    @rule(data=st.data())
    def correct(self, data) -> None:  # noqa: ANN001
        application = data.draw(st.sampled_from(self._cases(Status.RETURNED)))
        applicant = self.clients[self._applicant(application)]
        assert (
            act(applicant, application, IssuanceFlow.correction, {"note": "Fixed."}).status_code
            == 302
        )

    @precondition(lambda self: self._cases(Status.APPROVED))
    @rule(data=st.data())
    def file(self, data) -> None:  # noqa: ANN001
        application = data.draw(st.sampled_from(self._cases(Status.APPROVED)))
        file_with_registry(self.clients["ministry"], application, f"ICRC-{application.pk}")

    @precondition(lambda self: Issuer.objects.filter(status=Issuer.Status.FILED).exists())
    @rule(data=st.data(), quantity=st.integers(min_value=1, max_value=5_000_000))
    def change(self, data, quantity: int) -> None:  # noqa: ANN001
        issuer = data.draw(st.sampled_from(list(Issuer.objects.filter(status="filed"))))
        client = self.clients[issuer.application.created_by.username]
        if issuer.open_change_request():
            assert client.post(f"/changes/new/{issuer.pk}/").status_code == 302
            return
        client.post(f"/changes/new/{issuer.pk}/")
        change = issuer.change_requests.latest("pk")
        fields = {f: getattr(change, f) for f in ChangeRequest.EDITABLE_FIELDS}
        client.post(
            f"/changes/{change.pk}/edit/",
            {**fields, "description": "More cards.", "planned_quantity": quantity},
        )
        client.post(f"/changes/{change.pk}/submit/")
        change.refresh_from_db()
        if change.status == ChangeRequest.Status.AWAITING_ACKNOWLEDGEMENT:
            act(self.clients["ministry"], change, ChangeFlow.acknowledgement, {"outcome": "pass"})

    @invariant()
    def approved_cases_have_exactly_one_issuer_id(self) -> None:
        for application in Application.objects.all():
            has_issuer = Issuer.objects.filter(application=application).count()
            assert has_issuer == (1 if application.status in (Status.APPROVED, Status.FILED) else 0)

    @invariant()
    def issuer_ids_are_unique_gapless_and_never_change(self) -> None:
        issuers = list(Issuer.objects.order_by("serial"))
        assert [i.serial for i in issuers] == list(range(1, len(issuers) + 1))
        assert len({i.issuer_id for i in issuers}) == len(issuers)
        for issuer in issuers:
            assert self.issuer_ids.setdefault(issuer.pk, issuer.issuer_id) == issuer.issuer_id

    @invariant()
    def every_status_is_on_the_timeline(self) -> None:
        for case in [*Application.objects.all(), *ChangeRequest.objects.all()]:
            assert case.events.order_by("sequence").last().status_after == case.status

    @invariant()
    def the_audit_chain_is_intact(self) -> None:
        assert first_problem() is None


@pytest.mark.django_db
def test_the_procedure_keeps_its_invariants_whatever_the_order():
    run_state_machine_as_test(
        Procedure,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
