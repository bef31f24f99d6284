"""The interface speaks Simplified Chinese to a browser that asks for it."""

from pathlib import Path

import pytest

from approvals.flows import IssuanceFlow
from approvals.models import Material
from tests.helpers import (
    APPLICATION_DATA,
    applied,
    approved,
    changed,
    create_draft,
    filed,
    task_url,
    upload,
)

ROOT = Path(__file__).resolve().parents[2]


def test_pages_are_translated_for_a_chinese_browser(client_for):
    page = client_for("hangzhou").get("/cases/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "新建申请" in page
    assert "发卡机构名录" in page


def test_pages_are_in_english_by_default(client_for):
    page = client_for("hangzhou").get("/cases/").content.decode()
    assert "New application" in page


@pytest.mark.parametrize(
    "language, written",
    [("en", "{d.day} {d:%b} {d.year}"), ("zh-hans", "{d.year}年{d.month}月{d.day}日")],
)
def test_dates_in_text_follow_the_language_never_us_style(client_for, personas, language, written):
    application = applied(personas, "hangzhou")
    start = application.planned_start

    page = client_for("hangzhou").get(f"/cases/{application.pk}/", HTTP_ACCEPT_LANGUAGE=language)

    text = page.content.decode()
    assert written.format(d=start) in text
    assert f"{start:%b}. {start.day}, {start.year}" not in text  # Django's US default
    assert f"{start:%B} {start.day}, {start.year}" not in text


@pytest.mark.parametrize(
    "language, product, not_shown",
    [
        ("en", "SSC issuance approval", ("Viewflow Demo suite", "Django Material")),
        ("zh-hans", "社会保障卡发行审批", ("Viewflow Demo suite", "Django Material")),
    ],
)
def test_the_login_page_names_the_product(client, language, product, not_shown):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert product in page.split("</title>")[0]
    assert product in page
    for text in not_shown:
        assert text not in page


def test_viewflows_own_pages_speak_chinese(client_for, personas):
    applied(personas, "hangzhou")
    zhejiang = client_for("zhejiang")

    queue = zhejiang.get("/issuance/queue/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    for menu in ("概览", "我的待办", "待认领", "已办结"):
        assert menu in queue
    for english in (">Dashboard<", ">Inbox<", ">Queue<", ">Archive<"):
        assert english not in queue
    assert "第 1–1 条，共 1 条" in queue
    assert " of 1" not in queue


def test_taking_a_task_says_so_in_chinese(client_for, personas):
    application = applied(personas, "hangzhou")
    zhejiang = client_for("zhejiang")

    response = zhejiang.post(
        task_url(application, IssuanceFlow.provincial_examination, "assign"),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        follow=True,
    )

    assert "已认领任务" in response.content.decode()
    assert "has been assigned" not in response.content.decode()


def test_the_language_switcher_changes_the_language_and_stays_on_the_page(client_for):
    hangzhou = client_for("hangzhou")
    assert 'name="language" value="zh-hans"' in hangzhou.get("/cases/").content.decode()

    response = hangzhou.post("/i18n/setlang/", {"language": "zh-hans", "next": "/register/"})

    assert response.status_code == 302
    assert response.url == "/register/"
    assert "发卡机构名录" in hangzhou.get("/register/").content.decode()
    hangzhou.post("/i18n/setlang/", {"language": "en", "next": "/cases/"})
    assert "Issuer register" in hangzhou.get("/register/").content.decode()


def test_every_chinese_message_is_translated_and_none_is_fuzzy():
    catalog = (ROOT / "locale/zh_Hans/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    entries = catalog.split("\n\n")[1:]  # after the header
    live = [e for e in entries if "\nmsgid " in f"\n{e}" and not e.lstrip().startswith("#~")]
    assert not [e for e in live if "#, fuzzy" in e]
    assert not [e for e in live if e.rstrip().endswith('msgstr ""') and "msgid_plural" not in e]


def test_timeline_details_are_shown_in_the_readers_language(client_for, personas):
    hangzhou = client_for("hangzhou")  # writes in English
    draft = create_draft(hangzhou)
    upload(hangzhou, draft, Material.Kind.APPLICATION_FORM)
    hangzhou.post(f"/cases/{draft.pk}/edit/", {**APPLICATION_DATA, "planned_quantity": "77"})

    chinese = hangzhou.get(f"/cases/{draft.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = hangzhou.get(f"/cases/{draft.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "社会保障卡发行注册申请表 v1: material.pdf" in chinese
    assert "拟发卡数量: 1000000 → 77" in chinese
    assert "Issuance registration application form v1" not in chinese
    assert "Issuance registration application form v1: material.pdf" in english
    assert "planned card quantity: 1000000 → 77" in english
    assert '{"t":' not in chinese + english


@pytest.mark.parametrize(
    "language, shown",
    [("en", "more planned cards"), ("zh-hans", "增加拟发卡数量")],
)
def test_kinds_of_change_are_named_never_coded(client_for, personas, language, shown):
    issuer = filed(personas, "beijing").issuer
    change = changed(personas, "beijing", issuer, planned_quantity=2_000_000)
    beijing = client_for("beijing")

    for url in (f"/changes/{change.pk}/", "/changes/"):
        page = beijing.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert shown in page
        assert "quantity_increase" not in page


def test_an_applications_approval_reads_as_such_on_its_timeline(client_for, personas):
    application = approved(personas, "guangdong")

    page = client_for("guangdong").get(f"/cases/{application.pk}/").content.decode()

    assert "Approved, awaiting filing" in page
    assert "new version in force" not in page
