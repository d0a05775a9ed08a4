"""A page's history as people read it: who saved what when, and a diff.

Reads the revisions django-simple-history keeps (core.drafts writes them) for
a page's rows, merges them newest first, and describes each change per field:
short values as old and new, long text as a line diff whose added and removed
lines carry <ins>/<del> and a + or - sign, so the diff reads without colour.

Who saved each revision shows by address only for accounts the caller says
the reader may see (staff, while they hold a role): a former moderator, now a
supporter, appears as a bare account number, an erased account as none.
"""

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.drafts import PUBLISHED, RESTORED_PREFIX, UNPUBLISHED

# Lines of unchanged text shown around each change in a long text's diff.
CONTEXT_LINES = 2


@dataclass(frozen=True)
class Line:
    sign: str  # "+", "-", " ", or "…" for unchanged lines left out
    text: str


@dataclass(frozen=True)
class Change:
    label: str
    old: str | None  # None: no earlier revision to compare with
    new: str
    lines: tuple[Line, ...] = ()  # long text only


@dataclass
class Subject:
    """One row whose revisions the history shows: its name on the page, its
    revisions oldest first, which fields a reader cares about, and whether an
    earlier draft can be restored from them."""

    title: str
    records: list
    fields: tuple[str, ...]
    restorable: bool = False
    key: str = ""  # what the restore form names (a translation's language)


@dataclass
class Revision:
    subject: Subject
    record: object
    previous: object | None
    number: int
    author: str = ""
    restore_url: str = ""  # set by the view for revisions that can be restored
    restored_from: "Revision | None" = field(default=None, repr=False)

    @property
    def date(self):
        return self.record.history_date

    @property
    def reason(self) -> str:
        return self.record.history_change_reason or ""

    @property
    def summary(self) -> str:
        what = self._what()
        if self.previous is None and self.record.history_type != "+":
            # Rows that existed before revisions were kept (the starter
            # countries) begin their history with a change, not a creation.
            return _("%(what)s (no earlier revision is kept: values as saved)") % {"what": what}
        return what

    def _what(self) -> str:
        if self.record.history_type == "+":
            return _("Created")
        if self.record.history_type == "-":
            return _("Deleted")
        if self.reason == PUBLISHED:
            return _("Published")
        if self.reason == UNPUBLISHED:
            return _("Unpublished")
        if self.restored_from is not None:
            return _("Restored from revision %(number)s of %(date)s") % {
                "number": self.restored_from.number,
                "date": date_format(self.restored_from.date, "DATETIME_FORMAT"),
            }
        return _("Edited")

    @property
    def can_restore(self) -> bool:
        # The newest revision's draft is the current draft: nothing to restore.
        return self.subject.restorable and self.record is not self.subject.records[-1]

    @cached_property
    def changes(self) -> list[Change]:
        return describe_changes(self.previous, self.record, self.subject.fields)


def timeline(subjects: list[Subject], addresses: Callable[[set], dict]) -> list[Revision]:
    """Every revision of every subject, newest first. `addresses(user_ids)`
    gives the addresses the reader may see (accounts.rules.staff_addresses);
    anyone else appears by account number."""
    revisions = []
    for subject in subjects:
        numbered = {}
        previous = None
        for number, record in enumerate(subject.records, start=1):
            revision = Revision(subject, record, previous, number)
            numbered[record.history_id] = revision
            reason = record.history_change_reason or ""
            if reason.startswith(RESTORED_PREFIX):
                source = reason.removeprefix(RESTORED_PREFIX)
                revision.restored_from = numbered.get(int(source)) if source.isdigit() else None
            revisions.append(revision)
            previous = record
    _name_authors(revisions, addresses)
    revisions.sort(key=lambda revision: (revision.date, revision.record.history_id), reverse=True)
    return revisions


def _name_authors(revisions: list[Revision], addresses: Callable[[set], dict]) -> None:
    ids = {revision.record.history_user_id for revision in revisions} - {None}
    known = addresses(ids)
    for revision in revisions:
        user_id = revision.record.history_user_id
        if user_id is None:
            # Saved outside any request (a migration, the shell), or by an
            # account since erased.
            revision.author = _("no account")
        elif user_id in known:
            revision.author = known[user_id]
        else:
            revision.author = _("account #%(id)s, no longer staff") % {"id": user_id}


def describe_changes(old, new, fields: tuple[str, ...]) -> list[Change]:
    """What changed between two revisions of a row, field by field; for the
    first revision, every field that has a value."""
    changes = []
    for name in fields:
        model_field = new._meta.get_field(name)
        before = getattr(old, name) if old is not None else None
        after = getattr(new, name)
        if before == after or (old is None and after in (None, "", [])):
            continue
        label = capfirst(model_field.verbose_name)
        if isinstance(model_field, models.TextField):
            changes.append(Change(label, "", "", tuple(line_diff(before or "", after or ""))))
        else:
            shown_before = None if old is None else _shown(model_field, before)
            changes.append(Change(label, shown_before, _shown(model_field, after)))
    return changes


def line_diff(before: str, after: str) -> list[Line]:
    """The lines removed and added, with a little unchanged text around each."""
    old_lines, new_lines = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    lines = []
    groups = list(matcher.get_grouped_opcodes(CONTEXT_LINES))
    for index, group in enumerate(groups):
        if index or group[0][1] > 0:
            lines.append(Line("…", ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [Line(" ", text) for text in old_lines[i1:i2]]
                continue
            lines += [Line("-", text) for text in old_lines[i1:i2]]
            lines += [Line("+", text) for text in new_lines[j1:j2]]
    if groups and groups[-1][-1][2] < len(old_lines):
        lines.append(Line("…", ""))
    return lines


EMPTY = gettext_lazy("(empty)")


def _shown(model_field, value) -> str:
    """A field's value as a reader knows it: the label of a choice, a date in
    their language, languages by name."""
    if value in (None, "", []):
        return str(EMPTY)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    choices = dict(model_field.flatchoices)
    if isinstance(value, list):
        names = dict(settings.CONTENT_LANGUAGES)
        return ", ".join(str(names.get(code, code)) for code in value)
    return str(choices.get(value, value))
