"""Issuer ID allocation: one national, gapless serial, never reused."""

from django.conf import settings
from django.db import transaction
from stdnum.iso7064 import mod_11_2, mod_37_2, mod_37_36

from .models import Division, IssuerSerial

CHECK_ALGORITHMS = {"mod_11_2": mod_11_2, "mod_37_2": mod_37_2, "mod_37_36": mod_37_36}


def format_issuer_id(area_code: str, serial: int) -> str:
    """Fill ISSUER_ID_FORMAT and append the ISO 7064 check character."""
    body = settings.ISSUER_ID_FORMAT.format(area=area_code, serial=serial)
    return body + CHECK_ALGORITHMS[settings.ISSUER_ID_CHECK].calc_check_digit(body)


def is_valid_issuer_id(value: str) -> bool:
    return CHECK_ALGORITHMS[settings.ISSUER_ID_CHECK].is_valid(value)


@transaction.atomic
def take_next_serial() -> int:
    """Lock the counter row and take the next number.

    The counter lives in the caller's transaction: if that rolls back, the number
    was never handed out, so the sequence stays gapless and no number is ever
    given to two issuers.
    """
    IssuerSerial.objects.get_or_create(pk=1)
    counter = IssuerSerial.objects.select_for_update().get(pk=1)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


def next_issuer_id(division: Division) -> tuple[int, str]:
    serial = take_next_serial()
    return serial, format_issuer_id(division.code, serial)
