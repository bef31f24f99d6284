"""A list exported in the background: a large spreadsheet is written by a worker while the
official watches its progress, then downloaded by that official alone."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Export(models.Model):
    class Listing(models.TextChoices):
        CASES = "cases", _("Applications")
        CHANGES = "changes", _("Change requests")
        REGISTER = "register", _("Issuer register")
        OVERDUE = "overdue", _("Overdue steps")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports"
    )
    listing = models.CharField(_("list"), max_length=10, choices=Listing.choices)
    # The list's search and filters as GET parameters, applied again by the worker with the
    # requester's jurisdiction.
    query = models.TextField(blank=True)
    file_format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    language = models.CharField(max_length=10)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    rows_total = models.PositiveIntegerField(null=True)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.get_listing_display()} ({self.file_format}) {self.requested_at:%Y-%m-%d}"

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def filename(self) -> str:
        return f"{self.listing}-{self.requested_at:%Y%m%d-%H%M}.{self.file_format}"
