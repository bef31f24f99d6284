"""The bell: my notices, marking them read, and which kinds also come by e-mail."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import NoticeSettingsForm
from .models import Notice
from .notifications import settings_of
from .search import paginate


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = Notice.objects.filter(user=request.user).select_related("case")
    if request.GET.get("unread") == "1":
        notices = notices.filter(read_at__isnull=True)
    return render(
        request,
        "approvals/notices.html",
        {
            "notices": paginate(request, notices),
            "unread_only": request.GET.get("unread") == "1",
            "query": "unread=1" if request.GET.get("unread") == "1" else "",
        },
    )


@login_required
@require_POST
def notice_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notice read and open its case."""
    notice = get_object_or_404(Notice.objects.select_related("case"), pk=pk, user=request.user)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return redirect(notice.case.get_absolute_url())


@login_required
@require_POST
def notice_read_all(request: HttpRequest) -> HttpResponse:
    count = Notice.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, _("%(count)s notices marked read.") % {"count": count})
    return redirect("notices:index")


@login_required
def notice_settings(request: HttpRequest) -> HttpResponse:
    current = settings_of(request.user)
    form = NoticeSettingsForm(request.POST or None, instance=current)
    if form.is_valid():
        form.save()
        messages.success(request, _("Notification settings saved."))
        return redirect("notices:index")
    return render(request, "approvals/notice_settings.html", {"form": form})
