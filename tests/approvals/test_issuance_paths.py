"""Both application paths, both return loops and rejection at each level, over HTTP."""

from viewflow.workflow.status import PROCESS

from approvals.flows import IssuanceFlow as Flow
from approvals.models import Application, CaseEvent
from issuers.identifiers import is_valid_issuer_id
from issuers.models import Issuer
from tests.helpers import APPLICATION_DATA, act, apply, decide, file_with_registry

Status = Application.Status


def actions_of(application: Application) -> list[str]:
    return list(application.events.values_list("action", flat=True))


def test_municipal_application_goes_through_province_ministry_allocation_and_filing(client_for):
    hangzhou, zhejiang, ministry = (
        client_for("hangzhou"),
        client_for("zhejiang"),
        client_for("ministry"),
    )

    application = apply(hangzhou)
    assert application.status == Status.PROVINCIAL_EXAMINATION

    assert decide(zhejiang, application, Flow.provincial_examination, "pass").status_code == 302
    assert application.status == Status.MINISTRY_REVIEW

    assert decide(ministry, application, Flow.ministry_review, "pass").status_code == 302
    assert application.status == Status.APPROVED
    issuer = Issuer.objects.get(application=application)
    assert issuer.issuer_id.startswith("330100")
    assert is_valid_issuer_id(issuer.issuer_id)
    assert issuer.status == Issuer.Status.ALLOCATED

    assert file_with_registry(ministry, application, "ICRC-2026-7").status_code == 302
    issuer.refresh_from_db()
    assert application.status == Status.FILED
    assert issuer.status == Issuer.Status.FILED
    assert issuer.filing_reference == "ICRC-2026-7"
    assert issuer.filing_receipt

    application.process.refresh_from_db()
    assert application.process.status == PROCESS.DONE
    Action = CaseEvent.Action
    assert actions_of(application)[-10:] == [
        Action.SUBMITTED,
        Action.CLOCK_STARTED,  # acceptance, by the province
        Action.ACCEPTED,  # passing accepts it first
        Action.CLOCK_STARTED,  # the preliminary examination
        Action.EXAMINATION_PASSED,
        Action.CLOCK_STARTED,  # the Ministry's decision
        Action.APPROVED,
        Action.CLOCK_STARTED,  # filing, and serving the decision
        Action.ISSUER_ID_ALLOCATED,
        Action.FILED,
    ]

    register = client_for("hangzhou").get("/register/")
    assert issuer.issuer_id in register.content.decode()


def test_provincial_department_applies_straight_to_the_ministry(client_for):
    zhejiang, ministry = client_for("zhejiang"), client_for("ministry")
    application = apply(zhejiang)
    assert application.status == Status.MINISTRY_REVIEW
    assert not application.process.task_set.filter(flow_task=Flow.provincial_examination).exists()

    decide(ministry, application, Flow.ministry_review, "pass")
    file_with_registry(ministry, application)
    assert application.status == Status.FILED
    assert application.issuer.issuer_id.startswith("330000")


def test_beijing_bureau_takes_the_provincial_path(client_for):
    application = apply(client_for("beijing"))
    assert application.status == Status.MINISTRY_REVIEW


def test_province_returns_and_the_resubmission_is_examined_again(client_for):
    ningbo, zhejiang = client_for("ningbo"), client_for("zhejiang")
    application = apply(ningbo)

    decide(zhejiang, application, Flow.provincial_examination, "return", "Card surface wrong.")
    assert application.status == Status.RETURNED
    page = ningbo.get(f"/cases/{application.pk}/").content.decode()
    assert "Card surface wrong." in page

    # The applicant edits and resubmits through the correction task.
    edit = ningbo.post(
        f"/cases/{application.pk}/edit/",
        {**APPLICATION_DATA, "planned_quantity": "42"},
    )
    assert edit.status_code == 302
    assert act(ningbo, application, Flow.correction, {"note": "Fixed."}).status_code == 302
    application.refresh_from_db()
    assert application.planned_quantity == 42
    assert application.status == Status.PROVINCIAL_EXAMINATION
    assert application.process.task_set.filter(flow_task=Flow.provincial_examination).count() == 2


def test_ministry_returns_and_the_municipal_resubmission_goes_through_the_province_again(
    client_for,
):
    shenzhen, guangdong, ministry = (
        client_for("shenzhen"),
        client_for("guangdong"),
        client_for("ministry"),
    )
    application = apply(shenzhen)
    decide(guangdong, application, Flow.provincial_examination, "pass")
    decide(ministry, application, Flow.ministry_review, "return", "Statement incomplete.")
    assert application.status == Status.RETURNED

    assert act(shenzhen, application, Flow.correction, {"note": "Added."}).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.PROVINCIAL_EXAMINATION

    decide(guangdong, application, Flow.provincial_examination, "pass")
    decide(ministry, application, Flow.ministry_review, "pass")
    assert application.status == Status.APPROVED
    assert Issuer.objects.filter(application=application).count() == 1


def test_rejection_by_the_province_ends_the_case(client_for):
    application = apply(client_for("hangzhou"))
    decide(client_for("zhejiang"), application, Flow.provincial_examination, "reject", "Not ready.")
    assert application.status == Status.REJECTED
    application.process.refresh_from_db()
    assert application.process.status == PROCESS.DONE
    assert not Issuer.objects.filter(application=application).exists()
    assert "Not ready." in client_for("hangzhou").get(f"/cases/{application.pk}/").content.decode()


def test_rejection_by_the_ministry_ends_the_case_without_an_issuer_id(client_for):
    application = apply(client_for("guangdong"))
    decide(client_for("ministry"), application, Flow.ministry_review, "reject", "No keys plan.")
    assert application.status == Status.REJECTED
    assert not Issuer.objects.exists()


def test_return_and_reject_need_reasons(client_for):
    application = apply(client_for("guangdong"))
    response = decide(client_for("ministry"), application, Flow.ministry_review, "reject", "  ")
    assert response.status_code == 200
    assert "Please give the reasons" in response.content.decode()
    assert application.status == Status.MINISTRY_REVIEW
