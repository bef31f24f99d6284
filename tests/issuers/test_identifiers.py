"""Issuer IDs: documented format, ISO 7064 check character, gapless serial, never reused."""

import pytest
from django.db import transaction
from stdnum.iso7064 import mod_11_2

from issuers.divisions import division_for
from issuers.identifiers import (
    format_issuer_id,
    is_valid_issuer_id,
    next_issuer_id,
    take_next_serial,
)
from issuers.models import Issuer


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
