from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import Outcome
from .models import Application, Material


class ApplicationForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = Application.EDITABLE_FIELDS
        widgets = {
            "planned_start": forms.DateInput(attrs={"type": "date"}),
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

    def __init__(self, *args, pass_label: str, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [
            (Outcome.PASS, pass_label),
            (Outcome.RETURN, _("Return for correction")),
            (Outcome.REJECT, _("Reject")),
        ]

    def clean(self) -> dict:
        data = super().clean()
        if (
            data.get("outcome") in (Outcome.RETURN, Outcome.REJECT)
            and not data.get("reasons", "").strip()
        ):
            self.add_error("reasons", _("Please give the reasons for returning or rejecting."))
        return data


class CorrectionForm(forms.Form):
    note = forms.CharField(label=_("What was corrected"), widget=forms.Textarea(attrs={"rows": 3}))


class FilingForm(forms.Form):
    reference = forms.CharField(label=_("Registration centre's filing reference"), max_length=64)
    filing_date = forms.DateField(
        label=_("Filing date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    receipt = forms.FileField(label=_("Filing receipt (PDF, PNG or JPEG)"))
