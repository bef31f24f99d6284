"""The language switch, on the login page and at the top of every page: the interface speaks
Simplified Chinese and English whatever the browser's own language (English here)."""

import pytest
from playwright.sync_api import expect

from approvals.demo import DEMO_PASSWORD
from tests.helpers import menu

pytestmark = pytest.mark.browser


def test_switching_to_chinese_and_back_to_english_changes_the_pages_language(page, shoot):
    page.goto("/accounts/login/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.locator("input[name=username]").fill("hangzhou")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()

    # The menu and the pages are in Chinese, and stay so from page to page.
    menu(page, "案件").click()
    expect(page.get_by_role("link", name="新建申请")).to_be_visible()
    menu(page, "发卡机构名录").click()
    expect(page.get_by_role("heading", name="发卡机构名录")).to_be_visible()
    expect(menu(page, "Issuer register")).to_have_count(0)
    shoot("chinese")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Issuer register")).to_be_visible()
    menu(page, "Cases").click()
    expect(page.get_by_role("link", name="New application")).to_be_visible()
    expect(menu(page, "发卡机构名录")).to_have_count(0)
    shoot("english")
