"""`collectstatic` in the production profile (docs/deploy.md), and pages served from what it
collected: hashed names that whitenoise can cache for a year, with compressed copies."""

import json

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import override_settings

PRODUCTION_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.storage.StaticStorage"},
}


@pytest.fixture(scope="session")
def collected(tmp_path_factory):
    """One collectstatic run for the whole test run: it takes about 20 seconds. (Module scope
    ran it twice, as pytest-django moves the database tests of a module apart.)"""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STORAGES=PRODUCTION_STORAGE, STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production_static(settings, collected):
    settings.STORAGES = PRODUCTION_STORAGE
    settings.STATIC_ROOT = collected
    return collected


def test_collectstatic_succeeds_although_viewflow_scripts_name_maps_it_leaves_out(
    production_static,
):
    manifest = json.loads((production_static / "staticfiles.json").read_text())["paths"]
    script = production_static / manifest["viewflow/js/viewflow.min.js"]
    # The reference to the source map, not collected, is left as written.
    assert "sourceMappingURL=viewflow.min.js.map" in script.read_text()
    assert (production_static / (manifest["viewflow/js/viewflow.min.js"] + ".gz")).exists()
    fonts = production_static / manifest["viewflow/fonts/roboto/roboto-fontface.css"]
    assert "Roboto-Regular.woff2" not in fonts.read_text()  # referenced by hashed names
    assert (production_static / manifest["approvals/app.css"]).exists()


def test_collectstatic_leaves_out_what_no_page_loads(production_static):
    collected = [p.relative_to(production_static).as_posix() for p in production_static.rglob("*")]
    assert not [p for p in collected if "/dash/" in p or "node_modules" in p or p.endswith(".map")]


def test_pages_link_the_hashed_static_files(production_static, client_for):
    page = client_for("zhejiang").get("/cases/").content.decode()
    viewflow_css = staticfiles_storage.url("viewflow/css/viewflow.min.css")
    assert viewflow_css != "/static/viewflow/css/viewflow.min.css"
    assert viewflow_css in page
    assert staticfiles_storage.url("approvals/app.css") in page
