"""The moderators' forms: a country's settings, its page's text, a new country."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from campaign.models import Country, CountryTranslation
from core.forms import DraftForm
from pledges.forms import CountrySelect, country_code


class CountrySettingsForm(forms.ModelForm):
    # Not the model's ImageField: campaign.images checks and re-encodes the
    # upload itself (campaign.services.update_country_settings).
    hero_image = forms.FileField(
        label=_("Hero image"),
        required=False,
        help_text=_("A JPEG, PNG, WebP or GIF photo; describe it in each language's text."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages of the page"),
        choices=settings.CONTENT_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Please choose languages from the list.")},
    )

    class Meta:
        model = Country
        fields = ["status", "launch_date", "launch_date_precision", "languages", "supporter_goal"]
        widgets = {
            # A date picker without JavaScript; the value travels as YYYY-MM-DD.
            "launch_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "launch_date_precision": forms.RadioSelect,
        }
        help_texts = {
            "launch_date_precision": _(
                "If only the month is known, any day of it will do: the page says the month."
            ),
            "supporter_goal": _("Leave empty for no goal."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shows the current image, with a box to tick to remove it.
        self.initial.setdefault("hero_image", self.instance.hero_image or None)
        self.fields["supporter_goal"].widget.attrs["min"] = 1
        self.fields["supporter_goal"].validators.append(_at_least_one)
        self.fields["launch_date"].error_messages["invalid"] = _(
            "Please enter a date such as 2021-04-01."
        )

    def clean_languages(self) -> list[str]:
        # The country's own languages come first (the public page falls back to
        # them in this order): keep the order already chosen, add new ones after.
        chosen = self.cleaned_data["languages"]
        kept = [code for code in self.instance.languages if code in chosen]
        return kept + [
            code
            for code, _name in settings.CONTENT_LANGUAGES
            if code in chosen and code not in kept
        ]

    def clean(self):
        data = super().clean()
        date = data.get("launch_date")
        if (
            data.get("status") == Country.Status.LAUNCHED
            and date is None
            and "launch_date" not in self.errors
        ):
            self.add_error("launch_date", _("A launched country needs its launch date."))
        if date and data.get("launch_date_precision") == Country.DatePrecision.MONTH:
            # Stored as the 1st of the month (campaign.models): no day is made up.
            data["launch_date"] = date.replace(day=1)
        return data

    def settings_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def hero_upload(self) -> UploadedFile | bool | None:
        """The uploaded image; False to remove the current one; None to keep it."""
        value = self.cleaned_data["hero_image"]
        if value is False:
            return False
        return value if isinstance(value, UploadedFile) else None


def _at_least_one(value: int | None) -> None:
    if value is not None and value < 1:
        raise ValidationError(_("A goal is at least one supporter."), code="min_value")


class CountryTranslationForm(DraftForm):
    markdown_fields = ("body", "partners", "help_contacts")

    class Meta:
        model = CountryTranslation
        fields = [*CountryTranslation.CONTENT_FIELDS, "based_on"]

    def __init__(self, *args, country: Country, **kwargs):
        self.country = country
        super().__init__(*args, **kwargs)
        self.fields["hero_alt"].help_text = _(
            "What the hero image shows, for people who cannot see it."
        )

    def clean_hero_alt(self) -> str:
        alt = self.cleaned_data["hero_alt"]
        if self.country.hero_image and not alt.strip():
            raise ValidationError(
                _("The page has a hero image: please describe it."), code="required"
            )
        return alt


class NewCountryForm(forms.Form):
    code = forms.CharField(label=_("Country"), widget=CountrySelect(attrs={"autocomplete": "off"}))

    def clean_code(self) -> str:
        return country_code(self.cleaned_data["code"])
