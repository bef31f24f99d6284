from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application, Site

from approvals import (
    authorisation_views,
    change_views,
    clock_views,
    dashboard_views,
    document_views,
    export_views,
    notice_views,
    public_views,
    register_views,
    team_views,
    verification_views,
)
from approvals import views as case_views
from approvals.flows import AuthorisationFlow, ChangeFlow, IssuanceFlow
from approvals.viewsets import ScopedFlowViewset

cases = Application(
    app_name="cases",
    title=_("Cases"),
    icon="folder_open",
    menu_template_name=None,
    urlpatterns=[
        path("", case_views.case_list, name="index"),
        path("new/", case_views.case_new, name="new"),
        path("<int:pk>/", case_views.case_detail, name="detail"),
        path("<int:pk>/edit/", case_views.case_edit, name="edit"),
        path("<int:pk>/submit/", case_views.case_submit, name="submit"),
        path("<int:pk>/structure/", case_views.case_structure, name="structure"),
        path("<int:pk>/structure/node/", case_views.case_structure_node, name="node"),
        path("<int:pk>/structure.json", case_views.case_structure_export, name="structure_json"),
        path("<int:pk>/materials/", case_views.material_upload, name="upload"),
        path(
            "<int:pk>/materials/<int:material_pk>/",
            case_views.material_download,
            name="material",
        ),
        path("<int:pk>/decision.pdf", case_views.decision_letter, name="decision_letter"),
        path("<int:pk>/filing-form.pdf", case_views.filing_form, name="filing_form"),
        path("<int:pk>/summary.pdf", case_views.case_summary, name="summary"),
        path("<int:pk>/filing/correct/", case_views.filing_correction, name="filing_correction"),
        path("<int:pk>/accept/", clock_views.accept, name="accept"),
        path("<int:pk>/time-limit/<str:what>/", clock_views.change_clock, name="clock"),
    ],
)

register = Application(
    app_name="register",
    title=_("Issuer register"),
    icon="badge",
    menu_template_name=None,
    urlpatterns=[
        path("", register_views.register, name="index"),
        path("<int:pk>/", register_views.issuer_detail, name="detail"),
        path("<int:pk>/v<int:version>/surface/", register_views.version_surface, name="surface"),
        path(
            "<int:pk>/v<int:version>/structure.json",
            register_views.version_structure,
            name="structure",
        ),
        path("<int:pk>/receipt/", register_views.receipt_download, name="receipt"),
    ],
)

changes = Application(
    app_name="changes",
    title=_("Change requests"),
    icon="published_with_changes",
    menu_template_name=None,
    urlpatterns=[
        path("", change_views.change_list, name="index"),
        path("new/<int:issuer_pk>/", change_views.change_start, name="start"),
        path("<int:pk>/", change_views.change_detail, name="detail"),
        path("<int:pk>/edit/", change_views.change_edit, name="edit"),
        path("<int:pk>/surface/", change_views.change_surface, name="surface"),
        path(
            "<int:pk>/surface/<str:which>/",
            change_views.change_surface_download,
            name="surface_file",
        ),
        path("<int:pk>/structure/", change_views.change_structure, name="structure"),
        path("<int:pk>/structure/node/", change_views.change_node, name="node"),
        path(
            "<int:pk>/structure.json", change_views.change_structure_export, name="structure_json"
        ),
        path("<int:pk>/submit/", change_views.change_submit, name="submit"),
        path("<int:pk>/withdraw/", change_views.change_withdraw, name="withdraw"),
        path("<int:pk>/decision.pdf", change_views.change_decision, name="decision"),
    ],
)

authorisations = Application(
    app_name="authorisations",
    title=_("Authorisations to issue"),
    icon="verified",
    menu_template_name=None,
    urlpatterns=[
        path("", authorisation_views.authorisation_list, name="index"),
        path("new/<int:issuer_pk>/", authorisation_views.authorisation_start, name="start"),
        path("<int:pk>/", authorisation_views.authorisation_detail, name="detail"),
    ],
)

team = Application(
    app_name="team",
    title=_("My department"),
    icon="groups",
    menu_template_name=None,
    urlpatterns=[
        path("", team_views.team, name="index"),
        path("members/add/", team_views.add_member, name="add_member"),
        path("members/<int:user_pk>/remove/", team_views.remove_member, name="remove_member"),
        path("members/<int:user_pk>/supervisor/", team_views.supervisor_role, name="supervisor"),
        path("absences/", team_views.record_absence, name="absence"),
        path("absences/<int:pk>/end/", team_views.end_absence, name="end_absence"),
        path("distribute/", team_views.distribute, name="distribute"),
        path("tasks/<int:task_pk>/release/", clock_views.release, name="release"),
        path("tasks/<int:task_pk>/reassign/", clock_views.reassign, name="reassign"),
        path("tasks/<int:task_pk>/take-over/", clock_views.take_over, name="take_over"),
    ],
)

dashboard = Application(
    app_name="dashboard",
    title=_("Dashboard"),
    icon="insights",
    menu_template_name=None,
    urlpatterns=[
        path("", dashboard_views.dashboard_page, name="index"),
        path("overdue/", dashboard_views.overdue_list, name="overdue"),
        path("<slug:slug>.<str:file_format>", dashboard_views.chart_export, name="chart"),
    ],
)

exports = Application(
    app_name="exports",
    title=_("My exports"),
    icon="download",
    menu_template_name=None,
    urlpatterns=[
        path("", export_views.export_index, name="index"),
        path("<int:pk>/", export_views.export_detail, name="detail"),
        path("<int:pk>/file/", export_views.export_download, name="download"),
        path("<str:listing>.<str:file_format>", export_views.export_list, name="list"),
    ],
)

notices = Application(
    app_name="notices",
    title=_("Notifications"),
    icon="notifications",
    menu_template_name=None,
    urlpatterns=[
        path("", notice_views.notice_list, name="index"),
        path("<int:pk>/open/", notice_views.notice_open, name="open"),
        path("read-all/", notice_views.notice_read_all, name="read_all"),
        path("settings/", notice_views.notice_settings, name="settings"),
    ],
)

# The public pages: no login (approvals/public_views.py).
public = (
    [
        path("issuers/", public_views.issuer_register, name="issuers"),
        path("issuers.csv", public_views.issuer_register_csv, name="issuers_csv"),
        path("issuers.json", public_views.issuer_register_json, name="issuers_json"),
    ],
    "public",
)

site = Site(
    title=_("SSC issuance approval"),
    viewsets=[
        dashboard,
        cases,
        ScopedFlowViewset(
            IssuanceFlow, app_name="issuance", icon="assignment", title=_("Issuance tasks")
        ),
        register,
        changes,
        ScopedFlowViewset(ChangeFlow, app_name="change", icon="edit_note", title=_("Change tasks")),
        authorisations,
        ScopedFlowViewset(
            AuthorisationFlow,
            app_name="authorisation",
            icon="key",
            title=_("Authorisation tasks"),
        ),
        team,
        notices,
        exports,
    ],
)

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", AuthViewset().urls),
    path("public/", include(public)),
    path(
        "documents/",
        include(
            (
                [
                    path("<int:pk>/", document_views.document_download, name="download"),
                    path("<int:pk>/revoke/", document_views.document_revoke, name="revoke"),
                ],
                "documents",
            )
        ),
    ),
    # Public: no login. The code is the document's unguessable verification code.
    path("public/verify/", verification_views.verify_start, name="public_verify_start"),
    path("public/verify/<str:code>/", verification_views.verify_document, name="public_verify"),
    path("", RedirectView.as_view(pattern_name="cases:index"), name="home"),
    path("", site.urls),
]
