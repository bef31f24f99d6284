"""Personas, defined once (the same as the demo data's):

- ministry:  Ministry IT Office official; reviews, approves and files every case.
- zhejiang, guangdong: provincial department officials; apply, and examine their municipalities.
- hangzhou, ningbo (Zhejiang), shenzhen (Guangdong): municipal bureau officials; apply.
- beijing:   Beijing bureau, provincial-level: applies straight to the Ministry.
- xihu:      a district bureau: may not apply.
"""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import get_resolver
from django.utils import translation

from approvals.demo import ensure_personas
from approvals.signing import write_demo_key_pair


@pytest.fixture(autouse=True, scope="session")
def _urls_loaded():
    """viewflow registers a node's URL names when the URLconf is built: build it before any
    test reverses a task URL, whichever test runs first."""
    assert get_resolver().url_patterns


@pytest.fixture(scope="session")
def signing_key_pair(tmp_path_factory):
    """One demo key pair for the whole run (generating an RSA key takes a moment)."""
    folder = tmp_path_factory.mktemp("signing")
    key, cert = folder / "key.pem", folder / "cert.pem"
    write_demo_key_pair(key, cert)
    return key, cert


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path, signing_key_pair):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit"
    settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT = signing_key_pair
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language, whatever a Chinese request before it left
    active in the thread."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def personas(db):
    return ensure_personas()


@pytest.fixture
def client_for(personas):
    """A logged-in test client for a persona name."""

    def make(name: str) -> Client:
        client = Client()
        client.force_login(personas[name])
        return client

    return make


@pytest.fixture
def issuing(django_capture_on_commit_callbacks):
    """issuing(call, ...): call, then run what it queued after commit (the documents it
    calls for), as the worker would."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run
