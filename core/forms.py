"""Form pieces shared by the editors of country pages and information pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.markdown import markdown_problems


def validate_markdown(text: str) -> None:
    """Refuse text that would not show as meant (a chart that cannot be drawn,
    a citation without its source): the editor hears it now, not the public."""
    problems = markdown_problems(text)
    if problems:
        raise ValidationError(problems, code="markdown")


class DraftForm(forms.ModelForm):
    """A translation's draft fields, and the revision the editor started from.

    `based_on` comes back with the form so that a save that would overwrite
    someone else's newer text is refused (core.drafts.EditConflict)."""

    based_on = forms.IntegerField(required=False, widget=forms.HiddenInput)

    # The Markdown fields of the model (validated with validate_markdown).
    markdown_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.markdown_fields:
            field = self.fields[name]
            field.validators.append(validate_markdown)
            field.widget.attrs["rows"] = 12
            field.help_text = _(
                "Markdown: **bold**, [a link](https://example.org), a footnote[^1] and "
                "its source on a line of its own ([^1]: Source, year)."
            )
        self.fields["based_on"].error_messages["invalid"] = _(
            "This form is out of date. Please open the page again."
        )

    def draft(self) -> dict:
        # Browsers send CRLF line ends: store LF, so that saving text unchanged
        # makes no revision and diffs compare lines alike.
        return {
            name: self.cleaned_data[name].replace("\r\n", "\n")
            for name in self._meta.model.CONTENT_FIELDS
        }
