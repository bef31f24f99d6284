from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from issuers import file_structure
from issuers.models import CardholderCategory

from .models import Application, ChangeRequest, Decision, Material, Notice, NoticeSettings


def cardholders_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Cardholders"),
        choices=CardholderCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Who will receive cards."),
        error_messages={"required": _("Choose who will receive cards.")},
    )


class ApplicationForm(forms.ModelForm):
    cardholder_categories = cardholders_field()

    class Meta:
        model = Application
        fields = Application.EDITABLE_FIELDS
        widgets = {
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "cardholder_population": forms.Textarea(attrs={"rows": 3}),
        }


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=_("Material"), choices=Material.Kind.choices)
    file = forms.FileField(label=_("File (PDF, PNG or JPEG)"))


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    reasons = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Required when returning or rejecting: the applicant will read them."),
    )

    def __init__(self, *args, decisions: dict[str, Decision], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [(o, d.label) for o, d in decisions.items()]


class CorrectionForm(forms.Form):
    note = forms.CharField(label=_("What was corrected"), widget=forms.Textarea(attrs={"rows": 3}))


class FilingForm(forms.Form):
    reference = forms.CharField(label=_("Registration centre's filing reference"), max_length=64)
    filing_date = forms.DateField(
        label=_("Filing date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    receipt = forms.FileField(label=_("Filing receipt (PDF, PNG or JPEG)"))


class FilingCorrectionForm(forms.Form):
    reference = forms.CharField(label=_("Registration centre's filing reference"), max_length=64)
    filing_date = forms.DateField(
        label=_("Filing date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    receipt = forms.FileField(
        label=_("Corrected filing receipt (PDF, PNG or JPEG), if there is one"), required=False
    )
    reason = forms.CharField(
        label=_("Why the record is corrected"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ChangeRequestForm(forms.ModelForm):
    cardholder_categories = cardholders_field()

    class Meta:
        model = ChangeRequest
        fields = ChangeRequest.EDITABLE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "cardholder_population": forms.Textarea(attrs={"rows": 3}),
        }


class SurfaceForm(forms.Form):
    surface = forms.FileField(label=_("New card surface design (PNG, JPEG or PDF)"))


class FileStructureForm(forms.Form):
    """The whole structure as JSON: typed in, pasted, or imported from a file."""

    structure = forms.CharField(
        label=_("File structure (JSON)"), widget=forms.Textarea(attrs={"rows": 18}), required=False
    )
    json_file = forms.FileField(label=_("…or import a JSON file"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("json_file")
        # Never more than the limit (and one byte to tell) is read into memory.
        text = (
            upload.read(file_structure.MAX_JSON_BYTES + 1) if upload else data.get("structure", "")
        )
        try:
            data["nodes"] = file_structure.from_json(text)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return data


class NodeForm(forms.Form):
    """Add or replace one node of the file structure."""

    path = forms.CharField(label=_("Path (FIDs from the MF, e.g. 3F00/DF05/EF01)"), max_length=100)
    level = forms.ChoiceField(label=_("Level"), choices=[(v, v) for v in file_structure.LEVELS])
    name = forms.CharField(label=_("DF name"), required=False, max_length=100)
    aid = forms.CharField(label=_("AID (hex)"), required=False, max_length=32)
    ef_type = forms.ChoiceField(
        label=_("EF type"),
        required=False,
        choices=[("", "—")] + [(v, v) for v in file_structure.EF_TYPES],
    )
    records = forms.CharField(
        label=_("Records, one per line: tag,length,format,name"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def clean_records(self) -> list[dict]:
        records = []
        for line in self.cleaned_data["records"].splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",", 3)]
            if len(parts) < 3 or not parts[1].isdigit():
                raise ValidationError(_("Write each record as tag,length,format,name."))
            name = parts[3] if len(parts) > 3 else ""
            records.append(
                {"tag": parts[0], "length": int(parts[1]), "format": parts[2], "name": name}
            )
        return records

    def node(self) -> dict:
        data = self.cleaned_data
        path = data["path"].strip().strip("/").upper()
        return {
            "path": path,
            "level": data["level"],
            "fid": path.rsplit("/", 1)[-1],
            "name": data["name"],
            "aid": data["aid"],
            "ef_type": data["ef_type"],
            "records": data["records"],
        }


class ClockReasonForm(forms.Form):
    """The reason for suspending, resuming or extending a time limit; the applicant reads it."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The applicant sees this reason on the case's timeline."),
    )


class ReassignForm(forms.Form):
    to = forms.ModelChoiceField(label=_("Colleague"), queryset=None)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, colleagues, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = colleagues


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DistributeForm(forms.Form):
    tasks = forms.MultipleChoiceField(label=_("Tasks"), widget=forms.CheckboxSelectMultiple)
    colleagues = forms.ModelMultipleChoiceField(
        label=_("Colleagues"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, tasks, colleagues, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tasks"].choices = tasks
        self.fields["colleagues"].queryset = colleagues


class AddMemberForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("An active account that belongs to no department yet."),
    )


class AbsenceForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Who is away"), queryset=None)
    starts_on = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    substitute = forms.ModelChoiceField(label=_("Substitute"), queryset=None)

    def __init__(self, *args, colleagues, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["substitute"].queryset = colleagues
        self.fields["user"].queryset = colleagues


class NoticeSettingsForm(forms.ModelForm):
    email_kinds = forms.MultipleChoiceField(
        label=_("Also by e-mail"),
        choices=Notice.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = NoticeSettings
        fields = ["language", "email_kinds"]
