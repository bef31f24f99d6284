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


# --- Behind the reverse proxy ------------------------------------------------------------

PROXY = "10.0.0.1"


def from_behind_the_proxy(client_address: str, claimed: str = "") -> dict:
    """A request as nginx passes it on: it appends the address it saw to X-Forwarded-For."""
    forwarded = f"{claimed}, {client_address}" if claimed else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def proxied_login(address: str, password: str, claimed: str = ""):
    return Client(**from_behind_the_proxy(address, claimed)).post(
        "/accounts/login/", {"username": "ministry", "password": password}
    )


def test_behind_the_proxy_an_attacker_locks_out_only_its_own_address(settings, personas):
    settings.TRUSTED_PROXIES = 1
    for _ in range(3):
        proxied_login("203.0.113.66", "wrong")
    assert proxied_login("203.0.113.66", "demo-password").status_code in (403, 429)

    # The Ministry's official, through the same proxy from its own address, still logs in.
    assert proxied_login("198.51.100.7", "demo-password").status_code == 302


def test_an_address_the_client_writes_into_the_header_is_not_believed(settings, personas):
    settings.TRUSTED_PROXIES = 1
    # Each attempt claims another address; the proxy appends the real one, which counts.
    for n in range(3):
        proxied_login("203.0.113.66", "wrong", claimed=f"192.0.2.{n}")
    assert proxied_login("203.0.113.66", "demo-password", claimed="192.0.2.99").status_code in (
        403,
        429,
    )


def test_without_a_trusted_proxy_the_header_is_ignored(settings, personas):
    settings.TRUSTED_PROXIES = 0
    for n in range(3):
        Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            "/accounts/login/", {"username": "ministry", "password": "wrong"}
        )
    locked = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="192.0.2.50").post(
        "/accounts/login/", {"username": "ministry", "password": "demo-password"}
    )
    assert locked.status_code in (403, 429)
