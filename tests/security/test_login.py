"""Login: lock-out after repeated failures, session rotation, logout and deactivation."""

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _real_axes(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_the_login_page_is_at_accounts_login(client):
    assert client.get("/accounts/login/").status_code == 200


def test_a_demo_user_logs_in_and_the_session_key_is_rotated(client, personas):
    client.get("/accounts/login/")
    before = client.cookies.get("sessionid")
    response = login(client, "hangzhou", "demo-password")
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != (before.value if before else None)
    assert client.get("/cases/").status_code == 200


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(client, personas):
    for _ in range(3):
        assert login(client, "hangzhou", "wrong").status_code in (200, 403, 429)
    response = login(client, "hangzhou", "demo-password")
    assert response.status_code in (403, 429)
    assert client.get("/cases/").status_code == 302  # still anonymous


def test_logout_ends_the_session(client, personas):
    login(client, "hangzhou", "demo-password")
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert client.get("/cases/").status_code == 302


def test_deactivating_a_user_ends_their_session_at_the_next_request(client, personas):
    login(client, "hangzhou", "demo-password")
    user = personas["hangzhou"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get("/cases/").status_code == 302
