"""The interface speaks Simplified Chinese to a browser that asks for it."""


def test_pages_are_translated_for_a_chinese_browser(client_for):
    page = client_for("hangzhou").get("/cases/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "新建申请" in page
    assert "发卡机构名录" in page


def test_pages_are_in_english_by_default(client_for):
    page = client_for("hangzhou").get("/cases/").content.decode()
    assert "New application" in page
