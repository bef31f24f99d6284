"""The inbox, the queue and the task list: what each official sees, and at what cost.

The lists read the case of every row from one joined query; the number of queries a page
takes does not grow with the number of tasks on it (bench/lists.py measures the time).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.flows import IssuanceFlow as Flow
from tests.helpers import applied, apply, procedure, task_url


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        page(client, url)
    return len(captured)


@pytest.fixture
def hangzhou_case(client_for):
    return apply(client_for("hangzhou"))


def test_the_examining_province_finds_the_case_in_its_queue(client_for, hangzhou_case):
    queue = page(client_for("zhejiang"), "/issuance/queue/")

    assert hangzhou_case.reference in queue
    assert hangzhou_case.department.name in queue
    task = hangzhou_case.process.task_set.get(flow_task=Flow.provincial_examination)
    assert f"/issuance/{hangzhou_case.process.pk}/provincial_examination/{task.pk}/" in queue


@pytest.mark.parametrize("persona", ["guangdong", "hangzhou", "ningbo", "ministry", "beijing"])
def test_nobody_else_finds_the_examination_in_their_queue(client_for, hangzhou_case, persona):
    assert hangzhou_case.reference not in page(client_for(persona), "/issuance/queue/")


def test_a_taken_task_leaves_the_queue_for_the_inbox(client_for, hangzhou_case):
    zhejiang = client_for("zhejiang")
    zhejiang.post(task_url(hangzhou_case, Flow.provincial_examination, "assign"))

    assert hangzhou_case.reference not in page(zhejiang, "/issuance/queue/")
    assert hangzhou_case.reference in page(zhejiang, "/issuance/inbox/")
    assert hangzhou_case.reference not in page(client_for("ministry"), "/issuance/inbox/")


def test_the_task_list_names_the_case_of_each_task(client_for, hangzhou_case):
    tasks = page(client_for("zhejiang"), "/issuance/tasks/")

    assert f'href="/cases/{hangzhou_case.pk}/"' in tasks
    assert hangzhou_case.reference in tasks


@pytest.mark.parametrize(
    "persona, url",
    [
        ("zhejiang", "/issuance/queue/"),
        ("zhejiang", "/issuance/tasks/"),
        ("ministry", "/issuance/queue/"),
        ("hangzhou", "/issuance/tasks/"),
    ],
)
def test_a_list_takes_as_many_queries_for_one_task_as_for_many(client_for, persona, url):
    client = client_for(persona)
    apply(client_for("hangzhou"))
    apply(client_for("beijing"))
    page(client, url)  # the first visit also remembers the list in the session
    few = queries_for(client, url)

    for bureau in ("ningbo", "shenzhen", "guangdong", "zhejiang"):
        apply(client_for(bureau))

    assert queries_for(client, url) == few


def test_the_inbox_takes_as_many_queries_for_one_task_as_for_many(client_for):
    ministry = client_for("ministry")
    cases = [apply(client_for(name)) for name in ("beijing", "zhejiang", "guangdong")]
    ministry.post(task_url(cases[0], Flow.ministry_review, "assign"))
    page(ministry, "/issuance/inbox/")
    one = queries_for(ministry, "/issuance/inbox/")

    for case in cases[1:]:
        ministry.post(task_url(case, Flow.ministry_review, "assign"))

    assert page(ministry, "/issuance/inbox/").count("/cases/") >= 3
    assert queries_for(ministry, "/issuance/inbox/") == one


def menu_badges(html: str) -> list[str]:
    import re

    return re.findall(r'<span class="mdc-list-item__meta">\s*([^<]*?)\s*</span>', html)


def test_the_menu_counts_the_officials_inbox_and_queue(client_for, hangzhou_case):
    zhejiang = client_for("zhejiang")
    assert menu_badges(page(zhejiang, "/issuance/inbox/"))[:2] == ["0", "1"]

    zhejiang.post(task_url(hangzhou_case, Flow.provincial_examination, "assign"))

    assert menu_badges(page(zhejiang, "/issuance/inbox/"))[:2] == ["1", "0"]


def test_a_menu_count_past_the_cap_reads_cap_plus(client_for, hangzhou_case, monkeypatch):
    from approvals.viewsets import MenuCount

    monkeypatch.setattr(MenuCount, "CAP", 0)

    assert menu_badges(page(client_for("zhejiang"), "/issuance/inbox/"))[:2] == ["0", "0+"]


def test_reopening_a_list_does_not_write_the_session_again(client_for):
    zhejiang = client_for("zhejiang")
    page(zhejiang, "/issuance/queue/")

    with CaptureQueriesContext(connection) as captured:
        page(zhejiang, "/issuance/queue/")

    assert not [q for q in captured if q["sql"].startswith("UPDATE") and "session" in q["sql"]]
    # The task page's "back" link still leads to the list last opened.
    assert zhejiang.session["vf-pin-location"] == "/issuance/queue/"
    page(zhejiang, "/issuance/inbox/")
    assert zhejiang.session["vf-pin-location"] == "/issuance/inbox/"


def test_the_applicants_correction_is_not_in_a_queue_but_on_its_case_page(client_for, personas):
    """Zhejiang's own application, returned by the Ministry: Zhejiang examines its bureaus'
    cases from its queue, and corrects its own from the case page."""
    own = applied(personas, "zhejiang")
    procedure.decide(own, Flow.ministry_review, personas["ministry"], "return", "Fix it.")
    bureau_case = applied(personas, "hangzhou")
    zhejiang = client_for("zhejiang")

    queue = page(zhejiang, "/issuance/queue/")
    assert bureau_case.reference in queue
    assert own.reference not in queue

    case_page = page(zhejiang, f"/cases/{own.pk}/")
    assert "Correct and resubmit" in case_page
    assert "Take this task" not in case_page
    response = zhejiang.post(
        task_url(own, Flow.correction, "assign"), {"_continue": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == task_url(own, Flow.correction, "execute")
    assert "What was corrected" in response.content.decode()
