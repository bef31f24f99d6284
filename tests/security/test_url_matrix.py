"""Every URL pattern × every persona, each with the exact status it must answer.

The test walks Django's URL resolver: a pattern missing from RULES fails the suite, so a page
can't ship without a decision on who may see it. Each row of the matrix is one test (its id
names the method and the URL); a failing cell shows as the persona whose status differs.

The world is built once per module, through the actions: Hangzhou's filed issuer and a change
request of it waiting for Zhejiang's examination. Each test runs in a transaction rolled back
at its end, so a request that changes something leaves the next row the same world.
"""

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from approvals.demo import ensure_personas
from approvals.documents import issue_document
from approvals.exports import run_export
from approvals.flows import AuthorisationFlow, ChangeFlow, IssuanceFlow
from approvals.models import Application, Authorisation, CaseDocument, ChangeRequest, Export, Notice
from approvals.readiness import draft_authorisation
from issuers.models import Issuer
from tests.helpers import changed, filed_issuer

PERSONAS = ("anonymous", "hangzhou", "ningbo", "guangdong", "zhejiang", "ministry", "admin")


def row(*statuses: int) -> dict[str, int]:
    """The statuses in the order of PERSONAS."""
    assert len(statuses) == len(PERSONAS)
    return dict(zip(PERSONAS, statuses, strict=True))


# Hangzhou's case: its bureau, its province, the Ministry and the superuser read it; Ningbo (the
# same province, another bureau) and Guangdong get a 404; anonymous is sent to the login page.
READ = row(302, 200, 404, 404, 200, 200, 200)
# The applicant's edit pages of a case no longer editable send it back to the case; to everyone
# else the case does not exist.
APPLICANT_SENT_BACK = row(302, 302, 404, 404, 404, 404, 404)
APPLICANT_ONLY = row(302, 200, 404, 404, 404, 404, 404)
# A POST-only URL answers a GET with 405 before it looks the case up: it tells nothing.
POST_ONLY = row(302, 405, 405, 405, 405, 405, 405)
NOBODY = row(302, 404, 404, 404, 404, 404, 404)
# viewflow's process page redirects to the case page; cancelling a case is nobody's right.
REDIRECT_TO_CASE = row(302, 302, 404, 404, 302, 302, 302)
READ_ONLY_POST = row(302, 405, 404, 404, 405, 405, 405)
REFUSED = row(302, 403, 404, 404, 403, 403, 403)
TAKEN_BY_ZHEJIANG = row(302, 403, 404, 404, 302, 403, 403)
# Taking or running a step already done tells whoever sees the case who did it and when.
ALREADY_DONE = row(302, 409, 404, 404, 409, 409, 409)

SIGNED_IN = row(302, 200, 200, 200, 200, 200, 200)
EVERYONE = row(200, 200, 200, 200, 200, 200, 200)
# viewflow's own pages refuse the anonymous with 403 instead of sending them to the login.
FLOW_PAGE = row(403, 200, 200, 200, 200, 200, 200)
FLOW_REDIRECT = row(403, 302, 302, 302, 302, 302, 302)
SIGNED_IN_REDIRECT = row(302, 302, 302, 302, 302, 302, 302)
# Who may apply: a provincial department or a municipal bureau without an issuer of its own.
# Hangzhou's is filed already; the Ministry and the superuser are no applicants.
MAY_APPLY = row(302, 403, 200, 200, 200, 403, 403)
# Whoever sees the issuer is sent back to it with the refusal: Hangzhou has a change request open
# already, and only the issuer's own department may request one.
CHANGE_REFUSED = row(302, 302, 404, 404, 302, 302, 302)
ADMIN_ONLY = row(302, 302, 302, 302, 302, 302, 200)
# Cases, the register and viewflow's records come only from the procedure: no "add" in the admin.
ADMIN_NO_ADD = row(302, 302, 302, 302, 302, 302, 403)

CASE_ROWS = [
    ("GET", "cases:detail", READ),
    ("POST", "cases:detail", READ),
    ("GET", "cases:material", READ),
    ("GET", "cases:decision_letter", READ),
    ("GET", "cases:filing_form", READ),
    ("GET", "cases:summary", READ),
    # The Ministry's filing officials (and the superuser) correct a filing record; whoever else
    # sees the case is refused. An empty POST changes nothing (the form asks for a reason).
    ("GET", "cases:filing_correction", row(302, 403, 404, 404, 403, 200, 200)),
    ("POST", "cases:filing_correction", row(302, 403, 404, 404, 403, 200, 200)),
    ("GET", "cases:edit", APPLICANT_SENT_BACK),
    ("POST", "cases:edit", APPLICANT_SENT_BACK),
    ("GET", "cases:submit", POST_ONLY),
    ("POST", "cases:submit", APPLICANT_SENT_BACK),
    ("GET", "cases:upload", POST_ONLY),
    ("POST", "cases:upload", APPLICANT_SENT_BACK),
    # Asked to confirm first; refused the same way as the POST.
    ("GET", "changes:start", CHANGE_REFUSED),
    ("POST", "changes:start", CHANGE_REFUSED),
    ("GET", "changes:detail", READ),
    ("GET", "changes:surface_file", READ),
    ("GET", "changes:structure_json", READ),
    ("GET", "cases:structure_json", READ),
    ("GET", "cases:structure", APPLICANT_ONLY),
    ("POST", "cases:structure", APPLICANT_ONLY),
    ("GET", "cases:node", POST_ONLY),
    ("POST", "cases:node", APPLICANT_SENT_BACK),
    # Nothing is decided yet: the change has no decision document.
    ("GET", "changes:decision", NOBODY),
    ("GET", "changes:edit", APPLICANT_SENT_BACK),
    ("POST", "changes:edit", APPLICANT_SENT_BACK),
    ("GET", "changes:surface", POST_ONLY),
    ("POST", "changes:surface", APPLICANT_SENT_BACK),
    # The structure page shows a submitted structure to its applicant, read-only.
    ("GET", "changes:structure", APPLICANT_ONLY),
    ("POST", "changes:structure", APPLICANT_ONLY),
    ("GET", "changes:node", POST_ONLY),
    ("POST", "changes:node", APPLICANT_SENT_BACK),
    ("GET", "changes:submit", POST_ONLY),
    ("POST", "changes:submit", APPLICANT_SENT_BACK),
    ("GET", "changes:withdraw", APPLICANT_SENT_BACK),
    ("POST", "changes:withdraw", APPLICANT_SENT_BACK),
    ("GET", "register:detail", READ),
    ("GET", "register:surface", READ),
    ("GET", "register:structure", READ),
    ("GET", "register:receipt", READ),
    ("GET", "issuance:process_detail", REDIRECT_TO_CASE),
    ("GET", "issuance:process_chart", READ),
    ("POST", "issuance:process_chart", READ_ONLY_POST),
    ("GET", "issuance:process_cancel", REFUSED),
    ("POST", "issuance:process_cancel", REFUSED),
    ("GET", "change:process_detail", REDIRECT_TO_CASE),
    ("GET", "change:process_chart", READ),
    ("POST", "change:process_chart", READ_ONLY_POST),
    ("GET", "change:process_cancel", REFUSED),
    ("POST", "change:process_cancel", REFUSED),
    ("GET", "authorisation:process_detail", REDIRECT_TO_CASE),
    ("GET", "authorisation:process_chart", READ),
    ("POST", "authorisation:process_chart", READ_ONLY_POST),
    ("GET", "authorisation:process_cancel", REFUSED),
    ("POST", "authorisation:process_cancel", REFUSED),
    # The change awaits Zhejiang's acceptance: Zhejiang accepts; whoever else sees it is sent
    # back to the case with the refusal.
    ("GET", "cases:accept", POST_ONLY),
    ("POST", "cases:accept", row(302, 302, 404, 404, 302, 302, 302)),
    # Suspending a time limit is a supervisor's; none of these personas is one.
    ("GET", "cases:clock", REFUSED),
    ("POST", "cases:clock", REFUSED),
    # An issued document: whoever sees its case downloads it; only a supervisor of the issuing
    # office revokes it, and none of these personas is one.
    # The way to authorisation: whoever sees the case reads it; the department already has
    # one open, so nobody starts a second (those who see the issuer are sent back to it).
    ("GET", "authorisations:detail", READ),
    ("GET", "authorisations:start", CHANGE_REFUSED),
    ("POST", "authorisations:start", CHANGE_REFUSED),
    ("GET", "documents:download", READ),
    ("POST", "documents:download", READ),
    ("GET", "documents:revoke", REFUSED),
    ("POST", "documents:revoke", REFUSED),
    # The public verification page, by the document's code: no login.
    ("GET", "public_verify_start", EVERYONE),
    ("GET", "public_verify", EVERYONE),
    ("POST", "public_verify", EVERYONE),
]

# My department's page: every member sees it (the superuser belongs to none); only its
# supervisors change it, and to everyone else its changing URLs do not exist.
MEMBERS = row(302, 200, 200, 200, 200, 200, 404)
TEAM_ROWS = [
    ("GET", "team:index", MEMBERS),
    *(
        (method, name, POST_ONLY if method == "GET" else NOBODY)
        for name in (
            "team:add_member",
            "team:remove_member",
            "team:supervisor",
            "team:end_absence",
            "team:distribute",
        )
        for method in ("GET", "POST")
    ),
    # Anyone may record an absence (their own); an empty form goes back with the problems.
    ("GET", "team:absence", POST_ONLY),
    ("POST", "team:absence", row(302, 302, 302, 302, 302, 302, 404)),
    # The change's open task waits in Zhejiang's queue: nothing to release; only supervisors
    # reassign; taking over refuses (nobody holds it) and goes back to the case.
    ("GET", "team:release", NOBODY),
    ("POST", "team:release", NOBODY),
    ("GET", "team:reassign", NOBODY),
    ("POST", "team:reassign", NOBODY),
    ("GET", "team:take_over", POST_ONLY),
    ("POST", "team:take_over", row(302, 302, 404, 404, 302, 302, 302)),
    ("GET", "notices:index", SIGNED_IN),
    ("GET", "notices:open", POST_ONLY),
    ("POST", "notices:open", APPLICANT_SENT_BACK),  # a notice of Hangzhou's, nobody else's
    ("GET", "notices:read_all", POST_ONLY),
    ("POST", "notices:read_all", SIGNED_IN_REDIRECT),
    ("GET", "notices:settings", SIGNED_IN),
    ("POST", "notices:settings", SIGNED_IN),  # an empty form shows its errors
    # Everyone exports the lists they see; an export is its requester's (Hangzhou's) alone.
    # Each level's dashboard, its overdue list and its charts' numbers, scoped to the user.
    ("GET", "dashboard:index", SIGNED_IN),
    ("GET", "dashboard:overdue", SIGNED_IN),
    ("GET", "dashboard:chart", SIGNED_IN),
    ("GET", "exports:index", SIGNED_IN),
    ("GET", "exports:list", SIGNED_IN),
    ("GET", "exports:detail", APPLICANT_ONLY),
    ("GET", "exports:download", APPLICANT_ONLY),
]

PAGE_ROWS = [
    ("GET", "/", SIGNED_IN_REDIRECT),
    ("GET", "/cases/", SIGNED_IN),
    ("GET", "/changes/", SIGNED_IN),
    ("GET", "/register/", SIGNED_IN),
    ("GET", "/authorisations/", SIGNED_IN),
    ("GET", "/cases/new/", MAY_APPLY),
    ("POST", "/cases/new/", MAY_APPLY),
    ("GET", "/accounts/login/", EVERYONE),
    # The language switcher only sets the language cookie and goes back to `next`.
    ("GET", "/i18n/setlang/?next=/accounts/login/", SIGNED_IN_REDIRECT),
    ("POST", "/i18n/setlang/?next=/accounts/login/", SIGNED_IN_REDIRECT),
    ("GET", "/accounts/logout/", row(405, 405, 405, 405, 405, 405, 405)),
    ("GET", "/accounts/profile/", SIGNED_IN),
    ("GET", "/accounts/password_change/", SIGNED_IN),
    ("GET", "/accounts/password_change/done/", SIGNED_IN),
    ("GET", "/accounts/password_reset/", EVERYONE),
    ("GET", "/accounts/password_reset/done/", EVERYONE),
    ("GET", "/accounts/reset/done/", EVERYONE),
    # The public issuer register: no login; only GET (and HEAD).
    ("GET", "/public/issuers/", EVERYONE),
    ("POST", "/public/issuers/", row(405, 405, 405, 405, 405, 405, 405)),
    ("GET", "/public/issuers.csv", EVERYONE),
    ("GET", "/public/issuers.json", EVERYONE),
    *(
        (method, f"/{flow}/{page}", expected)
        for flow in ("issuance", "change")
        for method, page, expected in (
            ("GET", "", FLOW_REDIRECT),
            ("GET", "flows/", FLOW_REDIRECT),
            ("GET", "inbox/", FLOW_PAGE),
            ("GET", "queue/", FLOW_PAGE),
            ("GET", "archive/", FLOW_PAGE),
            ("GET", "tasks/", FLOW_PAGE),
            ("GET", "chart/", FLOW_PAGE),
            ("GET", "queue/assign/", FLOW_REDIRECT),
            # With no task selected the bulk actions take nothing and show the form again.
            ("POST", "queue/assign/", FLOW_PAGE),
            ("GET", "inbox/unassign/", FLOW_REDIRECT),
            ("POST", "inbox/unassign/", FLOW_PAGE),
        )
    ),
    ("GET", "/admin/", ADMIN_ONLY),
    ("GET", "/admin/login/", row(200, 200, 200, 200, 200, 200, 302)),
    ("GET", "/admin/jsi18n/", ADMIN_ONLY),
    ("GET", "/admin/password_change/", ADMIN_ONLY),
    ("GET", "/admin/approvals/application/", ADMIN_ONLY),
    ("GET", "/admin/approvals/application/add/", ADMIN_NO_ADD),
    ("GET", "/admin/approvals/changerequest/", ADMIN_ONLY),
    ("GET", "/admin/approvals/changerequest/add/", ADMIN_NO_ADD),
    ("GET", "/admin/approvals/changekind/add/", ADMIN_ONLY),
    ("GET", "/admin/issuers/division/add/", ADMIN_ONLY),
    ("GET", "/admin/issuers/department/add/", ADMIN_ONLY),
    ("GET", "/admin/issuers/membership/add/", ADMIN_ONLY),
    ("GET", "/admin/issuers/issuer/", ADMIN_ONLY),
    ("GET", "/admin/issuers/issuer/add/", ADMIN_NO_ADD),
    ("GET", "/admin/issuers/cardspecification/", ADMIN_ONLY),
    ("GET", "/admin/issuers/cardspecification/add/", ADMIN_NO_ADD),
    ("GET", "/admin/viewflow/process/add/", ADMIN_NO_ADD),
    ("GET", "/admin/viewflow/task/add/", ADMIN_NO_ADD),
    ("GET", "/admin/axes/accessattempt/add/", ADMIN_NO_ADD),
]

# The tasks of the world's two processes, and the task URLs viewflow gives each node. Every task
# but the change's provincial examination is done: nobody may take, run or undo it.
TASK_INDEX = REDIRECT_TO_CASE
ALL_ACTIONS = ("index", "detail", "assign", "unassign", "execute", "cancel", "undo", "revive")
NODE_ACTIONS = [
    (IssuanceFlow, "submit", ("index", "detail", "undo")),
    (IssuanceFlow, "route_by_applicant_level", ("index", "detail", "cancel", "undo", "revive")),
    (IssuanceFlow, "provincial_examination", ALL_ACTIONS),
    (IssuanceFlow, "after_examination", ("index", "detail", "cancel", "undo", "revive")),
    (IssuanceFlow, "ministry_review", ALL_ACTIONS),
    (IssuanceFlow, "after_review", ("index", "detail", "cancel", "undo", "revive")),
    (IssuanceFlow, "allocate_issuer_id", ("index", "detail", "cancel", "undo", "revive")),
    (IssuanceFlow, "registry_filing", ALL_ACTIONS),
    (IssuanceFlow, "filed", ("index", "detail", "undo", "revive")),
    (ChangeFlow, "submit", ("index", "detail", "undo")),
    (ChangeFlow, "route_by_kind_of_change", ("index", "detail", "cancel", "undo", "revive")),
    (ChangeFlow, "provincial_examination", ALL_ACTIONS),
    (AuthorisationFlow, "submit", ("index", "detail", "undo")),
    (AuthorisationFlow, "keys_and_psam", ("index", "detail", "undo", "revive")),
    (AuthorisationFlow, "key_examination", ALL_ACTIONS),
    (AuthorisationFlow, "psam_examination", ALL_ACTIONS),
]
# The Information Center's open tasks: none of the personas may take or run them.
OPEN_CENTER_TASKS = {
    (AuthorisationFlow, "key_examination"),
    (AuthorisationFlow, "psam_examination"),
}
OPEN_TASK = (ChangeFlow, "provincial_examination")
OPEN_TASK_EXPECTED = {"assign": TAKEN_BY_ZHEJIANG, "unassign": REFUSED, "execute": REFUSED}


def node_expected(flow: type, node: str, action: str) -> dict[str, int]:
    if (flow, node) == OPEN_TASK and action in OPEN_TASK_EXPECTED:
        return OPEN_TASK_EXPECTED[action]
    if (flow, node) in OPEN_CENTER_TASKS and action in OPEN_TASK_EXPECTED:
        return REFUSED
    return {
        "index": TASK_INDEX,
        "detail": READ,
        "assign": ALREADY_DONE,
        "execute": ALREADY_DONE,
    }.get(action, REFUSED)


NODE_ROWS = [
    (flow, node, action, node_expected(flow, node, action))
    for flow, node, actions in NODE_ACTIONS
    for action in actions
]
STATE_CHANGING_TASK_ACTIONS = ("assign", "unassign", "execute", "cancel", "undo", "revive")


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


# Which rows cover a URL name: every name belongs to one of these families.
RULES = [
    (r"^admin:", "admin pages: PAGE_ROWS"),
    (r"^(home|index|set_language)$", "PAGE_ROWS"),
    (r"^(login|logout|profile|password_(change|reset)(_done|_confirm|_complete)?)$", "PAGE_ROWS"),
    (r"^(cases|changes|register|issuance|change|authorisations|authorisation):index$", "PAGE_ROWS"),
    (
        r"^(issuance|change|authorisation):(inbox|queue|archive|task_list|process_list|chart)$",
        "PAGE_ROWS",
    ),
    (r"^(issuance|change|authorisation):(tasks_assign|tasks_unassign)$", "PAGE_ROWS"),
    (r"^cases:new$", "PAGE_ROWS"),
    (r"^public:issuers(_csv|_json)?$", "PAGE_ROWS"),
    (r"^(documents:[a-z_]+|public_verify(_start)?)$", "CASE_ROWS"),
    (r"^(cases|changes|register|authorisations):[a-z_]+$", "CASE_ROWS"),
    (
        r"^(issuance|change|authorisation):(process_detail|process_chart|process_cancel)$",
        "CASE_ROWS",
    ),
    (r"^(issuance|change|authorisation):[a-z_]+:[a-z]+$", "NODE_ROWS"),
    (r"^(team|notices|exports|dashboard):[a-z_]+$", "TEAM_ROWS"),
]


def rule_for(name: str) -> str | None:
    return next((rows for pattern, rows in RULES if re.search(pattern, name)), None)


def test_every_url_pattern_is_in_the_matrix():
    missing = sorted(name for name in all_url_names() if rule_for(name) is None)
    assert missing == []


def test_every_case_url_has_a_row():
    case_names = {name for name in all_url_names() if rule_for(name) == "CASE_ROWS"}
    assert case_names == {name for _, name, _ in CASE_ROWS}


def test_every_team_url_has_a_row():
    team_names = {name for name in all_url_names() if rule_for(name) == "TEAM_ROWS"}
    assert team_names == {name for _, name, _ in TEAM_ROWS}


@dataclass
class World:
    application: Application
    issuer: Issuer
    change: ChangeRequest
    export: Export
    document: CaseDocument
    authorisation: Authorisation
    clients: dict[str, Client]

    def case_url(self, name: str) -> str:
        application, issuer, change = self.application, self.issuer, self.change
        return {
            "cases:detail": f"/cases/{application.pk}/",
            "cases:material": f"/cases/{application.pk}/materials/"
            f"{application.materials.first().pk}/",
            "cases:decision_letter": f"/cases/{application.pk}/decision.pdf",
            "cases:filing_form": f"/cases/{application.pk}/filing-form.pdf",
            "cases:summary": f"/cases/{application.pk}/summary.pdf",
            "authorisations:detail": f"/authorisations/{self.authorisation.pk}/",
            "authorisations:start": f"/authorisations/new/{issuer.pk}/",
            "documents:download": f"/documents/{self.document.pk}/",
            "documents:revoke": f"/documents/{self.document.pk}/revoke/",
            "public_verify_start": "/public/verify/",
            "public_verify": f"/public/verify/{self.document.verification_code}/",
            "cases:filing_correction": f"/cases/{application.pk}/filing/correct/",
            "cases:edit": f"/cases/{application.pk}/edit/",
            "cases:submit": f"/cases/{application.pk}/submit/",
            "cases:upload": f"/cases/{application.pk}/materials/",
            "changes:start": f"/changes/new/{issuer.pk}/",
            "changes:detail": f"/changes/{change.pk}/",
            "changes:surface_file": f"/changes/{change.pk}/surface/before/",
            "changes:structure_json": f"/changes/{change.pk}/structure.json",
            "cases:structure_json": f"/cases/{application.pk}/structure.json",
            "cases:structure": f"/cases/{application.pk}/structure/",
            "cases:node": f"/cases/{application.pk}/structure/node/",
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
            "authorisation:process_detail": f"/authorisation/{self.authorisation.process.pk}/",
            "authorisation:process_chart": (
                f"/authorisation/{self.authorisation.process.pk}/chart/"
            ),
            "authorisation:process_cancel": (
                f"/authorisation/{self.authorisation.process.pk}/cancel/"
            ),
            "cases:accept": f"/cases/{change.pk}/accept/",
            "cases:clock": f"/cases/{change.pk}/time-limit/suspend/",
        }[name]

    def team_url(self, name: str) -> str:
        member = self.clients["hangzhou"].session["_auth_user_id"]
        task = self.change.process.task_set.get(flow_task=ChangeFlow.provincial_examination)
        notice = Notice.objects.filter(user__username="hangzhou").first()
        return {
            "team:index": "/team/",
            "team:add_member": "/team/members/add/",
            "team:remove_member": f"/team/members/{member}/remove/",
            "team:supervisor": f"/team/members/{member}/supervisor/",
            "team:absence": "/team/absences/",
            "team:end_absence": "/team/absences/999999/end/",
            "team:distribute": "/team/distribute/",
            "team:release": f"/team/tasks/{task.pk}/release/",
            "team:reassign": f"/team/tasks/{task.pk}/reassign/",
            "team:take_over": f"/team/tasks/{task.pk}/take-over/",
            "notices:index": "/notices/",
            "notices:open": f"/notices/{notice.pk}/open/",
            "notices:read_all": "/notices/read-all/",
            "notices:settings": "/notices/settings/",
            "dashboard:index": "/dashboard/",
            "dashboard:overdue": "/dashboard/overdue/",
            "dashboard:chart": "/dashboard/outcomes.csv",
            "exports:index": "/exports/",
            "exports:list": "/exports/cases.csv",
            "exports:detail": f"/exports/{self.export.pk}/",
            "exports:download": f"/exports/{self.export.pk}/file/",
        }[name]

    def task_url(self, flow: type, node_name: str, action: str) -> str:
        case = {IssuanceFlow: self.application, ChangeFlow: self.change}.get(
            flow, self.authorisation
        )
        process = case.process
        task = process.task_set.get(flow_task=getattr(flow, node_name))
        return task.flow_task.reverse(action, args=[process.pk, task.pk])


@pytest.fixture(autouse=True)
def _test_settings():
    """The module's world keeps the media root it was built with (see `world`)."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory, signing_key_pair):
    media_root = tmp_path_factory.mktemp("media")
    key, cert = signing_key_pair
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media_root,
            DOCUMENT_SIGNING_KEY=key,
            DOCUMENT_SIGNING_CERT=cert,
            AUDIT_CHECKPOINT_DIR=tmp_path_factory.mktemp("audit"),
        ),
        transaction.atomic(),
    ):
        personas = ensure_personas()
        issuer = filed_issuer(personas, "hangzhou")
        change = changed(personas, "hangzhou", issuer, planned_quantity=5)
        export = Export.objects.create(
            requested_by=personas["hangzhou"], listing="cases", file_format="csv", language="en"
        )
        run_export(export)
        document = issue_document(CaseDocument.Kind.DECISION_LETTER, issuer.application)
        authorisation = AuthorisationFlow.submit_case(
            draft_authorisation(issuer, by=personas["hangzhou"], key_request="2", psam_quantity=9),
            by=personas["hangzhou"],
        )
        # Signed in here, so that the sessions outlive each test's rollback.
        clients = {persona: client_of(persona) for persona in PERSONAS}
        yield World(issuer.application, issuer, change, export, document, authorisation, clients)
        transaction.set_rollback(True)


def client_of(persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(get_user_model().objects.get(username=persona))
    return client


def statuses(method: str, url: str, world: World) -> dict[str, int]:
    """What each persona gets; the anonymous and those who may not see must learn nothing."""
    found = {}
    for persona in PERSONAS:
        client = world.clients[persona]
        response = getattr(client, method.lower())(url)
        found[persona] = response.status_code
        if persona == "anonymous" and response.status_code == 302:
            # The home page sends everyone to the case list, which sends the anonymous on.
            login = response.url if url != "/" else client.get(response.url).url
            assert "/login/" in login, url
        if response.status_code in (403, 404, 405):
            assert world.application.reference not in response.content.decode(errors="ignore")
    return found


@pytest.mark.parametrize(
    ("method", "name", "expected"),
    CASE_ROWS,
    ids=[f"{method} {name}" for method, name, _ in CASE_ROWS],
)
def test_case_url(world, db, method, name, expected):
    assert statuses(method, world.case_url(name), world) == expected
    world.change.refresh_from_db()
    assert world.change.status == ChangeRequest.Status.PROVINCIAL_EXAMINATION
    world.application.refresh_from_db()
    assert world.application.status == Application.Status.FILED


@pytest.mark.parametrize(
    ("method", "name", "expected"),
    TEAM_ROWS,
    ids=[f"{method} {name}" for method, name, _ in TEAM_ROWS],
)
def test_team_url(world, db, method, name, expected):
    assert statuses(method, world.team_url(name), world) == expected


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    PAGE_ROWS,
    ids=[f"{method} {url}" for method, url, _ in PAGE_ROWS],
)
def test_page_url(world, db, method, url, expected):
    assert statuses(method, url, world) == expected


@pytest.mark.parametrize(
    ("flow", "node", "action", "expected"),
    NODE_ROWS,
    ids=[f"{flow.__name__}.{node}:{action}" for flow, node, action, _ in NODE_ROWS],
)
def test_task_url(world, db, flow, node, action, expected):
    method = "POST" if action in STATE_CHANGING_TASK_ACTIONS else "GET"
    assert statuses(method, world.task_url(flow, node, action), world) == expected
    world.application.refresh_from_db()
    assert world.application.status == Application.Status.FILED
