from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from reports import exports

# Three years at most: the campaign's two-year range with room to spare, and a
# bound on what one request (or one worker's task) may be asked to read.
MAX_DAYS = 3 * 366


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=list(exports.KINDS.items()))
    format = forms.ChoiceField(label=_("Format"), choices=list(exports.FORMATS.items()))
    start = forms.DateField(
        label=_("From (UTC day)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To (UTC day, included)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        # A callable: the countries' names in the language of each request.
        choices=lambda: [("", _("Every country you may export")), *countries],
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date is before the start date."))
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(_("Export at most three years at a time."))
        return data


class WeeklyForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=list(exports.KINDS.items()))
    format = forms.ChoiceField(label=_("Format"), choices=list(exports.FORMATS.items()))
    active = forms.BooleanField(label=_("Send it every Monday"), required=False)
