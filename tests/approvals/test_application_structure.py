"""The application carries the applicant's own in-card file structure (the national layout
as a starting point, edited node by node or imported as JSON, validated), and the approval
registers that structure as version 1, which later changes are compared with."""

from django.core.files.uploadedfile import SimpleUploadedFile

from approvals.flows import IssuanceFlow as Flow
from issuers.file_structure import national_structure, to_json
from tests.helpers import NEW_DF, create_draft, procedure, submit, upload_all


def test_a_new_application_starts_from_the_national_layout(client_for):
    draft = create_draft(client_for("hangzhou"))
    assert draft.file_structure == national_structure()


def test_the_applicants_structure_is_registered_as_version_1(client_for, personas):
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)
    local = {**NEW_DF, "path": "3F00/DF06", "fid": "DF06", "aid": "D15600000506"}

    response = hangzhou.post(
        f"/cases/{draft.pk}/structure/node/", {f"node-{k}": v for k, v in local.items()}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert "3F00/DF06" in [n["path"] for n in draft.file_structure]
    upload_all(hangzhou, draft)
    assert submit(hangzhou, draft).status_code == 302
    procedure.decide(draft, Flow.provincial_examination, personas["zhejiang"], "pass")
    procedure.decide(draft, Flow.ministry_review, personas["ministry"], "pass")

    draft.refresh_from_db()
    registered = draft.issuer.current_specification().file_structure
    assert registered == draft.file_structure
    assert registered != national_structure()
    assert "3F00/DF06" in [n["path"] for n in registered]


def test_a_structure_imported_as_json_is_validated_and_an_invalid_one_refused(client_for):
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)
    invalid = to_json([n for n in national_structure() if n["path"] != "3F00"])

    refused = hangzhou.post(
        f"/cases/{draft.pk}/structure/",
        {"json_file": SimpleUploadedFile("s.json", invalid.encode(), "application/json")},
    )

    assert refused.status_code == 200
    assert "There must be exactly one root, the MF with FID 3F00." in refused.content.decode()
    draft.refresh_from_db()
    assert draft.file_structure == national_structure()

    exported = hangzhou.get(f"/cases/{draft.pk}/structure.json")
    assert exported["Content-Disposition"].startswith("attachment;")
    assert b"".join(exported).decode() == to_json(draft.file_structure)


def test_the_structure_cannot_be_edited_once_submitted(client_for, personas):
    from_data = {"structure": to_json(national_structure()[:3])}
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)
    upload_all(hangzhou, draft)
    submit(hangzhou, draft)

    response = hangzhou.post(f"/cases/{draft.pk}/structure/", from_data, follow=True)

    assert "can no longer be edited" in response.content.decode()
    draft.refresh_from_db()
    assert draft.file_structure == national_structure()
