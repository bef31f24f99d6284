"""The forms of the way from filed to authorised to issue (approvals.readiness)."""

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Authorisation, GeneralTestItem


class AuthorisationForm(forms.ModelForm):
    """The department's application for keys and PSAM cards."""

    class Meta:
        model = Authorisation
        fields = ["key_request", "psam_quantity"]
        widgets = {"key_request": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key_request"].required = True
        self.fields["psam_quantity"].required = True
        self.fields["psam_quantity"].min_value = 1
        self.fields["psam_quantity"].validators.append(MinValueValidator(1))


class GateDecisionForm(forms.Form):
    """The Information Center issues what was applied for, or returns it with reasons."""

    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("issue", _("Issue")), ("return", _("Return for correction"))],
        widget=forms.RadioSelect,
    )
    references = forms.CharField(
        label=_("References of what is issued"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    issued_on = forms.DateField(
        label=_("Issued on"),
        required=False,
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reasons = forms.CharField(
        label=_("Reasons for returning"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, gate: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["references"].help_text = (
            _("The references of the key cards or key files issued. Never key values.")
            if gate == "keys"
            else _("The serial numbers of the PSAM cards issued, e.g. a range.")
        )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("outcome") == "issue" and not data.get("issued_on"):
            self.add_error("issued_on", _("Enter the day they were issued."))
        return data


class GateCorrectionForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the Information Center"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, gate: str, case: Authorisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = Authorisation._meta.get_field("key_request" if gate == "keys" else "psam_quantity")
        value = field.formfield()
        if gate == "keys":
            value.widget = forms.Textarea(attrs={"rows": 4})
        value.initial = field.value_from_object(case)
        self.fields = {"value": value, **self.fields}


class TestApplicationForm(forms.Form):
    test_card_count = forms.IntegerField(label=_("Test cards"), min_value=1, max_value=100)
    test_card_serials = forms.CharField(
        label=_("Card serial numbers of the test cards"),
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class TestResultForm(forms.Form):
    """One pass/fail and note per item of the general test, and the signed test report."""

    report = forms.FileField(label=_("Test report (PDF)"), required=False)

    def __init__(self, *args, failed_before: set[str] = frozenset(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code, label in GeneralTestItem.Item.choices:
            self.fields[f"item_{code}"] = forms.ChoiceField(
                label=label,
                choices=[("pass", _("Pass")), ("fail", _("Fail"))],
                widget=forms.RadioSelect,
                help_text=_("Failed in the last round") if code in failed_before else "",
            )
            self.fields[f"note_{code}"] = forms.CharField(
                label=_("Note"), required=False, max_length=300
            )

    def results(self) -> dict[str, tuple[bool, str]]:
        return {
            code: (
                self.cleaned_data[f"item_{code}"] == "pass",
                self.cleaned_data[f"note_{code}"].strip(),
            )
            for code in GeneralTestItem.Item.values
        }
