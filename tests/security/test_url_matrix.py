"""Every URL pattern × every role.

The test walks Django's URL resolver: a pattern missing from RULES fails the suite, so a new
page can't ship without a decision on who may see it. Cases outside a persona's jurisdiction
must answer 403/404 with nothing of the case in the body.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from approvals.flows import ChangeFlow, IssuanceFlow
from tests.approvals.test_change_requests import filed_issuer, request_change, submit_change

PERSONAS = ["anonymous", "hangzhou", "ningbo", "guangdong", "zhejiang", "ministry", "admin"]
# Who may see Hangzhou's cases: its own bureau, its province, the Ministry and the superuser.
IN_JURISDICTION = {"hangzhou", "zhejiang", "ministry", "admin"}
HIDDEN = {403, 404}


def all_url_names() -> set[str]:
    names = set()

    def walk(resolver: URLResolver, namespace: tuple) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern, namespace + ((pattern.namespace,) if pattern.namespace else ()))
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(":".join(namespace + (pattern.name,)))

    walk(get_resolver(), ())
    return names


# name regex -> how to check it. "page": a list or form every signed-in official may open;
# "case": one of Hangzhou's cases; "node": a flow task URL; "admin": Django's admin.
RULES = [
    (r"^admin:", "admin"),
    (r"^(home|index)$", "page"),
    (r"^(login|logout|profile|password_(change|reset)(_done|_confirm|_complete)?)$", "account"),
    (r"^(cases|changes|register|issuance|change):index$", "page"),
    (r"^(issuance|change):(inbox|queue|archive|task_list|process_list|chart)$", "page"),
    (r"^(issuance|change):(tasks_assign|tasks_unassign)$", "post_only_page"),
    (r"^cases:new$", "apply"),
    (r"^changes:start$", "change_start"),
    (r"^cases:(detail|material|decision_letter|filing_form)$", "case"),
    (r"^cases:(edit|submit|upload)$", "own_case"),
    (r"^changes:(detail|surface_file|structure_json|decision)$", "case"),
    (r"^changes:(edit|surface|structure|node|submit|withdraw)$", "own_case"),
    (r"^register:(detail|surface|structure|receipt)$", "case"),
    (r"^(issuance|change):(process_detail|process_chart|process_cancel)$", "case"),
    (r"^(issuance|change):[a-z_]+:[a-z]+$", "node"),
]


def rule_for(name: str) -> str | None:
    return next((kind for pattern, kind in RULES if re.search(pattern, name)), None)


def test_every_url_pattern_is_in_the_matrix():
    missing = sorted(name for name in all_url_names() if rule_for(name) is None)
    assert missing == []


@pytest.fixture
def world(client_for):
    """Hangzhou: a filed issuer with a change request awaiting acknowledgement."""
    issuer = filed_issuer(client_for, "hangzhou")
    change = request_change(client_for("hangzhou"), issuer, planned_quantity=5)
    submit_change(client_for("hangzhou"), change)
    return {"application": issuer.application, "issuer": issuer, "change": change}


def clients(personas) -> dict[str, Client]:
    result = {"anonymous": Client()}
    for name in PERSONAS[1:]:
        client = Client()
        client.force_login(personas.get(name) or get_user_model().objects.get(username=name))
        result[name] = client
    return result


def case_urls(world) -> dict[str, str]:
    application, issuer, change = world["application"], world["issuer"], world["change"]
    material = application.materials.first()
    return {
        "cases:detail": f"/cases/{application.pk}/",
        "cases:material": f"/cases/{application.pk}/materials/{material.pk}/",
        "cases:decision_letter": f"/cases/{application.pk}/decision.pdf",
        "cases:filing_form": f"/cases/{application.pk}/filing-form.pdf",
        "cases:edit": f"/cases/{application.pk}/edit/",
        "cases:submit": f"/cases/{application.pk}/submit/",
        "cases:upload": f"/cases/{application.pk}/materials/",
        "changes:detail": f"/changes/{change.pk}/",
        "changes:surface_file": f"/changes/{change.pk}/surface/before/",
        "changes:structure_json": f"/changes/{change.pk}/structure.json",
        "changes:decision": f"/changes/{change.pk}/decision.pdf",
        "changes:edit": f"/changes/{change.pk}/edit/",
        "changes:surface": f"/changes/{change.pk}/surface/",
        "changes:structure": f"/changes/{change.pk}/structure/",
        "changes:node": f"/changes/{change.pk}/structure/node/",
        "changes:submit": f"/changes/{change.pk}/submit/",
        "changes:withdraw": f"/changes/{change.pk}/withdraw/",
        "register:detail": f"/register/{issuer.pk}/",
        "register:surface": f"/register/{issuer.pk}/v1/surface/",
        "register:structure": f"/register/{issuer.pk}/v1/structure.json",
        "register:receipt": f"/register/{issuer.pk}/receipt/",
        "issuance:process_detail": f"/issuance/{application.process.pk}/",
        "issuance:process_chart": f"/issuance/{application.process.pk}/chart/",
        "issuance:process_cancel": f"/issuance/{application.process.pk}/cancel/",
        "change:process_detail": f"/change/{change.process.pk}/",
        "change:process_chart": f"/change/{change.process.pk}/chart/",
        "change:process_cancel": f"/change/{change.process.pk}/cancel/",
    }


def assert_anonymous_is_sent_to_login(response, url: str) -> None:
    assert response.status_code in (302, 403), url
    if response.status_code == 302:
        assert "/accounts/login/" in response.url, url


def test_case_urls_answer_only_within_jurisdiction(world, personas):
    by_persona = clients(personas)
    reference = world["application"].reference
    for name, url in case_urls(world).items():
        for persona, client in by_persona.items():
            response = client.get(url)
            if persona == "anonymous":
                assert_anonymous_is_sent_to_login(response, url)
            elif persona in IN_JURISDICTION and rule_for(name) == "case":
                allowed = {200, 302, 404} if name.endswith(("decision", "cancel")) else {200, 302}
                if name.endswith("process_cancel"):
                    allowed = HIDDEN  # nobody cancels a case outside the procedure
                assert response.status_code in allowed, (persona, url, response.status_code)
            elif persona == "hangzhou":
                # The applicant's own edit pages; a filed application is read-only.
                assert response.status_code in {200, 302, 405}, (persona, url)
            else:
                assert response.status_code in HIDDEN | {405}, (persona, url, response.status_code)
                assert reference not in response.content.decode(errors="ignore"), (persona, url)


def test_state_changing_case_urls_refuse_everyone_but_the_applicant(world, personas):
    by_persona = clients(personas)
    change = world["change"]
    status_before = change.status
    for name, url in case_urls(world).items():
        if rule_for(name) != "own_case":
            continue
        for persona, client in by_persona.items():
            response = client.post(url, {})
            if persona == "anonymous":
                assert_anonymous_is_sent_to_login(response, url)
            elif persona != "hangzhou":
                assert response.status_code in HIDDEN, (persona, url, response.status_code)
    change.refresh_from_db()
    assert change.status == status_before


def node_urls(world) -> list[tuple[str, str, object]]:
    urls = []
    for flow, process in (
        (IssuanceFlow, world["application"].process),
        (ChangeFlow, world["change"].process),
    ):
        for task in process.task_set.all():
            node = task.flow_task
            for action in (
                "index",
                "detail",
                "assign",
                "unassign",
                "execute",
                "cancel",
                "undo",
                "revive",
            ):
                try:
                    url = node.reverse(action, args=[process.pk, task.pk])
                except Exception:  # noqa: BLE001, S112 - the node has no such view
                    continue
                urls.append((f"{flow.__name__}.{node.name}:{action}", url, task))
    return urls


def test_flow_task_urls_are_refused_outside_jurisdiction_and_manage_actions_to_all(world, personas):
    by_persona = clients(personas)
    for label, url, task in node_urls(world):
        for persona, client in by_persona.items():
            if label.endswith(("assign", "cancel", "undo", "revive")):
                response = client.post(url)
            else:
                # The task index redirects to the page the user may open: follow it.
                response = client.get(url, follow=persona != "anonymous")
            status = response.status_code
            if persona == "anonymous":
                assert_anonymous_is_sent_to_login(response, label)
            elif label.endswith((":cancel", ":undo", ":revive")):
                assert status in HIDDEN, (persona, label, status)
            elif persona not in IN_JURISDICTION:
                assert status in HIDDEN, (persona, label, status)
            else:
                assert status in {200, 302, 403}, (persona, label, status)
        task.refresh_from_db()
    world["application"].refresh_from_db()
    assert world["application"].status == "filed"
