"""What a timeline entry's detail says, stored in no language and shown in the reader's.

A detail is written (CaseEvent.pack_detail) as a small JSON object of codes and values (a
material's kind, the fields an edit changed with their whole old and new values, a change's
route and kinds) and rendered when the timeline is shown, so that an official reading in
Chinese reads it in Chinese whoever wrote it. The detail is inside the hash chain, so an edit's
values are as tamper-evident as the rest of the entry. Entries written before this, or whose
detail is plain data (an issuer ID, a filing reference), are shown as stored.
"""

import datetime
import json

from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateField, Field
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from issuers.models import CardholderCategory
from worktime.models import TimeLimit

from .authorisation import GeneralTestItem
from .case import Case, Material
from .change_request import ChangeKind, kind_labels
from .clock import Step
from .issued import CaseDocument
from .timeline import Action, CaseEvent

# Values longer than this are shortened on the timeline; the entry keeps them whole.
VALUE_LENGTH = 40


def _stored(value: object) -> object:
    """A field's value as JSON keeps it: dates as ISO, lists as lists, numbers as numbers."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, int | float | str | list):
        return value
    return str(value)


def fields_edited(before: dict, after: dict) -> dict:
    """The detail of an edit: each changed field with its whole old and new value."""
    return {"t": "edited", "fields": [[f, _stored(before[f]), _stored(after[f])] for f in before]}


# --- Read on the timeline --------------------------------------------------------------------


def shown(event: CaseEvent, case: Case) -> str:
    """The event's detail in the active language."""
    try:
        detail = json.loads(event.detail) if event.detail.startswith("{") else None
    except ValueError:
        detail = None
    if not isinstance(detail, dict):
        return event.detail
    kind = detail.get("t")
    if kind == "material":
        code = detail["kind"]
        label = Material.Kind(code).label if code in Material.Kind.values else code
        return f"{label} v{detail['v']}: {detail['name']}"
    if kind == "edited":
        return _edited(detail, case)
    if kind == "surface":
        return _("New card surface design")
    if kind == "structure":
        return _("File structure")
    if kind == "route":
        route = ChangeKind.Route(detail["route"]).label if detail["route"] else ""
        return f"{route}: {kind_labels(detail['kinds'])}"
    if kind == "clock":
        return _clock(detail)
    if kind == "deemed":
        return _("Counted as accepted from the day the application was received (art. 32).")
    if kind == "supplement":
        return _("Notice to supplement, before acceptance (art. 32).")
    if kind == "gate":
        return _("Keys") if detail["gate"] == "keys" else _("PSAM cards")
    if kind == "test":
        failed = [
            str(GeneralTestItem.Item(code).label) if code in GeneralTestItem.Item.values else code
            for code in detail["failed"]
        ]
        text = _("Round %(round)s") % {"round": detail["round"]}
        return text + (
            ": " + _("failed: %(items)s") % {"items": "; ".join(failed)} if failed else ""
        )
    if kind in ("issued", "revoked"):
        code = detail["kind"]
        label = CaseDocument.Kind(code).label if code in CaseDocument.Kind.values else code
        return f"{label} {detail['number']}".strip()
    if kind == "assign":
        if "for" in detail:
            return _("for %(name)s") % {"name": detail["for"]}
        return f"{detail.get('from', '-')} → {detail.get('to', '-')}"
    return event.detail


def _shown_value(field: Field | None, value: object) -> str:
    """A stored value as the reader reads it: a choice by its label, a set of cardholders by
    their names, a date in the reader's format, a long text shortened."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):  # the only list field: cardholder categories, as codes
        return CardholderCategory.labels_of(value) or ", ".join(map(str, value))
    if field is not None and field.choices and value in dict(field.flatchoices):
        return str(dict(field.flatchoices)[value])
    if isinstance(field, DateField) and isinstance(value, str):
        try:
            return formats.date_format(datetime.date.fromisoformat(value))
        except ValueError:  # not a date after all: shown as text
            pass
    text = " ".join(str(value).split())
    return text if len(text) <= VALUE_LENGTH else text[: VALUE_LENGTH - 1] + "…"


def _edited(detail: dict, case: Case) -> str:
    parts = []
    for name, old, new in detail["fields"]:
        try:
            field = type(case)._meta.get_field(name)
            label = field.verbose_name
        except FieldDoesNotExist:  # a field since removed shows its name
            field, label = None, name
        parts.append(f"{label}: {_shown_value(field, old)} → {_shown_value(field, new)}")
    # Entries written before details were stored whole may have lost their last fields.
    return "; ".join(parts) + ("; …" if detail.get("more") else "")


def _clock(detail: dict) -> str:
    step = Step(detail["step"]).label if detail["step"] in Step.values else detail["step"]
    due = formats.date_format(datetime.date.fromisoformat(detail["due"]))
    if detail.get("u") == TimeLimit.Unit.HOURS:
        limit = ngettext("%(n)s hour", "%(n)s hours", detail["n"]) % {"n": detail["n"]}
    else:
        limit = ngettext("%(n)s working day", "%(n)s working days", detail["n"]) % {
            "n": detail["n"]
        }
    text = _("%(step)s: %(limit)s, due %(due)s") % {"step": step, "limit": limit, "due": due}
    if "d" in detail:
        text += "; " + _("%(days)s suspended, not counted") % {"days": detail["d"]}
    if detail.get("prov"):
        text += " (" + _("provisional calendar") + ")"
    return text


def last_correction(case: Case) -> dict | None:
    """The last return and what the applicant did about it (its edits and new materials, as
    shown on the timeline, and its resubmission note), for whoever reviews the case again;
    None before any corrected resubmission."""
    returned = case.events.filter(action=Action.RETURNED).order_by("-pk").first()
    if returned is None:
        return None
    after = case.events.filter(pk__gt=returned.pk).order_by("pk")
    resubmitted = after.filter(action=Action.RESUBMITTED).first()
    if resubmitted is None:
        return None
    changes = after.filter(
        pk__lt=resubmitted.pk, action__in=[Action.EDITED, Action.MATERIAL_UPLOADED]
    )
    return {
        "returned": returned,
        "resubmitted": resubmitted,
        "changes": [(event, shown(event, case)) for event in changes],
    }
