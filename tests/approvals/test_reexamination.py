"""Examining a case again after a return: the examiner sees why it was returned, what the
applicant changed (each field with its old and new value, each new material) and the note
the applicant resubmitted with."""

from approvals.flows import IssuanceFlow as Flow
from approvals.models import CaseEvent, Material
from tests.helpers import APPLICATION_DATA, applied, procedure, shown_details, task_url, upload


def test_the_examiner_sees_the_return_the_changes_and_the_note(client_for, personas):
    hangzhou, zhejiang = client_for("hangzhou"), client_for("zhejiang")
    application = applied(personas, "hangzhou")
    procedure.decide(
        application,
        Flow.provincial_examination,
        personas["zhejiang"],
        "return",
        "拟发卡数量与人口不符 / The quantity does not match the population.",
    )
    hangzhou.post(
        f"/cases/{application.pk}/edit/", {**APPLICATION_DATA, "planned_quantity": "850000"}
    )
    upload(hangzhou, application, Material.Kind.PREPARATIONS)
    procedure.correct(application, personas["hangzhou"], "数量已按常住人口修正 / Quantity fixed.")

    zhejiang.post(task_url(application, Flow.provincial_examination, "assign"))
    page = zhejiang.get(task_url(application, Flow.provincial_examination, "execute"))

    text = page.content.decode()
    assert "Corrected after a return" in text
    assert "The quantity does not match the population." in text
    assert "planned card quantity: 1000000 → 850000" in text
    assert "Statement of preparations v2" in text
    assert "Quantity fixed." in text


def test_an_edit_is_recorded_with_old_and_new_values(client_for, personas):
    hangzhou = client_for("hangzhou")
    application = applied(personas, "hangzhou")
    procedure.decide(application, Flow.provincial_examination, personas["zhejiang"], "return", "x")

    hangzhou.post(
        f"/cases/{application.pk}/edit/",
        {**APPLICATION_DATA, "planned_quantity": "42", "card_supplier": "金邦达有限公司"},
    )

    assert shown_details(application, CaseEvent.Action.EDITED) == [
        ("planned card quantity: 1000000 → 42; card supplier: Eastcompeace → 金邦达有限公司")
    ]


def test_a_first_examination_shows_no_correction(client_for, personas):
    application = applied(personas, "hangzhou")
    zhejiang = client_for("zhejiang")
    zhejiang.post(task_url(application, Flow.provincial_examination, "assign"))

    page = zhejiang.get(task_url(application, Flow.provincial_examination, "execute"))

    assert "Corrected after a return" not in page.content.decode()
