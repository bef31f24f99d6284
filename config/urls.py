from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application, Site

from approvals import views as case_views
from approvals.flows import IssuanceFlow
from approvals.viewsets import IssuanceViewset
from issuers import views as issuer_views

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
        path("<int:pk>/materials/", case_views.material_upload, name="upload"),
        path(
            "<int:pk>/materials/<int:material_pk>/",
            case_views.material_download,
            name="material",
        ),
        path("<int:pk>/decision.pdf", case_views.decision_letter, name="decision_letter"),
        path("<int:pk>/filing-form.pdf", case_views.filing_form, name="filing_form"),
    ],
)

register = Application(
    app_name="register",
    title=_("Issuer register"),
    icon="badge",
    menu_template_name=None,
    urlpatterns=[
        path("", issuer_views.register, name="index"),
        path("<int:pk>/receipt/", issuer_views.receipt_download, name="receipt"),
    ],
)

site = Site(
    title=_("SSC issuance approval"),
    viewsets=[
        cases,
        IssuanceViewset(IssuanceFlow, app_name="issuance", icon="assignment"),
        register,
    ],
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", AuthViewset().urls),
    path("", RedirectView.as_view(pattern_name="cases:index"), name="home"),
    path("", site.urls),
]
