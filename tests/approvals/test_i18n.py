"""The interface speaks Simplified Chinese to a browser that asks for it."""

import pytest

from tests.helpers import applied


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
