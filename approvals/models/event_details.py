"""What a timeline entry's detail says, stored in no language and shown in the reader's.

A detail is written (CaseEvent.pack_detail) as a small JSON object of codes and values (a
material's kind, the fields an edit changed, a change's route and kinds) and rendered when
the timeline is shown, so that an official reading in Chinese reads it in Chinese whoever
wrote it. Entries written before this, or whose detail is plain data (an issuer ID, a filing
reference), are shown as stored.
"""

import datetime
import json

from django.core.exceptions import FieldDoesNotExist
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from worktime.models import TimeLimit

from .case import Case, Material
from .change_request import ChangeKind, kind_labels
from .clock import Step
from .timeline import Action, CaseEvent

VALUE_LENGTH = 40


def _short(value: object) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= VALUE_LENGTH else text[: VALUE_LENGTH - 1] + "…"


def fields_edited(before: dict, after: dict) -> dict:
    """The detail of an edit: each changed field with its old and new value."""
    return {"t": "edited", "fields": [[f, _short(before[f]), _short(after[f])] for f in before]}


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
        parts = []
        for field, old, new in detail["fields"]:
            try:
                label = type(case)._meta.get_field(field).verbose_name
            except FieldDoesNotExist:  # a field since removed shows its name
                label = field
            parts.append(f"{label}: {old or '—'} → {new or '—'}")
        return "; ".join(parts) + ("; …" if detail.get("more") else "")
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
    if kind == "assign":
        if "for" in detail:
            return _("for %(name)s") % {"name": detail["for"]}
        return f"{detail.get('from', '-')} → {detail.get('to', '-')}"
    return event.detail


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
