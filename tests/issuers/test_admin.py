"""The Django admin keeps the register's rules: division codes are real GB/T 2260 codes, and
issuers and their registered versions come only from the procedure."""

import pytest

from issuers.models import CardSpecification, Division, Issuer
from tests.helpers import filed_issuer


@pytest.mark.parametrize(
    "code, message",
    [
        ("ABC123", "A division code is six digits"),
        ("33010", "A division code is six digits"),
        ("990100", "990100 does not start with a province-level code"),
        ("000000", "000000 does not start with a province-level code"),
    ],
)
def test_a_division_code_that_is_not_gb_t_2260_is_refused(admin_client, code, message):
    response = admin_client.post(
        "/admin/issuers/division/add/",
        {"code": code, "name_zh": "测试", "name_en": "Test", "level": "prefecture"},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Division.objects.filter(code=code).exists()


def test_a_division_whose_province_is_missing_is_refused(admin_client):
    Division.objects.filter(code__startswith="65").delete()

    response = admin_client.post(
        "/admin/issuers/division/add/",
        {"code": "650100", "name_zh": "乌鲁木齐市", "name_en": "Urumqi", "level": "prefecture"},
    )

    assert response.status_code == 200
    assert "Province 650000 is not in the table yet" in response.content.decode()
    assert not Division.objects.filter(code="650100").exists()


def test_a_real_new_division_code_is_accepted(admin_client, personas):
    Division.objects.filter(code="330199").delete()

    response = admin_client.post(
        "/admin/issuers/division/add/",
        {"code": "330199", "name_zh": "新区", "name_en": "New area", "level": "county"},
    )

    assert response.status_code == 302
    assert Division.objects.filter(code="330199").exists()


@pytest.mark.parametrize("model", ["issuer", "cardspecification"])
def test_issuers_and_registered_versions_cannot_be_added_changed_or_deleted(
    admin_client, personas, model
):
    issuer = filed_issuer(personas, "beijing")
    obj = issuer if model == "issuer" else issuer.current_specification()
    before = (Issuer.objects.count(), CardSpecification.objects.count())

    assert admin_client.get(f"/admin/issuers/{model}/add/").status_code == 403
    assert admin_client.post(f"/admin/issuers/{model}/add/", {}).status_code == 403
    assert (
        admin_client.post(f"/admin/issuers/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    # The list and the record stay readable.
    assert admin_client.get(f"/admin/issuers/{model}/").status_code == 200
    assert admin_client.get(f"/admin/issuers/{model}/{obj.pk}/change/").status_code == 200

    assert (Issuer.objects.count(), CardSpecification.objects.count()) == before
