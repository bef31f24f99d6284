"""Security headers, and generic error pages with DEBUG off."""

from django.test import Client


def test_pages_carry_the_security_headers(client_for):
    response = client_for("hangzhou").get("/cases/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_a_missing_page_is_a_generic_404_without_debug_details(client_for, settings):
    settings.DEBUG = False
    response = client_for("hangzhou").get("/cases/999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Traceback" not in body
    assert "visible_applications" not in body and "No Application matches" not in body


def test_a_server_error_is_a_generic_500_without_a_traceback(personas, settings, monkeypatch):
    from approvals import search

    settings.DEBUG = False
    monkeypatch.setattr(search, "visible_cases", lambda user, model: 1 / 0)
    client = Client(raise_request_exception=False)
    client.force_login(personas["hangzhou"])
    response = client.get("/cases/")
    assert response.status_code == 500
    assert "ZeroDivisionError" not in response.content.decode()


def test_the_production_profile_secures_cookies_and_transport():
    import json
    import subprocess
    import sys

    script = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        "print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_SSL_REDIRECT]))"
    )
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "false", "SECRET_KEY": "x" * 60}
    output = subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", script],
        env={**__import__("os").environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    debug, secure, httponly, samesite, csrf_secure, hsts, redirect = json.loads(output)
    assert debug is False and secure and httponly and samesite == "Lax" and csrf_secure
    assert hsts >= 31_536_000 and redirect


def test_the_viewflow_pages_need_no_inline_script_under_the_csp(client_for):
    import re

    client = client_for("zhejiang")
    for url in ("/cases/", "/issuance/queue/", "/issuance/inbox/", "/change/queue/", "/register/"):
        html = client.get(url).content.decode()
        inline = [tag for tag in re.findall(r"<script\b[^>]*>", html) if "src=" not in tag]
        assert inline == [], (url, inline)
