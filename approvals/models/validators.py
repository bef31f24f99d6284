"""Rules for what an applicant may type into a case, checked wherever a case is saved through
a form (the pages, approvals.procedure, the admin)."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issuers.models import CardholderCategory

# The largest province issues to about 130 million people; more cards than that is a typo.
MAX_PLANNED_QUANTITY = 200_000_000

planned_quantity_validators = [
    MinValueValidator(1, _("Plan at least one card.")),
    MaxValueValidator(
        MAX_PLANNED_QUANTITY,
        _("More than %(limit)s cards is more than any issuing area has people.")
        % {"limit": f"{MAX_PLANNED_QUANTITY:,}"},
    ),
]

# A mainland mobile number (11 digits, 13x–19x, optionally +86) or a landline with its area
# code (0 + 2–3 digits, then a local number of 7–8 digits not starting with 0 or 1), with an
# optional extension. Spaces, hyphens and brackets around the area code are allowed.
_MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}[2-9]\d{6,7}")
_EXTENSION = re.compile(r"(?:转|ext\.?|x)\s*\d{1,6}$", re.IGNORECASE)


def validate_contact_phone(value: str) -> None:
    number = _EXTENSION.sub("", value.strip())
    digits = re.sub(r"[\s\-()（）]", "", number)
    if not (_MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits)):
        raise ValidationError(
            _(
                "Enter a mainland landline with its area code (e.g. 0571-8888 0000) or a "
                "mobile number (e.g. 138 0000 0000)."
            ),
            code="invalid_phone",
        )


def validate_cardholder_categories(value: object) -> None:
    codes = CardholderCategory.values
    if not isinstance(value, list) or not value or not all(v in codes for v in value):
        raise ValidationError(_("Choose who will receive cards."), code="required")


def validate_not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(_("This field is required."), code="required")


def validate_not_in_the_past(value: datetime.date) -> None:
    if value < timezone.localdate():
        raise ValidationError(_("The planned start of issuing cannot be in the past."), code="past")


# What key material looks like when typed or pasted: a long run of hex digits (a DES/3DES/SM4
# key is 32 hex digits or more), a long base64 run, or a PEM block.
_KEY_MATERIAL = re.compile(
    r"-----BEGIN [A-Z ]*(KEY|CERTIFICATE)-----"
    r"|(?<![0-9A-Fa-f])[0-9A-Fa-f]{32,}(?![0-9A-Fa-f])"
    r"|(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40,}={0,2}"
)


def reject_key_material(value: str) -> None:
    """The system never stores keys: a value that looks like one is refused."""
    if _KEY_MATERIAL.search(" ".join(str(value).split("\n"))):
        raise ValidationError(
            _(
                "This looks like key material. The system never stores keys: enter the "
                "reference of the key card or key file instead."
            ),
            code="key_material",
        )
