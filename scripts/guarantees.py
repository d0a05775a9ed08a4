"""Proves that each guarantee in the README's "Guarantees" list has a test that
fails without it.

For each guarantee: check its tests pass, remove the code that keeps the promise
(a one-place text change), run the tests again and expect them to FAIL, then put
the code back. Prints one line per guarantee and exits non-zero if any mutation
went unnoticed (or if a test failed before its mutation).

    make guarantees            # or: .venv/bin/python scripts/guarantees.py [-k WORD]

Runs on the same real stack as `make test` (PostgreSQL and Redis on loopback);
about an hour on the 2-core machine (`-k WORD` runs the promises naming WORD).
Each file is restored even if the run is interrupted.
"""

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Guarantee:
    promise: str
    tests: list[str]
    path: str
    keeps_it: str  # the code that keeps the promise, found exactly once in path
    without: str  # what it becomes when the promise is dropped
    # Where a promise is kept twice on purpose (checked when a mailing fans out and
    # again when each email is built, say): the other places, (path, keeps_it,
    # without), all dropped together with the first.
    also: tuple[tuple[str, str, str], ...] = ()


GUARANTEES = [
    Guarantee(
        "One pledge per address, whatever its case, even under concurrent signatures",
        [
            "tests/test_race.py",
            "tests/test_sign.py::test_it_treats_addresses_that_differ_in_case_as_one",
        ],
        "pledges/migrations/0001_initial.py",
        "'constraints': [models.UniqueConstraint(django.db.models.functions.text.Lower('email'), "
        "name='pledges_pledge_email_ci_unique')],",
        "",
    ),
    Guarantee(
        "At most one email per address per ten minutes, however often it is signed",
        [
            "tests/test_sign.py::test_it_resends_the_confirmation_to_a_pending_address_once_per_ten_minutes"
        ],
        "pledges/services.py",
        'owed="(p.email_requested_at IS NULL OR p.email_requested_at <= %(resend_before)s)"',
        'owed="TRUE"',
    ),
    Guarantee(
        "Never two senders of one email (the task and the sweep race against a slow SMTP server)",
        ["tests/test_outbox.py::test_the_task_and_the_sweep_never_both_send_one_email"],
        "core/outbox.py",
        "if not owed.filter(_claimable(now)).update(email_claimed_until=lease):",
        "if not owed.update(email_claimed_until=lease):",
    ),
    Guarantee(
        "No database transaction or row lock is held while a mail server talks",
        [
            "tests/test_outbox.py::test_no_transaction_or_row_lock_is_held_while_the_mail_server_talks"
        ],
        "pledges/services.py",
        "    return outbox.deliver(Pledge.objects, pledge_id, emails.for_pledge, now=now, "
        "on_sent=_log_sent)",
        "    with transaction.atomic():\n"
        "        return outbox.deliver(Pledge.objects, pledge_id, emails.for_pledge, now=now, "
        "on_sent=_log_sent)",
    ),
    Guarantee(
        "A request that arrives while its previous email is being sent stays owed",
        ["tests/test_outbox.py::test_a_request_made_while_sending_stays_owed"],
        "core/outbox.py",
        "email_due=row.email_due, email_requested_at=row.email_requested_at",
        "",
    ),
    Guarantee(
        "Reconciliation is exact while confirmations land",
        ["tests/test_reconcile_race.py"],
        "pledges/counting.py",
        "CountShard.objects.select_for_update().filter(country=country)",
        "CountShard.objects.filter(country=country)",
    ),
    Guarantee(
        "A pledge is counted once, even when two tabs confirm it at the same moment",
        ["tests/test_confirm.py::test_it_counts_once_when_two_tabs_confirm_at_the_same_moment"],
        "pledges/models.py",
        "Pledge.objects.filter(pk=self.pk, confirmed_at__isnull=True).update(",
        "Pledge.objects.filter(pk=self.pk).update(",
    ),
    Guarantee(
        "Opening the confirmation link (as a mail scanner does) records nothing",
        [
            "tests/test_confirm.py::test_it_shows_what_confirming_records_and_confirms_nothing_on_get"
        ],
        "pledges/views.py",
        'if request.method != "POST":\n        # GET confirms nothing',
        "if False:\n        # GET confirms nothing",
    ),
    Guarantee(
        "The owner decides: confirming records what the owner's page submitted",
        ["tests/test_owner_decides.py"],
        "pledges/models.py",
        "                display_name=display_name,\n                country=country,",
        "",
    ),
    Guarantee(
        "A stranger's signature never changes a confirmed pledge",
        ["tests/test_owner_decides.py::test_a_stranger_cannot_change_a_confirmed_pledge"],
        "pledges/services.py",
        'proposal="p.confirmed_at IS NULL AND p.signed_at <= excluded.signed_at"',
        'proposal="TRUE"',
    ),
    Guarantee(
        "Signing and new-link requests do the same work for every address",
        ["tests/test_same_work.py"],
        "pledges/services.py",
        "    PledgeRequest.objects.create(kind=kind,",
        '    if Pledge.objects.for_email(fields["email"]).exists():\n'
        '        Pledge.objects.for_email(fields["email"]).update(signed_at=now)\n'
        "    PledgeRequest.objects.create(kind=kind,",
    ),
    Guarantee(
        "No address and no name in the logs, at DEBUG, across sign, confirm, resend"
        " and a refused send",
        ["tests/test_log_privacy.py"],
        "core/outbox.py",
        'raise EmailNotSent(f"{queryset.model.__name__} id={pk}: {type(error).__name__}")',
        'raise EmailNotSent(f"{queryset.model.__name__} id={pk}: {error}")',
    ),
    Guarantee(
        "Counts are served without reading the pledge table",
        [
            "tests/test_counts.py::test_it_answers_from_the_counters_without_touching_the_pledge_table"
        ],
        "pledges/counting.py",
        "countries = {code: n for code, n in CountShard.objects.totals().items() if n}",
        "countries = {str(code): n for code, n in Pledge.objects.confirmed()"
        '.values_list("country").annotate(n=Count("id")).order_by()}',
    ),
    Guarantee(
        "The sweep never overlaps with itself",
        ["tests/test_sweep.py::test_it_never_overlaps_with_itself"],
        "pledges/services.py",
        "    if lease is None:\n        return",
        "    if False:\n        return",
    ),
    Guarantee(
        "The sweep hands owed emails to the workers and sends none itself",
        [
            "tests/test_sweep.py::test_it_hands_owed_emails_to_the_workers_in_batches_and_sends_none_itself"
        ],
        "pledges/services.py",
        "        email_ids = outbox.hand_out(Pledge.objects, SWEEP_LIMIT, now)\n",
        "        email_ids = outbox.hand_out(Pledge.objects, SWEEP_LIMIT, now)\n"
        "        send_pledge_emails(email_ids)\n",
    ),
    Guarantee(
        "Work the broker could not take is handed out again by the next sweep",
        [
            "tests/test_sweep.py::test_what_it_could_not_publish_is_handed_out_again_by_the_next_sweep"
        ],
        "core/queue.py",
        "            unqueue(ids[start:])\n",
        "",
    ),
    Guarantee(
        "Clearing the cache never drops a queued task",
        ["tests/test_queue_and_cache.py"],
        "config/settings.py",
        '"LOCATION": redis_neighbour_url(REDIS_URL),',
        '"LOCATION": REDIS_URL,',
    ),
    Guarantee(
        "Production refuses to start without a real mail server",
        ["tests/test_settings.py::test_production_refuses_to_start_without_each_of_its_settings"],
        "config/settings.py",
        '        "EMAIL_URL": _email_url,\n',
        "",
    ),
    Guarantee(
        "Shared pages carry each visitor's own CSRF token and nothing else of theirs",
        ["tests/test_shared_pages.py::test_each_visitor_gets_a_token_that_works"],
        "core/shared_pages.py",
        "html.replace(CSRF_SLOT, get_token(request))",
        "html",
    ),
    Guarantee(
        "Signing in and signing up answer an address with an account as one without",
        ["tests/test_signin.py::test_it_answers_an_address_with_an_account_as_one_without"],
        "config/settings.py",
        "ACCOUNT_PREVENT_ENUMERATION = True",
        "ACCOUNT_PREVENT_ENUMERATION = False",
    ),
    Guarantee(
        "Bad input gets a 400 and a translated error, and nothing is saved",
        ["tests/test_sign.py::test_it_refuses_bad_input_with_an_error_on_the_field"],
        "pledges/forms.py",
        "        validators=[validate_no_control_characters],\n",
        "",
    ),
    Guarantee(
        "Every offered language is complete",
        ["tests/test_translations.py::test_it_translates_every_entry_for_sure"],
        "locale/es/LC_MESSAGES/django.po",
        'msgstr "Saltar al contenido"',
        'msgstr ""',
    ),
    Guarantee(
        "Staff pages and the admin open only to the right role, and only with MFA",
        ["tests/test_staff_access.py"],
        "accounts/rules.py",
        "return is_staff_member(user) and not is_mfa_enabled(user)",
        "return False",
    ),
    Guarantee(
        "Staff pages answer 404 to anyone without a staff role",
        ["tests/test_staff_access.py"],
        "accounts/decorators.py",
        "            if not is_staff_member(user):\n                raise Http404\n",
        "",
    ),
    Guarantee(
        "Organisers grant and revoke moderators only; administrators every role",
        ["tests/test_roles.py::test_an_organiser_may_grant_no_other_role"],
        "accounts/services.py",
        "    if not can(actor, action, role):\n        raise PermissionDenied\n",
        "",
    ),
    Guarantee(
        "Every grant and revocation lands in the audit log",
        [
            "tests/test_roles.py::test_an_organiser_grants_and_revokes_a_moderator_and_both_are_logged"
        ],
        "accounts/services.py",
        "            _log(actor, subject, RoleChange.Action.GRANT, role, country, now)",
        "            pass",
    ),
    Guarantee(
        "A moderator reaches nothing of another country's pages, and changes nothing there",
        [
            "tests/test_staff_access.py::"
            "test_a_portugal_moderator_reaches_nothing_of_spain_and_changes_nothing"
        ],
        "accounts/decorators.py",
        "            if scope is not None and not can(user, action, kwargs[scope]):\n"
        "                raise PermissionDenied\n",
        "",
    ),
    Guarantee(
        "The editing services refuse a moderator another country, whoever calls them",
        [
            "tests/test_editing_services.py::"
            "test_a_moderator_cannot_act_on_another_country_through_the_services"
        ],
        "campaign/services.py",
        '    if not can(actor, "edit_country", country_code):\n        raise PermissionDenied\n',
        "",
    ),
    Guarantee(
        "Moderators change no information page",
        ["tests/test_edit_information_pages.py::test_moderators_cannot_edit_information_pages"],
        "accounts/rules.py",
        '"edit_pages": {Role.ORGANISER, Role.ADMINISTRATOR},',
        '"edit_pages": {Role.MODERATOR, Role.ORGANISER, Role.ADMINISTRATOR},',
    ),
    Guarantee(
        "A draft is public only once published, and then reaches visitors at once",
        ["tests/test_publish_country.py::test_visitors_see_the_new_text_only_once_published"],
        "core/drafts.py",
        '            record_save(parent, actor, ["is_published", "published_at", "updated_at"], '
        "PUBLISHED)\n            content_changed()\n",
        '            record_save(parent, actor, ["is_published", "published_at", "updated_at"], '
        "PUBLISHED)\n",
    ),
    Guarantee(
        "Publishing is all or nothing",
        ["tests/test_publish_country.py::test_a_failed_publish_leaves_nothing_half_done"],
        "core/drafts.py",
        "    with transaction.atomic():\n"
        "        parent = type(parent).objects.select_for_update().get(pk=parent.pk)\n"
        "        rows = ",
        "    if True:\n"
        "        parent = type(parent).objects.select_for_update().get(pk=parent.pk)\n"
        "        rows = ",
    ),
    Guarantee(
        "Saving page text never silently replaces someone else's newer save",
        [
            "tests/test_edit_country_text.py::"
            "test_it_refuses_to_overwrite_a_newer_save_and_keeps_the_editors_text"
        ],
        "core/drafts.py",
        "        if based_on is None or _draft_at(translation, based_on) != "
        "_draft_of(translation):\n            raise EditConflict\n",
        "",
    ),
    Guarantee(
        "Every save of page content keeps a revision naming its author, in a request or not",
        ["tests/test_editing_services.py::test_a_save_outside_any_request_still_names_its_author"],
        "core/drafts.py",
        "    instance._history_user = actor\n",
        "",
    ),
    Guarantee(
        "A page's history shows the addresses of staff only, never a supporter's",
        ["tests/test_country_history.py::test_a_former_moderator_appears_by_number_only"],
        "accounts/rules.py",
        "User.objects.filter(Q(is_superuser=True) | Q(role_grants__isnull=False), pk__in=user_ids)",
        "User.objects.filter(pk__in=user_ids)",
    ),
    Guarantee(
        "A restored revision says where it came from",
        ["tests/test_restore_revision.py::test_the_history_says_where_the_text_came_from"],
        "core/drafts.py",
        'f"{RESTORED_PREFIX}{record.history_id}"',
        "None",
    ),
    Guarantee(
        "A staff preview is never kept by a cache",
        ["tests/test_staff_preview.py::test_it_is_never_indexed_nor_kept"],
        "core/editing.py",
        "    add_never_cache_headers(response)\n",
        "",
    ),
    Guarantee(
        "Page text with broken Markdown gets a 400 and a translated error, and nothing is saved",
        ["tests/test_edit_country_text.py::test_bad_input_shows_its_error_and_saves_nothing"],
        "core/forms.py",
        "            field.validators.append(validate_markdown)\n",
        "",
    ),
    Guarantee(
        "Nothing of a signed-in visitor, nor a message for them, reaches a shared page",
        ["tests/test_private_pages.py"],
        "core/shared_pages.py",
        "if request.user.is_authenticated or len(messages.get_messages(request)):",
        "if False:",
    ),
    Guarantee(
        "A pledge is a supporter's (My pledge) only through a verified address of theirs",
        ["tests/test_my_pledge.py::test_an_unverified_address_links_to_no_pledge"],
        "accounts/privacy.py",
        "EmailAddress.objects.filter(user=user, verified=True)",
        "EmailAddress.objects.filter(user=user)",
    ),
    Guarantee(
        "Moving country on My pledge moves the count with it: counts stay exact",
        [
            "tests/test_my_pledge.py::"
            "test_it_saves_the_preferences_and_moves_the_count_with_the_country"
        ],
        "pledges/models.py",
        "                for code, delta in sorted([(old_country, -1), (country, 1)]):\n"
        "                    CountShard.objects.add(code, delta)\n",
        "                pass\n",
    ),
    Guarantee(
        "The download holds exactly the owner's data and nobody else's",
        [
            "tests/test_download_my_data.py::"
            "test_it_downloads_exactly_what_we_hold_about_the_supporter"
        ],
        "accounts/privacy.py",
        "Pledge.objects.for_emails(verified_addresses(user))",
        "Pledge.objects.all()",
    ),
    Guarantee(
        "The download lists every email we sent (kind and time)",
        [
            "tests/test_download_my_data.py::"
            "test_it_downloads_exactly_what_we_hold_about_the_supporter"
        ],
        "pledges/services.py",
        "emails.for_pledge, on_sent=_log_sent)",
        "emails.for_pledge)",
    ),
    Guarantee(
        "Erasure leaves the name in no column of any table",
        ["tests/test_delete_my_data.py::test_it_erases_every_trace_and_keeps_the_counts"],
        "pledges/models.py",
        "if not field.primary_key and field.attname not in kept",
        'if not field.primary_key and field.attname not in {*kept, "display_name"}',
    ),
    Guarantee(
        "Erasure drops the mail still queued for the supporter",
        ["tests/test_delete_my_data.py::test_it_erases_every_trace_and_keeps_the_counts"],
        "accounts/privacy.py",
        "        PledgeRequest.objects.for_emails(verified).delete()\n",
        "",
    ),
    Guarantee(
        "Erasure ends every session that is the supporter's or names their address",
        ["tests/test_delete_my_data.py::test_it_erases_every_trace_and_keeps_the_counts"],
        "accounts/privacy.py",
        "        _end_sessions(user_id, addresses)\n",
        "",
    ),
    Guarantee(
        "Erasure keeps the counts exactly as they were (a confirmed pledge stays, anonymous)",
        ["tests/test_delete_my_data.py::test_it_erases_every_trace_and_keeps_the_counts"],
        "pledges/models.py",
        "            if current.confirmed_at is None:\n"
        "                Pledge.objects.filter(pk=self.pk, confirmed_at__isnull=True).delete()",
        "            if True:\n                Pledge.objects.filter(pk=self.pk).delete()",
    ),
    Guarantee(
        "The purge deletes pledges left unconfirmed 30 days after their last signature",
        [
            "tests/test_purge.py::"
            "test_it_deletes_a_pledge_left_unconfirmed_for_30_days_and_nothing_else"
        ],
        "pledges/services.py",
        "    pledges = Pledge.objects.stale(now - PENDING_KEPT_FOR).delete()",
        "    pledges = Pledge.objects.none().delete()",
    ),
    Guarantee(
        "The purge never deletes a confirmed pledge",
        [
            "tests/test_purge.py::"
            "test_it_deletes_a_pledge_left_unconfirmed_for_30_days_and_nothing_else"
        ],
        "pledges/models.py",
        "        return self.pending().filter(signed_at__lt=before)",
        "        return self.filter(signed_at__lt=before)",
    ),
    Guarantee(
        "Staff views of a supporter's personal data are logged",
        ["tests/test_access_log.py::test_opening_a_pledge_logs_who_which_and_when"],
        "accounts/admin.py",
        '            privacy.log_access(request.user, shown["original"])',
        "            pass",
    ),
    Guarantee(
        "Every GET URL answers HEAD",
        ["tests/test_head.py"],
        "pledges/views.py",
        "@require_safe\ndef sent(request):",
        "@require_http_methods(['GET'])\ndef sent(request):",
    ),
    Guarantee(
        "No email is sent inside a web request: allauth's codes go through the outbox too",
        ["tests/test_outgoing_email.py::test_it_asks_for_a_code_without_talking_to_a_mail_server"],
        "accounts/adapter.py",
        "        queue_email(self.render_mail(template_prefix, email, context))",
        "        self.render_mail(template_prefix, email, context).send()",
    ),
    Guarantee(
        "A publish reaches every web worker within 5 s (two gunicorn workers, real HTTP)",
        ["tests/test_publish_reaches_workers.py"],
        "core/shared_pages.py",
        "    transaction.on_commit(bump)",
        "    pass",
    ),
    Guarantee(
        "A page not in the visitor's language falls back to English and says so",
        ["tests/test_country_page.py::test_it_falls_back_to_english_and_says_so"],
        "core/content_language.py",
        "        settings.LANGUAGE_CODE,\n        *preferred,",
        "        *preferred,",
    ),
    Guarantee(
        "Only published text reaches the public; drafts only staff previews",
        ["tests/test_country_page.py", "tests/test_learn_pages.py"],
        "core/content_language.py",
        "if draft or t.is_live}",
        "if True}",
    ),
    Guarantee(
        "Markdown content can carry no script, event handler or javascript: link",
        ["tests/test_markdown.py::test_it_renders_hostile_markdown_harmless"],
        "core/markdown.py",
        '    html = _cleaner.clean(_parser.render(text or "", env))',
        '    html = _parser.render(text or "", env)',
    ),
    Guarantee(
        "Every figure on the facts pages has its source next to it",
        ["tests/test_citations.py"],
        "pages/starter/human-trafficking.en.md",
        "followed by forced labour (18%).[^iom-1999]",
        "followed by forced labour (18%).",
    ),
    Guarantee(
        "The Europe chart's data table has exactly the source's regions and shares",
        ["tests/test_europe_chart.py"],
        "pages/starter/europe.en.md",
        "Balkans | 32",
        "Balkans | 23",
    ),
    Guarantee(
        "Asking to hear of a launch does the same work for a known and an unknown address",
        [
            "tests/test_same_work.py::"
            "test_it_does_the_same_work_for_every_address_asking_to_hear_of_a_launch"
        ],
        "campaign/services.py",
        "    request = LaunchRequest.objects.create(",
        "    if LaunchSubscription.objects.for_emails([email]).filter(country=country).exists():\n"
        "        return\n"
        "    request = LaunchRequest.objects.create(",
    ),
    Guarantee(
        "Opening the emailed launch link confirms nothing; the button on its page does",
        [
            "tests/test_launch_confirm.py::"
            "test_opening_the_link_confirms_nothing_and_the_button_confirms"
        ],
        "campaign/views.py",
        '    if request.method != "POST":\n        # GET confirms nothing',
        "    if False:\n        # GET confirms nothing",
    ),
    Guarantee(
        "One launch sign-up per address and country, whatever its case",
        [
            "tests/test_launch_confirm.py::"
            "test_one_subscription_per_address_and_country_whatever_its_case"
        ],
        "campaign/migrations/0004_launch_signups.py",
        "'constraints': [models.UniqueConstraint(models.F('country'), "
        "django.db.models.functions.text.Lower('email'), "
        "name='campaign_launchsub_country_email_ci_unique')],",
        "",
    ),
    Guarantee(
        "At most one sign-up email per address per ten minutes",
        ["tests/test_launch_confirm.py::test_it_resends_the_link_at_most_once_per_ten_minutes"],
        "campaign/services.py",
        '"(s.email_requested_at IS NULL OR s.email_requested_at <= %(resend_before)s)"',
        '"TRUE"',
    ),
    Guarantee(
        "A stranger's request never changes a confirmed launch sign-up",
        [
            "tests/test_launch_confirm.py::"
            "test_a_confirmed_address_asking_again_is_told_it_is_on_the_list"
        ],
        "campaign/services.py",
        'proposal="s.confirmed_at IS NULL AND s.requested_at <= excluded.requested_at"',
        'proposal="TRUE"',
    ),
    Guarantee(
        "A launch sign-up can no longer be confirmed once its country has launched",
        ["tests/test_launch_confirm.py::test_it_cannot_be_confirmed_once_its_country_has_launched"],
        "campaign/models.py",
        "            country__status=Country.Status.UPCOMING,\n",
        "",
    ),
    Guarantee(
        "Each launch email is owed once, even while one is on its way",
        [
            "tests/test_launch_emails.py::"
            "test_a_run_while_the_emails_are_on_their_way_owes_nothing_more",
            # Two runs that both find the country unannounced: one mailing.
            "tests/test_launch_emails.py::test_a_launch_announced_twice_is_mailed_once",
        ],
        "mailings/migrations/0001_initial.py",
        "        migrations.AddConstraint(\n"
        "            model_name='mailing',\n"
        "            constraint=models.UniqueConstraint(condition=models.Q(('key', ''), "
        "_negated=True), fields=('kind', 'key'), name='mailings_mailing_once'),\n"
        "        ),\n",
        "",
    ),
    Guarantee(
        "The launch job never overlaps itself",
        ["tests/test_launch_emails.py::test_it_never_overlaps_with_itself"],
        "campaign/services.py",
        "    lease = JobLease.objects.take(LAUNCH_JOB, JOB_LEASE, now)\n    if lease is None:",
        "    lease = JobLease.objects.take(LAUNCH_JOB, JOB_LEASE, now)\n    if False:",
    ),
    Guarantee(
        "On launch day each subscriber gets one email, and their address is then deleted",
        ["tests/test_launch_emails.py::test_on_launch_day_each_subscriber_gets_one_email_once"],
        "mailings/sending.py",
        "    LaunchSubscription.objects.filter(pk__in=told).done_with().delete()\n",
        "",
    ),
    Guarantee(
        "No country launches by itself before its day (UTC)",
        ["tests/test_launch_emails.py::test_on_launch_day_each_subscriber_gets_one_email_once"],
        "campaign/services.py",
        "        launch_date__lte=today,\n",
        "        launch_date__lte=today + timedelta(days=1),\n",
    ),
    Guarantee(
        "A launch date known only to the month never launches by itself",
        [
            "tests/test_launch_emails.py::"
            "test_a_date_known_only_to_the_month_never_launches_by_itself"
        ],
        "campaign/services.py",
        "        launch_date_precision=Country.DatePrecision.DAY,\n",
        "",
    ),
    Guarantee(
        "Erasure deletes the supporter's launch sign-ups",
        ["tests/test_launch_signup_data.py::test_erasing_her_data_deletes_them"],
        "accounts/privacy.py",
        "        _forget_launch_signups(verified)\n",
        "",
    ),
    Guarantee(
        "The download holds the owner's launch sign-ups and nobody else's",
        ["tests/test_launch_signup_data.py::test_the_download_lists_them_and_nothing_of_brunos"],
        "accounts/privacy.py",
        "for subscription in LaunchSubscription.objects.for_emails(addresses)",
        "for subscription in LaunchSubscription.objects.all()",
    ),
    Guarantee(
        "Unconfirmed launch sign-ups are purged after the pending-pledge period",
        [
            "tests/test_launch_purge.py::"
            "test_it_keeps_an_unconfirmed_address_as_long_as_a_pending_pledge"
        ],
        "campaign/services.py",
        "    stale = not_being_sent.pending().filter(requested_at__lt=now - PENDING_KEPT_FOR)",
        "    stale = not_being_sent.none()",
    ),
    Guarantee(
        "Uploaded hero images keep no metadata (where and when a photo was taken)",
        ["tests/test_hero_images.py::test_it_strips_where_and_when_the_photo_was_taken"],
        "campaign/images.py",
        'clean.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)',
        'clean.save(out, format="WEBP", quality=WEBP_QUALITY, method=4, exif=image.getexif())',
    ),
    Guarantee(
        "A decompression bomb is refused before it is decoded",
        ["tests/test_hero_images.py::test_it_refuses_a_decompression_bomb_without_decoding_it"],
        "campaign/images.py",
        "        if image.width * image.height > MAX_PIXELS:\n"
        "            raise _too_many_pixels()\n",
        "",
    ),
    Guarantee(
        "An email whose row is erased right after its claim is simply not sent, not an error",
        [
            "tests/test_outbox.py::"
            "test_a_row_erased_right_after_its_claim_sends_nothing_and_raises_nothing"
        ],
        "core/outbox.py",
        "    row = queryset.filter(pk=pk).first()\n    if row is None:",
        "    row = queryset.get(pk=pk)\n    if row is None:",
    ),
    Guarantee(
        "Only confirmed supporters who opted in are on the wall",
        ["tests/test_wall.py::test_it_shows_only_confirmed_supporters_who_chose_to_appear"],
        "pledges/models.py",
        'return self.counted().filter(on_wall=True).order_by("-confirmed_at", "-id")',
        'return self.counted().order_by("-confirmed_at", "-id")',
    ),
    Guarantee(
        "Erasure takes a supporter off the wall",
        ["tests/test_wall.py::test_it_shows_only_confirmed_supporters_who_chose_to_appear"],
        "pledges/models.py",
        '"erased_at": _day(now),',
        '"erased_at": _day(now), "on_wall": current.on_wall,',
    ),
    Guarantee(
        "A hidden name never reaches the wall or its cache",
        ["tests/test_wall.py::test_a_hidden_name_never_reaches_the_cache"],
        "pledges/wall.py",
        "return [(name if shown else None, str(code)) for name, shown, code in rows]",
        "return [(name, str(code)) for name, shown, code in rows]",
    ),
    Guarantee(
        "A stranger with a pledge's public id cannot put it on the wall",
        ["tests/test_wall_choice.py::test_a_stranger_cannot_choose_for_someone_else"],
        "pledges/services.py",
        "return Pledge.objects.get(public_id=read_wall_choice_token(token))",
        "return Pledge.objects.get(public_id=token)",
    ),
    Guarantee(
        "The wall question's token serves that question only",
        ["tests/test_wall_choice.py::test_a_stranger_cannot_choose_for_someone_else"],
        "pledges/tokens.py",
        'WALL_CHOICE_SALT = "pledges.wall-choice"',
        'WALL_CHOICE_SALT = "pledges.confirm"',
    ),
    Guarantee(
        "The wall question's token expires after a day",
        [
            "tests/test_wall_choice.py::test_the_question_expires_after_a_day_and_points_to_my_pledge"
        ],
        "pledges/tokens.py",
        "return _read(token, WALL_CHOICE_SALT, WALL_CHOICE_MAX_AGE)",
        "return _read(token, WALL_CHOICE_SALT, CONFIRM_MAX_AGE)",
    ),
    Guarantee(
        "Nobody is on the wall by default: the question starts unticked",
        ["tests/test_wall_choice.py::test_it_asks_on_the_thank_you_page_with_both_boxes_unticked"],
        "pledges/forms.py",
        "on_wall = forms.BooleanField(label=WALL_TEXT, required=False)",
        "on_wall = forms.BooleanField(label=WALL_TEXT, required=False, initial=True)",
    ),
    Guarantee(
        "The thank-you page, which holds the wall token, is never cached",
        ["tests/test_wall_choice.py::test_it_asks_on_the_thank_you_page_with_both_boxes_unticked"],
        "pledges/views.py",
        "    add_never_cache_headers(response)  # it holds that token: no cache may keep it\n",
        "",
    ),
    Guarantee(
        "Pages showing the wall read it from the cache",
        ["tests/test_wall.py::test_it_is_served_from_the_cache_while_it_is_fresh"],
        "pledges/wall.py",
        "        rows = cache.get(key)",
        "        rows = None",
    ),
    Guarantee(
        "Wall pages are bounded: past the end or the limit is a 404, never a 500",
        ["tests/test_wall.py::test_a_page_that_is_not_there_is_404"],
        "pledges/wall.py",
        "    if not 1 <= number <= MAX_PAGES:",
        "    if not 1 <= number:",
    ),
    Guarantee(
        "The wall reads its partial index newest first, without sorting",
        ["tests/test_wall.py::test_it_reads_the_partial_index_newest_first_without_sorting"],
        "pledges/models.py",
        '.filter(on_wall=True).order_by("-confirmed_at", "-id")',
        '.filter(on_wall=True).order_by("-confirmed_at", "id")',
    ),
    Guarantee(
        "A hidden name appears nowhere on the badge: page, SVG or PNG",
        ["tests/test_badge.py::test_it_never_shows_a_hidden_name"],
        "badges/badge.py",
        "name=pledge.display_name if pledge.show_publicly else None,",
        "name=pledge.display_name,",
    ),
    Guarantee(
        "A withdrawn badge answers 410 at all its addresses",
        ["tests/test_badge.py::test_it_answers_410_for_a_withdrawn_badge"],
        "badges/views.py",
        "    if pledge.badge_withdrawn_at is not None:\n"
        '        return None, render(request, "badges/withdrawn.html", status=410)\n',
        "",
    ),
    Guarantee(
        "Only a confirmed pledge has a badge",
        ["tests/test_badge.py::test_it_answers_404_for_unknown_or_unconfirmed_pledges"],
        "badges/views.py",
        "pledge = Pledge.objects.confirmed().filter("
        "public_id=public_id, erased_at__isnull=True).first()",
        "pledge = Pledge.objects.filter(public_id=public_id, erased_at__isnull=True).first()",
    ),
    Guarantee(
        "An unchanged badge image answers 304",
        ["tests/test_badge.py::test_it_answers_304_when_the_image_is_unchanged"],
        "badges/views.py",
        "    response = get_conditional_response(request, etag=etag)",
        "    response = None",
    ),
    Guarantee(
        "Only a versioned badge image may be kept by caches without asking again",
        ["tests/test_badge.py::test_it_lets_caches_keep_a_versioned_image_and_revalidate_the_rest"],
        "badges/views.py",
        '    if request.GET.get("v") == badge.version:',
        "    if True:",
    ),
    Guarantee(
        "A badge PNG is drawn once per content, and again when its content changes",
        ["tests/test_badge.py::test_it_renders_a_png_once_per_content"],
        "badges/rendering.py",
        "        cache.set(key, image, PNG_CACHE_SECONDS)\n",
        "",
    ),
    Guarantee(
        "Every supporter draws a number when they confirm, in order, even twenty at once",
        [
            "tests/test_supporter_numbers.py::test_it_numbers_supporters_in_order_of_confirmation",
            "tests/test_supporter_numbers.py::test_it_gives_twenty_concurrent_confirmations_twenty_numbers_in_a_row",
        ],
        "pledges/models.py",
        "                supporter_number=_next_supporter_number(),\n",
        "",
    ),
    Guarantee(
        "A supporter's number never moves or passes to someone else when anyone erases their data",
        [
            "tests/test_supporter_numbers.py::test_it_never_moves_a_number_when_a_supporter_erases_their_data"
        ],
        "pledges/models.py",
        '                "supporter_number": current.supporter_number,\n',
        "",
    ),
    Guarantee(
        "No two supporters share a number",
        ["tests/test_supporter_numbers.py::test_it_never_gives_two_supporters_the_same_number"],
        "pledges/migrations/0007_supporter_number.py",
        "                unique=True,\n",
        "",
    ),
    Guarantee(
        "A name on a badge is shown literally, markup and entities included",
        ["tests/test_badge.py::test_it_shows_any_name_literally"],
        "templates/badges/badge.svg",
        ">{{ name }}</text>",
        ">{{ name|safe }}</text>",
    ),
    Guarantee(
        "Nobody withdraws or restores someone else's badge",
        ["tests/test_my_badge.py::test_it_lets_no_one_withdraw_someone_elses_badge"],
        "accounts/views.py",
        "    pledges = list(privacy.pledges_of(request.user))\n"
        '    pledge, _index = _own_confirmed_pledge(pledges, request.POST.get("pledge"))',
        "    pledges = list(privacy.pledges_of(request.user)) + "
        "list(privacy.Pledge.objects.confirmed())\n"
        '    pledge, _index = _own_confirmed_pledge(pledges, request.POST.get("pledge"))',
    ),
    Guarantee(
        "The photo frame sends nothing: a chosen photo causes no request at all",
        ["tests/test_badge_frame.py::test_it_frames_a_local_photo_without_sending_it"],
        "static/js/frame.js",
        "    say(section.dataset.working);\n",
        "    say(section.dataset.working);\n"
        '    fetch(location.href, {method: "POST", body: file});\n',
    ),
    Guarantee(
        "The photo frame crops the photo square from its centre",
        ["tests/test_badge_frame.py::test_it_frames_a_local_photo_without_sending_it"],
        "static/js/frame.js",
        "context.drawImage(photo, sx, sy, side, side, 0, 0, SIZE, SIZE);",
        "context.drawImage(photo, 0, 0, SIZE, SIZE);",
    ),
    Guarantee(
        "The framed photo carries the Blue Heart frame",
        ["tests/test_badge_frame.py::test_it_frames_a_local_photo_without_sending_it"],
        "static/js/frame.js",
        "        drawFrame();\n",
        "",
    ),
    Guarantee(
        "Without JavaScript the badge page hides the photo frame and offers the plain badge",
        ["tests/test_badge_frame.py::test_it_offers_the_plain_badge_without_javascript"],
        "templates/badges/page.html",
        'aria-labelledby="frame-title" hidden',
        'aria-labelledby="frame-title"',
    ),
    Guarantee(
        "The photo frame says in its live region when a file is not an image",
        ["tests/test_badge_frame.py::test_it_says_so_when_the_file_is_not_an_image"],
        "static/js/frame.js",
        "        say(section.dataset.failed);\n",
        "",
    ),
    Guarantee(
        "No page but the widgets can be framed by another site "
        "(`X-Frame-Options: DENY` and `frame-ancestors 'none'`, every route)",
        [
            "tests/test_framing.py::test_every_other_route_refuses_framing",
            "tests/test_browser_embed.py::test_another_site_framing_any_other_page_is_refused",
        ],
        "config/settings.py",
        '    "frame-ancestors": [CSP.NONE],\n',
        "",
    ),
    Guarantee(
        "The widgets can be framed by any site, and show the count inside another site's iframe",
        [
            "tests/test_framing.py::test_the_embed_routes_are_all_framable",
            "tests/test_browser_embed.py::test_another_site_shows_the_live_counter_in_a_frame",
        ],
        "widgets/views.py",
        "view = other_sites_may_load(xframe_options_exempt(csp_override(policy)(view)))",
        "view = other_sites_may_load(xframe_options_exempt(view))",
    ),
    Guarantee(
        "A widget never shows an older count than the cached counts",
        ["tests/test_embed_counter.py::test_it_shows_a_new_confirmation_as_soon_as_the_counts_do"],
        "widgets/counter.py",
        "if kept is not None and kept[0] == count:",
        "if kept is not None:",
    ),
    Guarantee(
        "A widget reads no database once rendered",
        ["tests/test_embed_counter.py::test_it_reads_no_database_once_rendered"],
        "widgets/counter.py",
        "    copies.set(key, (count, rendered), RENDERED_KEPT_FOR)\n",
        "",
    ),
    Guarantee(
        "Any proxy may keep a widget for a minute: public, and no cookie",
        [
            "tests/test_embed_counter.py::test_any_proxy_may_keep_it_for_a_minute_as_it_sets_no_cookie"
        ],
        "widgets/views.py",
        "public=True, max_age=EMBED_MAX_AGE",
        "private=True, max_age=EMBED_MAX_AGE",
    ),
    Guarantee(
        "A country code on no list gets a 404, never an error",
        [
            "tests/test_embed_counter.py::test_it_answers_a_country_on_no_list_with_a_404_that_says_so"
        ],
        "widgets/counter.py",
        "raise UnknownCountry(code) from None",
        "raise",
    ),
    Guarantee(
        "The widget image runs no script, even opened on its own",
        ["tests/test_embed_image.py::test_it_runs_no_script_even_opened_on_its_own"],
        "widgets/views.py",
        "@embeddable(EMBED_IMAGE_CSP)",
        '@embeddable({"frame-ancestors": ["*"]})',
    ),
    Guarantee(
        "Markup in a widget's text is shown literally (the image stays valid XML)",
        ["tests/test_embed_image.py::test_markup_in_its_text_is_shown_literally"],
        "templates/widgets/count.svg",
        'fill="#1a1a1a">{{ label }}</text>',
        'fill="#1a1a1a">{{ label|safe }}</text>',
    ),
    Guarantee(
        "Every page's share card points at a 1200 by 630 PNG that exists, by its absolute address",
        [
            "tests/test_share_metadata.py::test_it_points_every_page_at_a_share_image_that_exists",
        ],
        "sharing/templatetags/sharing.py",
        '    return f"{settings.SITE_URL}{path}" if path.startswith("/") else path',
        "    return path",
    ),
    Guarantee(
        "A hidden name appears nowhere in a badge's share card or share image",
        [
            "tests/test_share_metadata.py::test_it_keeps_a_hidden_name_out_of_the_badge_metadata_and_share_image",
        ],
        "badges/badge.py",
        "name=pledge.display_name if pledge.show_publicly else None,",
        "name=pledge.display_name,",
    ),
    Guarantee(
        "A badge's share image is drawn anew as soon as its name is hidden",
        [
            "tests/test_share_metadata.py::test_it_draws_the_share_image_anew_once_a_name_is_hidden",
        ],
        "badges/badge.py",
        'key = f"badge:share:{SHARE_DRAWING}:{badge.version}"',
        'key = f"badge:share:{SHARE_DRAWING}:{badge.public_id}"',
    ),
    Guarantee(
        "A country's share image is drawn once per content version, and anew when content changes",
        [
            "tests/test_share_metadata.py::test_it_renders_a_share_image_once_per_version",
            "tests/test_share_metadata.py::test_it_draws_a_country_image_anew_once_content_changes",
        ],
        "sharing/images.py",
        'return _version("country", country.iso2, language, content_version() or "unversioned")',
        'return _version("country", country.iso2, language)',
    ),
    Guarantee(
        "Share links are plain links with their addresses encoded",
        [
            "tests/test_share_metadata.py::test_it_shares_by_plain_links_with_encoded_addresses",
        ],
        "sharing/links.py",
        '"https://twitter.com/intent/tweet?" + urlencode({"url": url, "text": text})',
        'f"https://twitter.com/intent/tweet?url={url}&text={text}"',
    ),
    Guarantee(
        "The Share… button shows only where the browser can share",
        [
            "tests/test_browser_share.py::test_it_hides_the_share_button_without_navigator_share",
            "tests/test_browser_share.py::test_it_shares_the_page_where_the_browser_can",
        ],
        "static/js/share.js",
        'if (typeof navigator.share === "function") {',
        "if (true) {",
    ),
    Guarantee(
        "A moderator writes, opens and sends no update for another country or for everyone",
        [
            "tests/test_updates_staff.py::"
            "test_a_portugal_moderator_opens_nothing_of_a_spanish_update_and_sends_nothing"
        ],
        "mailings/services.py",
        "    if not may_address(actor, country):\n        raise PermissionDenied\n",
        "    pass\n",
    ),
    Guarantee(
        "An update's test goes to its author only, and sends the update to nobody",
        ["tests/test_updates_staff.py::test_a_test_send_goes_to_the_author_only"],
        "mailings/services.py",
        "            queue_email(message, own=True)\n",
        "            queue_email(message, own=True)\n            sending.start(mailing)\n",
    ),
    Guarantee(
        "An update is never scheduled in the past (a typo in the year does not send it now)",
        ["tests/test_updates_staff.py::test_a_time_in_the_past_or_no_time_is_refused"],
        "mailings/staff_forms.py",
        "        elif at <= timezone.now():",
        "        elif False:",
    ),
    Guarantee(
        "One-click unsubscribe (RFC 8058) works on a bare POST, with no cookie or CSRF token",
        [
            "tests/test_email_preferences.py::"
            "test_it_unsubscribes_at_once_on_a_one_click_post_without_csrf"
        ],
        "mailings/views.py",
        "@csrf_exempt\n",
        "",
    ),
    Guarantee(
        "Opening an unsubscribe link changes nothing: only its button (a POST) unsubscribes",
        ["tests/test_email_preferences.py::test_it_changes_nothing_on_a_get"],
        "mailings/views.py",
        '    if request.method != "POST":',
        '    if request.method == "HEAD":',
    ),
    Guarantee(
        "Erasing one's data deletes the mailings' records of them: deliveries and bounces",
        ["tests/test_delete_my_data.py::test_it_erases_every_trace_and_keeps_the_counts"],
        "accounts/privacy.py",
        "        mailings.forget(addresses, pledge_ids)\n",
        "",
    ),
    Guarantee(
        "Bulk mail goes no faster than MAILING_RATE_PER_MINUTE, over every worker",
        [
            "tests/test_send_rate.py::test_it_grants_no_more_than_the_rate_allows",
            "tests/test_send_rate.py::test_over_a_minute_it_sends_at_most_the_rate_plus_one_batch",
        ],
        "mailings/sending.py",
        "        granted = min(wanted, int(tokens)) if tokens >= enough else 0\n",
        "        granted = wanted\n",
    ),
    Guarantee(
        "An update reaches each news reader once, in their language, with four senders at once",
        [
            "tests/test_update_delivery.py::"
            "test_it_sends_the_update_once_to_each_news_reader_in_their_language"
        ],
        "mailings/sending.py",
        "            Delivery.objects.select_for_update(skip_locked=True)\n",
        "            Delivery.objects\n",
    ),
    Guarantee(
        "Only supporters who asked for news get an update (checked at fan-out and at send)",
        [
            "tests/test_update_delivery.py::"
            "test_it_sends_the_update_once_to_each_news_reader_in_their_language"
        ],
        "mailings/audiences.py",
        "        wants_updates=True, erased_at__isnull=True, email__isnull=False, "
        "is_synthetic=False\n",
        "        erased_at__isnull=True, email__isnull=False, is_synthetic=False\n",
        also=(
            (
                "mailings/audiences.py",
                "        if not pledge.wants_updates:\n            return False\n",
                "",
            ),
        ),
    ),
    Guarantee(
        "A worker killed mid-run loses nobody: its rows are claimed again once its lease ends",
        [
            "tests/test_worker_killed.py::"
            "test_a_killed_worker_loses_nobody_and_repeats_at_most_its_emails_in_flight"
        ],
        "mailings/models.py",
        "            | Q(state=Delivery.State.SENDING, claimed_until__lte=now)\n",
        "",
    ),
    Guarantee(
        "A sender back from a freeze sends none of the rows another sender took over",
        ["tests/test_hung_sender.py"],
        "mailings/sending.py",
        "            if delivery.pk not in ours:\n                continue\n",
        "",
    ),
    Guarantee(
        "A temporary mail failure is tried again after a backoff, then sent",
        [
            "tests/test_delivery_failures.py::"
            "test_a_temporary_refusal_is_tried_again_after_the_backoff_and_then_sent"
        ],
        "mailings/sending.py",
        "    if outcome == Outcome.RETRY and delivery.attempts < MAX_ATTEMPTS:\n",
        "    if False:\n",
    ),
    Guarantee(
        "A permanent refusal is never retried, and the address is skipped from then on",
        [
            "tests/test_delivery_failures.py::"
            "test_a_permanent_refusal_is_not_tried_again_and_the_next_update_skips_it"
        ],
        "mailings/sending.py",
        "        if message is not None and codes and all(500 <= code < 600 for code in codes):\n",
        "        if False:\n",
    ),
    Guarantee(
        "A hard bounce or complaint the provider reports keeps every later email from the address",
        [
            "tests/test_delivery_failures.py::"
            "test_a_bounce_reported_later_keeps_the_next_update_from_the_address",
            "tests/test_email_webhooks.py::test_a_mailgun_permanent_failure_marks_the_address_bounced",
        ],
        "mailings/services.py",
        "    Suppression.objects.bulk_create(\n"
        "        [Suppression(address=address.lower(), reason=reason, created_at=now)],\n"
        "        ignore_conflicts=True,\n"
        "    )\n",
        "",
    ),
    Guarantee(
        "Each milestone is announced once, even when two checks see it crossed together",
        [
            "tests/test_milestones.py::"
            "test_concurrent_checks_make_each_milestone_once_and_only_its_maker_starts_it"
        ],
        "mailings/migrations/0001_initial.py",
        "        migrations.AddConstraint(\n"
        "            model_name='mailing',\n"
        "            constraint=models.UniqueConstraint(condition=models.Q(('key', ''), "
        "_negated=True), fields=('kind', 'key'), name='mailings_mailing_once'),\n"
        "        ),\n",
        "",
    ),
    Guarantee(
        "Confirming owes one welcome email; the link opened again, or a second tab, owes none",
        [
            "tests/test_welcome_email.py::"
            "test_confirming_owes_one_welcome_and_opening_the_link_owes_none",
            "tests/test_welcome_email.py::"
            "test_a_second_confirmation_from_another_tab_owes_no_second_welcome",
        ],
        "pledges/services.py",
        "        if confirmed:\n            owe_welcome(pledge, now)\n",
        "        owe_welcome(pledge, now)\n",
    ),
    Guarantee(
        "The record of each campaign email is deleted 90 days after it finished; the counts stay",
        [
            "tests/test_delivery_retention.py::"
            "test_it_deletes_rows_finished_over_ninety_days_ago_and_keeps_the_counts"
        ],
        "mailings/sending.py",
        "    return old.delete()[1].get(Delivery._meta.label, 0)\n",
        "    return 0\n",
    ),
    Guarantee(
        "The dashboard shows a moderator their own countries' figures only, never the world total",
        ["tests/test_dashboard.py::test_a_portugal_moderator_sees_portugal_only"],
        "reports/staff_views.py",
        "    scope = countries_in_scope(user, ACTION)\n",
        "    scope = None\n",
        also=(
            (
                "reports/staff_views.py",
                'context = {"form": form, "world": can(user, "view_counts")}',
                'context = {"form": form, "world": True}',
            ),
        ),
    ),
    Guarantee(
        "The dashboard's figures take a number of queries that does not grow with the countries",
        ["tests/test_dashboard.py::test_the_queries_do_not_grow_with_the_countries"],
        "reports/dashboard.py",
        "    pending = history.pending_by_country(countries)\n",
        # One query a country: what the grouped query replaces.
        "    pending = {c: history.pending_by_country({c}).get(c, 0)"
        " for c in Country.objects.values_list('code', flat=True)}\n",
    ),
    Guarantee(
        "Counts over time: the dashboard reads no pledge row of a closed day (the rollup has them)",
        [
            "tests/test_counts_over_time_rollup.py::test_it_reads_no_pledge_row_of_a_closed_day_for_olga_s_dashboard"
        ],
        "reports/rollup.py",
        "    covered = covered_through()\n    if covered is None or covered < start:\n",
        "    covered = None\n    if covered is None or covered < start:\n",
    ),
    Guarantee(
        "Counts over time: the rollup's figures are the rows' figures, old days and today",
        [
            "tests/test_counts_over_time_rollup.py::test_it_reads_the_figures_of_the_rows_through_the_rollup_old_days_and_today"
        ],
        "reports/rollup.py",
        "    return (start, covered), (covered + timedelta(days=1), end)\n",
        "    return (start, covered), (covered + timedelta(days=2), end)\n",
    ),
    Guarantee(
        "Counts over time: a change of country on an old day is announced only after commit",
        [
            "tests/test_counts_over_time_rollup.py::test_it_shows_ana_s_move_to_spain_on_her_old_day_once_committed_and_rebuilt"
        ],
        "pledges/models.py",
        "    transaction.on_commit(lambda: queue.publish(CLOSED_DAYS_CHANGED_TASK))\n",
        "    queue.publish(CLOSED_DAYS_CHANGED_TASK)\n",
    ),
    Guarantee(
        "Counts over time: a change of country on an old day shows in that day's figures",
        [
            "tests/test_counts_over_time_rollup.py::test_it_shows_ana_s_move_to_spain_on_her_old_day_once_committed_and_rebuilt"
        ],
        "pledges/models.py",
        "                if current.confirmed_at < _today_began():\n"
        "                    _closed_days_changed()\n",
        "",
    ),
    Guarantee(
        "Counts over time: a change of standing on an old day shows in that day's figures",
        [
            "tests/test_counts_over_time_rollup.py::test_it_shows_a_review_s_change_of_standing_on_an_old_day_once_rebuilt"
        ],
        "pledges/models.py",
        "                    closed_day_changed |= confirmed_at < today_began\n",
        "",
    ),
    Guarantee(
        "Counts over time: while a change waits for its rebuild, the figures come from the rows",
        [
            "tests/test_counts_over_time_rollup.py::test_it_shows_ana_s_move_to_spain_on_her_old_day_once_committed_and_rebuilt"
        ],
        "reports/rollup.py",
        "RollupState.objects.filter(pk=STATE_ID, stale_since__isnull=True)",
        "RollupState.objects.filter(pk=STATE_ID)",
    ),
    Guarantee(
        "Counts over time: the rollup is replaced whole, readers never see half of it",
        [
            "tests/test_counts_over_time_rollup.py::test_it_replaces_the_rollup_whole_and_never_overlaps_itself"
        ],
        "reports/rollup.py",
        "        with transaction.atomic():\n"
        "            # Locked before the rows are read: a change marked meanwhile waits\n"
        "            # for this commit, then marks the new rollup stale again.\n"
        "            RollupState.objects.select_for_update().filter(pk=STATE_ID).get()\n",
        # Each statement its own transaction: the delete, the insert, the state.
        "        if True:\n",
    ),
    Guarantee(
        "Counts over time: the rollup's rebuild never overlaps itself",
        [
            "tests/test_counts_over_time_rollup.py::test_it_replaces_the_rollup_whole_and_never_overlaps_itself"
        ],
        "reports/rollup.py",
        "    lease = JobLease.objects.take(JOB, JOB_LEASE, now)\n"
        "    if lease is None:\n        return False\n",
        "    lease = JobLease.objects.take(JOB, JOB_LEASE, now)\n",
    ),
    Guarantee(
        "Counts over time: the beat rebuilds the rollup once a day has closed",
        [
            "tests/test_counts_over_time_rollup.py::test_it_reads_the_rows_for_a_closed_day_it_does_not_hold_yet"
        ],
        "reports/rollup.py",
        "        or state.complete_through < last_closed_day(now)\n",
        "",
    ),
    Guarantee(
        "Counts over time: pending pledges come from the minute's snapshot, shown with its time,"
        " or from the rows when it is old",
        [
            "tests/test_counts_over_time_rollup.py::test_it_reads_no_pledge_row_of_a_closed_day_for_olga_s_dashboard",
            "tests/test_counts_over_time_rollup.py::test_it_shows_when_the_pending_pledges_were_counted_and_counts_them_when_that_is_old",
        ],
        "reports/rollup.py",
        "pending_as_of__gt=now - PENDING_FRESH",
        "pending_as_of__isnull=False",
    ),
    Guarantee(
        "A spreadsheet runs no formula from an export: cells starting = + - @ tab or CR are quoted",
        [
            "tests/test_exports.py::test_a_formula_cell_is_neutralised",
            "tests/test_exports.py::test_formula_cells_are_neutralised_in_every_format",
        ],
        "reports/exports.py",
        "    if isinstance(value, str) and value.startswith(FORMULA_STARTS):\n"
        '        return "\'" + value\n',
        "",
    ),
    Guarantee(
        "A moderator exports their own countries' counts only",
        ["tests/test_exports.py::test_a_moderator_exports_only_their_countries"],
        "reports/services.py",
        '        if not can(user, "export", country):\n            raise PermissionDenied\n',
        "",
        also=(
            (
                "reports/services.py",
                '    return countries_in_scope(user, "export")\n',
                "    return None\n",
            ),
        ),
    ),
    Guarantee(
        "A large export's link opens for the one who asked for it, and nobody else",
        [
            "tests/test_exports.py::"
            "test_a_large_export_is_built_by_a_task_and_emailed_to_its_owner_alone"
        ],
        "reports/staff_views.py",
        "    export = Export.objects.filter(token=token, owner=request.user).first()\n",
        "    export = Export.objects.filter(token=token).first()\n",
    ),
    Guarantee(
        "An unchanged open data answer is a 304 without a body",
        ["tests/test_open_data_api.py::test_an_unchanged_answer_is_a_304_without_a_body"],
        "api/http.py",
        "            set_response_etag(response)\n",
        "",
    ),
    Guarantee(
        "A network (an IPv4 address, an IPv6 /64) is turned away with a 429 past its rate "
        "limit, whatever X-Forwarded-For it forges",
        [
            "tests/test_rate_limits.py::test_it_limits_signatures_per_ipv4_address",
            "tests/test_rate_limits.py::"
            "test_it_counts_every_address_of_an_ipv6_slash_64_as_one_network",
            "tests/test_rate_limits.py::test_a_forged_forwarded_header_does_not_escape_the_limit",
        ],
        "abuse/limits.py",
        "            keys.append((scope, network_key(request)))\n",
        "            pass\n",
    ),
    Guarantee(
        "One address is sent at most EMAIL_DAILY_CAP_PER_ADDRESS emails a day through the "
        "outbox, whoever asks for them and however",
        [
            "tests/test_email_cap.py::"
            "test_every_source_together_never_exceeds_the_cap_and_the_next_day_starts_again"
        ],
        "core/outbox.py",
        "        if message is not None and row.counts_against_daily_cap():\n",
        "        if False:\n",
    ),
    Guarantee(
        "A form sent with its honeypot filled gets a person's answer, and nothing is written "
        "or emailed",
        [
            "tests/test_honeypot.py::test_a_filled_pledge_form_is_answered_as_ana_is_and_writes_nothing",
            "tests/test_honeypot.py::test_a_filled_new_link_form_sends_nothing",
            "tests/test_honeypot.py::test_a_filled_launch_sign_up_writes_nothing",
        ],
        "abuse/forms.py",
        'return bool(self.is_bound and self.data.get(self.add_prefix(TRAP_FIELD), "").strip())',
        "return False",
    ),
    Guarantee(
        "An address at a disposable email domain, or under one, is refused with a form error",
        [
            "tests/test_disposable_domains.py::test_the_pledge_form_refuses_a_disposable_address",
            "tests/test_disposable_domains.py::test_the_new_link_form_refuses_a_disposable_address",
            "tests/test_disposable_domains.py::"
            "test_the_launch_sign_up_refuses_a_disposable_address",
            "tests/test_disposable_domains.py::test_signing_in_or_up_refuses_a_disposable_address",
        ],
        "abuse/forms.py",
        "    if is_disposable(domain):\n",
        "    if False:\n",
    ),
    Guarantee(
        "No inline script or style in any template or page, and a CSP that would refuse one"
        " (no 'unsafe-inline')",
        ["tests/test_strict_csp.py"],
        "templates/base.html",
        '  <link rel="stylesheet" href="{% static \'css/site.css\' %}">\n',
        "  <style>body { margin: 0 }</style>\n"
        '  <link rel="stylesheet" href="{% static \'css/site.css\' %}">\n',
        also=(
            (
                "config/settings.py",
                '    "default-src": [CSP.SELF],\n',
                '    "default-src": [CSP.SELF],\n    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],\n',
            ),
        ),
    ),
    Guarantee(
        "Cross-Origin-Resource-Policy is same-origin by default: other sites load only the"
        " widgets, badge and share images and the API",
        [
            "tests/test_security_headers.py::test_each_kind_of_response_carries_the_headers",
            "tests/test_browser_resource_policy.py::test_another_site_gets_nothing_else_of_ours",
        ],
        "core/headers.py",
        "        response.headers.setdefault(RESOURCE_POLICY, "
        "settings.CROSS_ORIGIN_RESOURCE_POLICY)\n",
        "",
    ),
    Guarantee(
        "The tokens of links are redacted from gunicorn's access log (real gunicorn, real HTTP)",
        ["tests/test_gunicorn_access_log.py"],
        "config/gunicorn.py",
        "                atoms[name] = redact(atoms[name])\n",
        "                atoms[name] = atoms[name]\n",
    ),
    Guarantee(
        "The tokens of links are redacted from Django's request log (the 404 and 410 pages)",
        ["tests/test_log_redaction.py::test_a_404_or_410_logs_the_path_without_its_token"],
        "config/settings.py",
        '        "django.request": {"filters": ["redact_secrets"]},\n',
        "",
    ),
    Guarantee(
        "No address in the logs even where a template's debug line would repeat its context",
        [
            "tests/test_log_privacy.py::"
            "test_no_address_name_or_token_reaches_the_logs_on_every_other_way_in"
        ],
        "config/settings.py",
        '        "django.template": {"filters": ["without_template_context"]},\n',
        "",
    ),
    Guarantee(
        "While the database is down a request gets a translated 503 page, and saves no part "
        "of a signature",
        [
            "tests/test_database_unavailable.py::test_it_answers_a_translated_503_and_saves_nothing",
            "tests/test_database_restart.py",
        ],
        "config/settings.py",
        'MIDDLEWARE.append("core.middleware.DatabaseUnavailableMiddleware")\n',
        "",
    ),
    Guarantee(
        "Only an unreachable database gets the 503 page; any other database error is a 500",
        ["tests/test_database_unavailable.py::test_any_other_database_error_is_still_a_500"],
        "core/middleware.py",
        "    if state == _NOT_PSYCOPG:\n        return False\n    return state is None or",
        "    return True or",
    ),
    Guarantee(
        "After a database restart the site recovers without a restart of its own, and the "
        "first request succeeds",
        ["tests/test_database_restart.py"],
        "config/env.py",
        '"CONN_HEALTH_CHECKS": True,',
        '"CONN_HEALTH_CHECKS": False,',
    ),
    Guarantee(
        "A task whose worker is killed mid-run is delivered again, and its effect happens once",
        ["tests/test_task_redelivered.py"],
        "config/settings.py",
        "CELERY_TASK_ACKS_LATE = True\n",
        "CELERY_TASK_ACKS_LATE = False\n",
    ),
    Guarantee(
        "A task whose pool process is killed is handed back at once, and its effect happens once",
        [
            "tests/test_task_redelivered.py::"
            "test_a_task_whose_pool_process_is_killed_is_handed_back_at_once"
        ],
        "config/settings.py",
        "CELERY_TASK_REJECT_ON_WORKER_LOST = True\n",
        "CELERY_TASK_REJECT_ON_WORKER_LOST = False\n",
    ),
    Guarantee(
        "No recipient is lost, nor sent an update twice, when Redis stops mid-update",
        [
            "tests/test_redis_outage.py::"
            "test_nobody_is_lost_or_sent_twice_when_redis_stops_mid_update"
        ],
        "mailings/sending.py",
        "Q(progressed_at__isnull=True) | Q(progressed_at__lte=now - STALL)",
        "Q(progressed_at__isnull=True)",
    ),
    Guarantee(
        "/readyz answers 503 when the database, the cache or the broker is down",
        [
            "tests/test_health.py::test_readyz_fails_when_the_broker_is_down",
            "tests/test_health.py::test_readyz_fails_when_the_cache_is_down",
            "tests/test_health.py::test_readyz_fails_when_the_database_is_down",
        ],
        "campaign/views.py",
        "    return JsonResponse(checks, status=200 if ready else 503)\n",
        "    return JsonResponse(checks)\n",
    ),
    Guarantee(
        "/readyz answers within about 2 s even when Redis accepts connections and never answers",
        ["tests/test_health.py::test_readyz_answers_within_its_timeout_when_redis_hangs"],
        "campaign/views.py",
        "    queue = _queue_prober.submit(_queue_depth)\n",
        "    queue = _queue_prober.submit(_queue_depth)\n    queue.exception()\n",
    ),
    Guarantee(
        "A burst of signatures from one network holds all its pledges, confirmed ones too",
        [
            "tests/test_suspicion.py::"
            "test_a_burst_holds_every_pledge_of_the_window_and_the_counts_drop_exactly"
        ],
        "abuse/suspicion.py",
        "        suspects.append(Q(network_key=network_key, signed_at__gt=window_start))\n",
        "        pass\n",
    ),
    Guarantee(
        "A suspect pledge adds nothing to the counts when it is confirmed",
        [
            "tests/test_suspicion.py::test_confirming_a_suspect_counts_nothing_and_looks_the_same",
            "tests/test_review_race.py::test_a_restore_during_a_confirmation_counts_it_once",
        ],
        "pledges/models.py",
        "            if updated and _standing_of(self.pk) == Pledge.Standing.COUNTED:\n",
        "            if updated:\n",
    ),
    Guarantee(
        "A bulk review changes the counts exactly, even while confirmations land",
        ["tests/test_review_race.py"],
        "pledges/models.py",
        '                .select_for_update()\n                .order_by("pk")\n',
        '                .order_by("pk")\n',
    ),
    Guarantee(
        "Erasure keeps a pledge's standing: an erased suspect stays uncounted",
        ["tests/test_suspicion.py::test_erasing_a_suspect_keeps_it_uncounted"],
        "pledges/models.py",
        '                "standing": current.standing,\n',
        "",
    ),
    Guarantee(
        "The network a signature came from is forgotten 30 days after it",
        ["tests/test_network_retention.py"],
        "pledges/services.py",
        "    networks = suspicion.forget_networks(now)\n",
        "    networks = 0\n",
    ),
    Guarantee(
        "Only administrators review suspect pledges",
        ["tests/test_review.py::test_only_administrators_review"],
        "accounts/rules.py",
        '    "review_suspects": {Role.ADMINISTRATOR},',
        '    "review_suspects": {Role.MODERATOR, Role.ORGANISER, Role.ADMINISTRATOR},',
    ),
    Guarantee(
        "A rejected public form writes nothing, whatever is sent (fuzzed)",
        [
            "tests/test_fuzz_forms.py::test_signing_never_fails_and_writes_at_most_its_request",
            "tests/test_fuzz_forms.py::test_a_signature_is_taken_exactly_when_its_form_is_valid",
        ],
        "pledges/views.py",
        "    if not form.is_valid():\n"
        '        return render(request, "pledges/pledge.html", {"form": form}, status=400)\n',
        # Validated, but the verdict ignored: what validated is written.
        "    form.is_valid()\n",
    ),
    Guarantee(
        "A request in a charset other than UTF-8 is a 400, never a 500",
        ["tests/test_request_charset.py"],
        "config/wsgi.py",
        "application = utf8_only(get_wsgi_application())",
        "application = get_wsgi_application()",
    ),
    Guarantee(
        "A token reader answers any string with a bad token, never another error",
        ["tests/test_fuzz_tokens.py"],
        "pledges/tokens.py",
        "    if not token.isascii():\n",
        "    if False:\n",
        also=(
            ("campaign/tokens.py", "    if not token.isascii():\n", "    if False:\n"),
            ("mailings/tokens.py", "    if not token.isascii():\n", "    if False:\n"),
        ),
    ),
    Guarantee(
        "The open data API reads a date only as YYYY-MM-DD, as its document says",
        [
            "tests/test_open_data_api.py::test_a_date_not_written_yyyy_mm_dd_is_a_400_not_the_unix_epoch",
            "tests/test_open_data_api.py::"
            "test_every_operation_refuses_what_the_document_forbids_without_a_server_error",
        ],
        "api/v1.py",
        "BeforeValidator(_full_date), ",
        "",
    ),
    Guarantee(
        "The open data API refuses a day near the ends of the calendar with a 400, not a 500",
        ["tests/test_open_data_api.py::test_a_day_at_the_ends_of_the_calendar_is_a_400_not_a_500"],
        "api/v1.py",
        ", AfterValidator(_in_the_years)",
        "",
    ),
    Guarantee(
        "A POST whose body Django refused gets its error page, never a chain of errors",
        ["tests/test_error_pages.py"],
        "config/urls.py",
        "handler404 = errors.page_not_found\n",
        "",
    ),
    Guarantee(
        "The language links are at least 24 by 24 CSS pixels, in every language, on a phone too",
        ["tests/test_accessibility.py::test_the_language_links_are_at_least_24_by_24_css_pixels"],
        "static/css/site.css",
        ".languages a { display: inline-block; padding-block: 0.25rem; "
        "padding-inline: 0.25rem; }\n",
        "",
    ),
    Guarantee(
        "Every invalid field is linked to its error, a group of radio buttons through its fieldset",
        ["tests/test_form_errors.py"],
        "templates/core/staff/includes/_choices.html",
        '{% if field.help_text or field.errors %} aria-describedby="{% if field.help_text %}'
        "{{ field.auto_id }}_helptext{% endif %}{% if field.help_text and field.errors %} "
        '{% endif %}{% if field.errors %}{{ field.auto_id }}_error{% endif %}"{% endif %}',
        '{% if field.help_text %} aria-describedby="{{ field.auto_id }}_helptext"{% endif %}',
    ),
    Guarantee(
        "A first visit goes to the browser's language; a click on English stays English",
        ["tests/test_language_negotiation.py"],
        "core/languages.py",
        '        return site == "same-origin"\n',
        "        return False\n",
        also=(("config/settings.py", '    "core.languages.first_visit_language",\n', ""),),
    ),
    Guarantee(
        "Arabic pages, emails and badges run right to left",
        ["tests/test_rtl.py"],
        "templates/base.html",
        'dir="{% if LANGUAGE_BIDI %}rtl{% else %}ltr{% endif %}"',
        'dir="ltr"',
        also=(
            (
                "templates/emails/base.html",
                'dir="{% if LANGUAGE_BIDI %}rtl{% else %}ltr{% endif %}"',
                'dir="ltr"',
            ),
            (
                "templates/badges/badge.svg",
                ' direction="{% if bidi %}rtl{% else %}ltr{% endif %}"',
                "",
            ),
        ),
    ),
    Guarantee(
        "A request refused for its network's rate limit counts nothing against its address",
        [
            "tests/test_rate_limits.py::"
            "test_a_request_refused_for_its_network_counts_nothing_against_its_address"
        ],
        "abuse/limits.py",
        "  if n > tonumber(ARGV[2 * i - 1]) then return i end\n",
        "  if over == 0 and n > tonumber(ARGV[2 * i - 1]) then over = i end\n",
        also=(
            (
                "abuse/limits.py",
                "for i, key in ipairs(KEYS) do\n",
                "local over = 0\nfor i, key in ipairs(KEYS) do\n",
            ),
            ("abuse/limits.py", 'return 0\n"""', 'return over\n"""'),
        ),
    ),
    Guarantee(
        "Confirming finds the supporter's account by an index probe, not a scan of every account",
        [
            "tests/test_supporter_account.py::"
            "test_it_finds_the_account_with_an_index_not_by_reading_every_account"
        ],
        "accounts/services.py",
        "address = EmailAddress.objects.lookup([email]).select_for_update().first()",
        "address = EmailAddress.objects.select_for_update().filter(email__iexact=email).first()",
        also=(("accounts/services.py", '        .exclude(email="")\n', ""),),
    ),
    Guarantee(
        "A crowd of signatures queues one run, not a task each",
        ["tests/test_sign_wakes.py", "tests/test_race.py"],
        "pledges/services.py",
        "transaction.on_commit(lambda: queue.wake(APPLY_WAITING_TASK))",
        "transaction.on_commit(lambda: queue.publish(APPLY_WAITING_TASK))",
    ),
    Guarantee(
        "A signature saved after a run read its work wakes a new run",
        [
            "tests/test_sign_wakes.py::"
            "test_it_wakes_a_new_run_for_a_signature_saved_after_the_run_read_its_work"
        ],
        "pledges/services.py",
        "    queue.woken(APPLY_WAITING_TASK)  # before reading: see core.queue.wake\n",
        "",
    ),
    Guarantee(
        "One request that fails does not hold up the requests after it",
        ["tests/test_sign_wakes.py::test_it_applies_the_rest_when_one_request_fails"],
        "pledges/services.py",
        "            try:\n                pledge_ids += apply_requests([request_id], now)\n"
        "            except Exception:",
        "            pledge_ids += apply_requests([request_id], now)\n            if False:",
    ),
    Guarantee(
        "Two runs applying signatures at once never both judge one (no deadlock between them)",
        [
            "tests/test_race.py::"
            "test_it_leaves_a_signature_another_run_took_after_the_merge_to_that_run"
        ],
        "pledges/services.py",
        "PledgeRequest.objects.select_for_update(skip_locked=True)\n"
        "                    .filter(pk=request.pk)\n"
        "                    .exists()",
        "PledgeRequest.objects.filter(pk=request.pk).exists()",
    ),
    Guarantee(
        "A crowd confirming wakes one batch of welcome emails, not a task each",
        ["tests/test_welcome_wakes.py::test_it_wakes_one_batch_for_confirmations_before_it_starts"],
        "mailings/sending.py",
        "transaction.on_commit(lambda: queue.wake(SEND_TASK, mailing.pk))",
        "transaction.on_commit(lambda: queue.publish(SEND_TASK, mailing.pk))",
    ),
    Guarantee(
        "A welcome owed after a batch claimed its rows wakes a new batch",
        [
            "tests/test_welcome_wakes.py::"
            "test_it_wakes_a_new_batch_for_a_confirmation_after_the_batch_claimed_its_rows"
        ],
        "mailings/sending.py",
        "    queue.woken(SEND_TASK, mailing_id)  # before claiming: see core.queue.wake\n",
        "",
    ),
    Guarantee(
        "Today's rows for the figures over time are a short range of an index led by time",
        [
            "tests/test_counts_over_time_rollup.py::"
            "test_it_finds_today_s_rows_at_the_end_of_an_index_that_leads_with_time"
        ],
        "pledges/migrations/0011_day_country_idx.py",
        "fields=['confirmed_at', 'country'], name='pledges_pledge_day_country_idx'",
        "fields=['country', 'confirmed_at'], name='pledges_pledge_day_country_idx'",
    ),
]


def run_tests(tests: list[str]) -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.returncode == 0


def check(guarantee: Guarantee) -> str:
    places = [(guarantee.path, guarantee.keeps_it, guarantee.without), *guarantee.also]
    originals = {}
    for relative, keeps_it, _without in places:
        path = ROOT / relative
        text = originals.setdefault(path, path.read_text())
        found = text.count(keeps_it)
        if found != 1:
            return f"STALE: the code that keeps it was found {found} times in {relative}"
    if not run_tests(guarantee.tests):
        return "FAILS even with the code in place"
    try:
        changed = dict(originals)
        for relative, keeps_it, without in places:
            path = ROOT / relative
            changed[path] = changed[path].replace(keeps_it, without)
        for path, text in changed.items():
            path.write_text(text)
        caught = not run_tests(guarantee.tests)
    finally:
        for path, text in originals.items():
            path.write_text(text)
    return "caught" if caught else "MISSED: the tests still pass without it"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", default="", help="only guarantees whose promise contains this")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/blueheart")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")  # as make test
    failures = 0
    for guarantee in GUARANTEES:
        if args.k.lower() not in guarantee.promise.lower():
            continue
        started = time.monotonic()
        verdict = check(guarantee)
        failures += verdict != "caught"
        print(
            f"{verdict:8.8} {time.monotonic() - started:5.1f}s  {guarantee.promise}\n"
            f"{'':16}{' '.join(guarantee.tests)}"
            + ("" if verdict == "caught" else f"\n{'':16}{verdict}"),
            flush=True,
        )
    print(f"{failures} of the guarantees were not proven" if failures else "every guarantee proven")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
