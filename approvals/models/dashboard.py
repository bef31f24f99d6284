"""The dashboards' figures, computed in the background for each scope (the nation, each
province with its municipal bureaus, each bureau) and read whole by the dashboard page: the
page then costs the same at a hundred thousand cases or a million."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DashboardFigures(models.Model):
    NATIONAL = "national"

    # "national", or "department:<pk>" for a province (with its bureaus) or a bureau
    scope = models.CharField(max_length=40, unique=True)
    figures = models.JSONField(default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("dashboard figures")
        verbose_name_plural = _("dashboard figures")

    def __str__(self) -> str:
        return f"{self.scope} @ {self.computed_at:%Y-%m-%d %H:%M}"

    @classmethod
    def scope_of_department(cls, department_pk: int) -> str:
        return f"department:{department_pk}"
