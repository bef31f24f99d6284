"""Issuer ID allocation: one national, gapless serial, never reused."""

from django.conf import settings
from django.db import connection
from stdnum.iso7064 import mod_11_2, mod_37_2, mod_37_36

from .models import Division, IssuerSerial

CHECK_ALGORITHMS = {"mod_11_2": mod_11_2, "mod_37_2": mod_37_2, "mod_37_36": mod_37_36}


def format_issuer_id(area_code: str, serial: int) -> str:
    """Fill ISSUER_ID_FORMAT and append the ISO 7064 check character."""
    body = settings.ISSUER_ID_FORMAT.format(area=area_code, serial=serial)
    return body + CHECK_ALGORITHMS[settings.ISSUER_ID_CHECK].calc_check_digit(body)


def is_valid_issuer_id(value: str) -> bool:
    return CHECK_ALGORITHMS[settings.ISSUER_ID_CHECK].is_valid(value)


def take_next_serial() -> int:
    """Take the next number of the national counter.

    One UPDATE … RETURNING increments the counter row and locks it until the caller's
    transaction ends: if that rolls back, the number was never handed out, so the sequence
    stays gapless and no number is ever given to two issuers. One statement, so the row is
    held no longer than the caller's transaction needs (bench/allocation.py).
    """
    table = connection.ops.quote_name(IssuerSerial._meta.db_table)
    sql = f"UPDATE {table} SET last_value = last_value + 1 WHERE id = 1 RETURNING last_value"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    if row is None:  # the very first number: create the counter, then take from it
        IssuerSerial.objects.get_or_create(pk=1)
        return take_next_serial()
    return row[0]


def next_issuer_id(division: Division) -> tuple[int, str]:
    serial = take_next_serial()
    return serial, format_issuer_id(division.code, serial)
