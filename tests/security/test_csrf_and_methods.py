"""Every state-changing URL needs a CSRF token, and state never changes on GET."""

import pytest
from django.test import Client

from approvals.flows import IssuanceFlow
from approvals.models import Application, CaseEvent
from tests.helpers import (
    APPLICATION_DATA,
    applied,
    create_draft,
    filed_issuer,
    start_change,
    task_url,
)


@pytest.fixture
def scenario(client_for, personas):
    draft = create_draft(client_for("hangzhou"))
    submitted = applied(personas, "ningbo")
    issuer = filed_issuer(personas, "beijing")
    change = start_change(client_for("beijing"), issuer)
    return {"draft": draft, "submitted": submitted, "issuer": issuer, "change": change}


def state_changing_urls(scenario) -> list[tuple[str, str]]:
    draft, submitted = scenario["draft"], scenario["submitted"]
    node = IssuanceFlow.provincial_examination
    return [
        ("hangzhou", "/cases/new/"),
        ("hangzhou", f"/cases/{draft.pk}/edit/"),
        ("hangzhou", f"/cases/{draft.pk}/materials/"),
        ("hangzhou", f"/cases/{draft.pk}/submit/"),
        ("zhejiang", task_url(submitted, node, "assign")),
        ("zhejiang", task_url(submitted, node, "execute")),
        ("beijing", f"/changes/new/{scenario['issuer'].pk}/"),
        *[
            ("beijing", f"/changes/{scenario['change'].pk}/{suffix}")
            for suffix in (
                "edit/",
                "surface/",
                "structure/",
                "structure/node/",
                "submit/",
                "withdraw/",
            )
        ],
    ]


def test_posts_without_a_csrf_token_are_refused(scenario, personas):
    events_before = CaseEvent.objects.count()
    for persona, url in state_changing_urls(scenario):
        client = Client(enforce_csrf_checks=True)
        client.force_login(personas[persona])
        response = client.post(url, APPLICATION_DATA)
        assert response.status_code == 403, url
    assert CaseEvent.objects.count() == events_before
    assert Application.objects.count() == 3


@pytest.mark.parametrize("suffix", ["submit/", "materials/"])
def test_action_urls_refuse_get(scenario, client_for, suffix):
    draft = scenario["draft"]
    response = client_for("hangzhou").get(f"/cases/{draft.pk}/{suffix}")
    assert response.status_code == 405
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT
