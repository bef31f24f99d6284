"""Issuer IDs: documented format, ISO 7064 check character, gapless serial, never reused."""

import pytest
from django.db import transaction
from django.db.models import ProtectedError
from stdnum.iso7064 import mod_11_2

from approvals.flows import IssuanceFlow
from issuers.divisions import division_for
from issuers.identifiers import (
    format_issuer_id,
    is_valid_issuer_id,
    next_issuer_id,
    take_next_serial,
)
from issuers.models import Issuer
from tests.helpers import apply, decide


def test_the_default_format_is_area_code_serial_and_check_character():
    issuer_id = format_issuer_id("330100", 1)
    assert issuer_id == "3301000000018"
    assert mod_11_2.is_valid(issuer_id)
    assert is_valid_issuer_id(issuer_id)


def test_the_format_is_a_setting(settings):
    settings.ISSUER_ID_FORMAT = "SSC{area}{serial:04d}"
    settings.ISSUER_ID_CHECK = "mod_37_2"
    issuer_id = format_issuer_id("330100", 12)
    assert issuer_id.startswith("SSC3301000012")
    assert is_valid_issuer_id(issuer_id)


def test_serials_start_at_one_and_increase_by_one(db):
    division = division_for("330100")
    assert [next_issuer_id(division)[0] for _ in range(3)] == [1, 2, 3]


def test_a_rolled_back_allocation_leaves_no_gap(db):
    assert take_next_serial() == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        take_next_serial()
        raise RuntimeError("approval failed")
    assert take_next_serial() == 2


def test_issuers_are_never_deleted(client_for):
    from approvals.flows import IssuanceFlow
    from tests.helpers import apply, decide

    application = apply(client_for("guangdong"))
    decide(client_for("ministry"), application, IssuanceFlow.ministry_review, "pass")
    with pytest.raises(ValueError, match="never deleted"):
        Issuer.objects.get().delete()


def test_the_check_character_is_iso_7064_mod_11_2_and_may_be_x():
    assert format_issuer_id("330100", 19) == "330100000019X"
    for area, serial in [("330100", 1), ("330100", 19), ("440300", 123456), ("110000", 999999)]:
        issuer_id = format_issuer_id(area, serial)
        body = f"{area}{serial:06d}"
        assert issuer_id == body + mod_11_2.calc_check_digit(body)
        assert mod_11_2.is_valid(issuer_id)


def test_a_mistyped_issuer_id_fails_the_check():
    issuer_id = format_issuer_id("440300", 4711)
    for position, character in enumerate(issuer_id):
        for replacement in "0123456789X":
            if replacement != character:
                typo = issuer_id[:position] + replacement + issuer_id[position + 1 :]
                assert not is_valid_issuer_id(typo), typo


def test_allocation_follows_the_format_setting_with_the_default_check(settings, db):
    settings.ISSUER_ID_FORMAT = "{serial:08d}{area}"
    assert settings.ISSUER_ID_CHECK == "mod_11_2"
    assert format_issuer_id("330100", 7).startswith("00000007330100")
    serial, issuer_id = next_issuer_id(division_for("440300"))
    assert serial == 1
    assert issuer_id[:-1] == "00000001440300"
    assert len(issuer_id) == 15
    assert mod_11_2.is_valid(issuer_id)


def test_a_failed_approval_after_allocation_leaves_no_gap(db):
    division = division_for("330100")
    assert next_issuer_id(division) == (1, format_issuer_id("330100", 1))
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_issuer_id(division)[0] == 2
        raise RuntimeError("the approval failed after the number was taken")
    # The number was never handed out: the next allocation gets it, with the same ID.
    assert next_issuer_id(division) == (2, format_issuer_id("330100", 2))
    assert next_issuer_id(division)[0] == 3


def test_issuer_rows_survive_a_bulk_delete(client_for):
    application = apply(client_for("guangdong"))
    decide(client_for("ministry"), application, IssuanceFlow.ministry_review, "pass")
    issuer = Issuer.objects.get()
    with pytest.raises((ValueError, PermissionError, ProtectedError)), transaction.atomic():
        Issuer.objects.filter(pk=issuer.pk).delete()
    assert Issuer.objects.filter(pk=issuer.pk, issuer_id=issuer.issuer_id).exists()
