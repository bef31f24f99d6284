"""The bell: my notices only, their count on every page, opening and marking them read, each
in the reader's language; each official's choice of kinds by e-mail and the e-mails'
language; nobody told about a case outside their jurisdiction; and, for administrators, the
warning that a year deadlines reach has no calendar loaded."""

import datetime
import io

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from approvals import clocks
from approvals.models import Notice, NoticeSettings, StepClock
from tests.helpers import applied, login, page


def submitted(personas, django_capture_on_commit_callbacks, persona="hangzhou"):
    with django_capture_on_commit_callbacks(execute=True):
        return applied(personas, persona)


def test_the_bell_counts_my_unread_notices_on_every_page(
    personas, client_for, django_capture_on_commit_callbacks
):
    submitted(personas, django_capture_on_commit_callbacks)
    unread = Notice.objects.filter(user=personas["zhejiang"], read_at__isnull=True).count()
    assert unread == 1
    for url in ("/cases/", "/register/", "/team/"):
        assert "Notifications, 1 unread" in page(client_for("zhejiang"), url)
    assert "unread" not in page(client_for("guangdong"), "/cases/").split("notifications")[0]


def test_the_list_shows_my_notices_and_opening_one_marks_it_read(
    personas, client_for, django_capture_on_commit_callbacks
):
    application = submitted(personas, django_capture_on_commit_callbacks)
    zhejiang = client_for("zhejiang")
    html = page(zhejiang, "/notices/")
    assert f"{application.reference} awaits your department" in html
    notice = Notice.objects.get(user=personas["zhejiang"])
    response = zhejiang.post(f"/notices/{notice.pk}/open/")
    assert response.status_code == 302 and response.url == f"/cases/{application.pk}/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert f"{application.reference} awaits" not in page(zhejiang, "/notices/?unread=1")


def test_somebody_elses_notice_does_not_exist(
    personas, client_for, django_capture_on_commit_callbacks
):
    application = submitted(personas, django_capture_on_commit_callbacks)
    notice = Notice.objects.get(user=personas["zhejiang"])
    for who in ("zhejiang-head", "hangzhou", "guangdong"):
        assert client_for(who).post(f"/notices/{notice.pk}/open/").status_code == 404
    assert application.reference not in page(client_for("guangdong"), "/notices/")
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read(personas, client_for, django_capture_on_commit_callbacks):
    submitted(personas, django_capture_on_commit_callbacks)
    submitted(personas, django_capture_on_commit_callbacks, "ningbo")
    response = client_for("zhejiang").post("/notices/read-all/")
    assert response.status_code == 302
    assert not Notice.objects.filter(user=personas["zhejiang"], read_at__isnull=True).exists()
    # Only mine.
    assert Notice.objects.filter(user=personas["zhejiang-head"], read_at__isnull=True).count() == 2


def test_a_notice_reads_in_the_readers_language(personas, django_capture_on_commit_callbacks):
    application = submitted(personas, django_capture_on_commit_callbacks)
    notice = Notice.objects.get(user=personas["zhejiang"])
    assert notice.text() == f"{application.reference} awaits your department: " + (
        "Awaiting provincial examination."
    )
    with translation.override("zh-hans"):
        assert notice.text() == f"{application.reference} 等待本部门办理：待省级初审。"


def test_e_mails_go_for_the_chosen_kinds_only_and_in_the_readers_language(
    personas, client_for, django_capture_on_commit_callbacks
):
    # zhejiang: new cases by e-mail, in Chinese; zhejiang-head: no e-mail at all.
    response = client_for("zhejiang").post(
        "/notices/settings/", {"language": "zh-hans", "email_kinds": ["new_task"]}
    )
    assert response.status_code == 302
    client_for("zhejiang-head").post("/notices/settings/", {"language": "en"})
    assert NoticeSettings.objects.get(user=personas["zhejiang-head"]).email_kinds == []
    mail.outbox.clear()
    application = submitted(personas, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == [personas["zhejiang"].email]
    assert application.reference in message.subject and "已提交" in message.subject
    # Both still see it under the bell.
    assert Notice.objects.filter(case=application, user=personas["zhejiang-head"]).exists()


def test_a_kind_left_out_of_the_settings_sends_no_e_mail(
    personas, client_for, django_capture_on_commit_callbacks
):
    for who in ("hangzhou", "hangzhou-head"):
        client_for(who).post("/notices/settings/", {"language": "en", "email_kinds": ["return"]})
    application = submitted(personas, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        clocks.accept(application, by=personas["zhejiang"])
    assert not [m for m in mail.outbox if personas["hangzhou"].email in m.to]
    assert Notice.objects.filter(user=personas["hangzhou"], kind="decision").exists()


def test_the_settings_form_refuses_an_unknown_language(personas, client_for):
    response = client_for("zhejiang").post("/notices/settings/", {"language": "fr"})
    assert response.status_code == 200
    assert not NoticeSettings.objects.filter(user=personas["zhejiang"]).exists()


def test_nobody_outside_the_jurisdiction_is_told_about_a_case(
    personas, django_capture_on_commit_callbacks
):
    application = submitted(personas, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        clocks.accept(application, by=personas["zhejiang"])
        clock = StepClock.objects.get(pk=application.current_clock_id)
        clocks.sweep(clock.escalate_at + datetime.timedelta(minutes=1))
    told = set(Notice.objects.filter(case=application).values_list("user__username", flat=True))
    assert told == {"hangzhou", "hangzhou-head", "zhejiang", "zhejiang-head"}
    outsiders = {"ningbo", "guangdong", "shenzhen", "beijing", "xihu", "ministry"}
    mailed = {address for message in mail.outbox for address in message.to}
    assert not mailed & {personas[name].email for name in outsiders}


def test_administrators_are_told_when_a_deadline_reaches_a_year_not_loaded(personas):
    call_command("load_calendar", "2025", "2026", stdout=io.StringIO())
    application = applied(personas, "beijing")
    clock = StepClock.objects.get(pk=application.current_clock_id)
    far = timezone.now() + datetime.timedelta(days=3 * 365)
    StepClock.objects.filter(pk=clock.pk).update(provisional=True, escalate_at=far)
    admin = login(get_user_model().objects.get(username="admin"))
    html = page(admin, "/cases/")
    years = range(timezone.localdate().year, timezone.localdate(far).year + 1)
    missing = ", ".join(str(year) for year in years if year not in (2025, 2026))
    assert f"Calendar {missing} not loaded" in html
    assert "not loaded" not in page(login(personas["ministry"]), "/cases/")
