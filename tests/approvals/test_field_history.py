"""Every edit of a case's data is on its timeline field by field, before and after: stored
whole inside the hash chain, shown in the reader's language (choices by their labels, dates
in the reader's format, long texts shortened)."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import formats, translation

from approvals.models import Action, event_details
from issuers.models import CardholderCategory
from tests.helpers import APPLICATION_DATA, create_draft, page

LONG_NOTE = "本市户籍人员及持居住证的常住人口，" * 12  # 204 characters
NEW_START = datetime.date.fromisoformat(APPLICATION_DATA["planned_start"]) + datetime.timedelta(
    days=30
)


@pytest.fixture
def edited(client_for):
    """A draft whose quantity, cardholders, local note and start were edited on its page."""
    hangzhou = client_for("hangzhou")
    draft = create_draft(hangzhou)
    response = hangzhou.post(
        f"/cases/{draft.pk}/edit/",
        {
            **APPLICATION_DATA,
            "planned_quantity": "120000",
            "cardholder_categories": ["employees", "students"],
            "cardholder_population": LONG_NOTE,
            "planned_start": NEW_START.isoformat(),
        },
    )
    assert response.status_code == 302
    return hangzhou, draft


def labels(*codes: str) -> str:
    return CardholderCategory.labels_of(list(codes))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_case_page_shows_each_edited_field_before_and_after(edited, language):
    client, draft = edited
    client.post("/i18n/setlang/", {"language": language, "next": "/cases/"})

    text = page(client, f"/cases/{draft.pk}/")

    with translation.override(language):
        expected = [
            f"{draft._meta.get_field(name).verbose_name}: {old} → {new}"
            for name, old, new in [
                ("planned_quantity", "1000000", "120000"),
                (
                    "cardholder_categories",
                    labels("employees", "residents"),
                    labels("employees", "students"),
                ),
                (
                    "planned_start",
                    formats.date_format(
                        datetime.date.fromisoformat(APPLICATION_DATA["planned_start"])
                    ),
                    formats.date_format(NEW_START),
                ),
            ]
        ]
    for change in expected:
        assert change in text
    shortened = LONG_NOTE[: event_details.VALUE_LENGTH - 1] + "…"
    assert f"insured employees and residents → {shortened}" in text


def test_the_values_are_stored_whole_inside_the_hash_chain(edited, capsys):
    _client, draft = edited
    event = draft.events.get(action=Action.EDITED)

    fields = {name: (old, new) for name, old, new in json.loads(event.detail)["fields"]}

    assert fields["cardholder_population"] == ("insured employees and residents", LONG_NOTE)
    assert fields["planned_quantity"] == (1000000, 120000)
    assert fields["cardholder_categories"] == (
        ["employees", "residents"],
        ["employees", "students"],
    )
    assert fields["planned_start"] == (APPLICATION_DATA["planned_start"], NEW_START.isoformat())
    call_command("verify_audit")
    assert "Audit chain intact" in capsys.readouterr().out


def test_a_before_value_changed_in_the_database_breaks_the_chain(edited):
    _client, draft = edited
    event = draft.events.get(action=Action.EDITED)
    forged = event.detail.replace("1000000", "120000", 1)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # as an administrator, past the trigger
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE approvals_caseevent SET detail = %s WHERE id = %s", [forged, event.pk]
        )

    with pytest.raises(CommandError, match=f"event #{event.sequence} .* altered"):
        call_command("verify_audit")
