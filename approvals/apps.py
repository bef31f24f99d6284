from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from . import signing  # noqa: F401 - registers its deploy check (approvals.W001)


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Approvals")
