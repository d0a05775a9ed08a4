"""Every page passes an axe-core audit (WCAG 2.2 A and AA) in Chromium, in each of
the site's languages: `audit()` opens an address in every one of them, and the forms
with errors are audited in every language too (`audit_after()`)."""

import os
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image

from campaign.models import Country
from campaign.tokens import make_launch_token
from core.languages import path_in_language
from mailings.models import Delivery, Mailing, MailingText
from pledges import wall
from pledges.tokens import make_confirm_token
from tests import content, published
from tests.conftest import make_pledge
from tests.launch import subscribe, upcoming_country
from tests.signin import code_in, sign_in_in_browser
from tests.staff import enable_mfa, make_persona, make_user

# allauth's emails go through the outbox: the tasks run in-process here.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("eager_tasks"),
]

# WCAG 2.2 adds, among others, target-size (24 by 24 CSS pixels, wcag22aa).
AUDIT = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"],
    }
}
LANGUAGES = [code for code, _name in settings.LANGUAGES]


@pytest.fixture
def page(browser):
    # axe is injected as a script, which our Content-Security-Policy rightly forbids.
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


def in_each_language(url):
    """The address in every language, its own last, so that what a test checks after
    auditing is the page it asked for. The widgets under /embed/ take theirs from ?lang=."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    if path.startswith("/embed/"):
        params = dict(parse_qsl(query))
        own = params.get("lang", settings.LANGUAGE_CODE)
        addresses = {
            code: urlunsplit((scheme, netloc, path, urlencode(params | {"lang": code}), fragment))
            for code in LANGUAGES
        }
    else:
        own = next(code for code in LANGUAGES if path_in_language(path, code) == path)
        addresses = {
            code: urlunsplit((scheme, netloc, path_in_language(path, code), query, fragment))
            for code in LANGUAGES
        }
    return [(code, addresses[code]) for code in LANGUAGES if code != own] + [(own, addresses[own])]


def audit(page, url):
    """Open the page in every language and audit each."""
    for _language, address in in_each_language(url):
        # (A staff preview is in its content's language: no check of <html lang> here.)
        response = page.goto(address)
        assert response.status < 500, address
        audit_as_shown(page)


def audit_after(page, url, act):
    """In every language: open the page, do `act(page)` (send a form with errors, say;
    by selectors, not by wording, which changes with the language) and audit the result."""
    for language, address in in_each_language(url):
        page.goto(address)
        act(page)
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == language, page.url
        audit_as_shown(page)


def audit_as_shown(page):
    """Audit the page as it is now (after a click, say)."""
    results = Axe().run(page, options=AUDIT)
    found = [
        f"{violation['id']}: {node['html']}\n  {node['failureSummary']}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]
    assert not found, f"{page.url}\n" + "\n".join(found)


def submit(form="main form"):
    """Sends the first form matching `form` with its first submit button."""

    def act(page):
        page.locator(form).first.locator('[type="submit"]').first.click()

    return act


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/pledge/",
        "/pledge/sent/",
        "/confirm/new-link/",
        "/confirm/not-a-token/",
        "/privacy/",
        "/wall/",
        "/accounts/login/",
        "/accounts/login/code/",
        "/accounts/signup/",
        "/widgets/",
        "/pt/widgets/?country=PT&lang=pt",
        "/widgets/?country=XX",
        "/embed/counter/",
        "/embed/counter/?country=PT&lang=pt",
        "/embed/counter/?country=XX",
    ],
)
def test_it_passes_the_audit(page, live_server, path):
    audit(page, live_server.url + path)


@pytest.mark.parametrize(
    "path",
    [
        "/learn/",
        "/learn/get-help/",
        "/countries/",
        "/countries/es/",
        "/pt/countries/pt/",
    ],
)
def test_the_information_and_country_pages_pass_the_audit(page, live_server, path):
    published.spain(supporter_goal=1000)  # launched, with a goal; Portuguese falls back
    published.portugal()  # upcoming, no goal
    make_pledge("bruno@example.org", "ES")
    published.page(
        "get-help",
        texts={
            "en": {
                "title": "Get help",
                "summary": "Who to call.",
                "body": "# In an emergency\n\nCall **112**.[^1]\n\n[^1]: The EU, 2011",
            }
        },
    )
    audit(page, live_server.url + path)


def test_the_confirmation_and_thank_you_pages_pass_the_audit(page, live_server):
    pledge = make_pledge("ana@example.org", "PT", confirmed=False, display_name="Ana Silva")
    url = f"{live_server.url}/confirm/{make_confirm_token(pledge.public_id)}/"
    audit(page, url)
    page.get_by_role("button", name="Confirm my pledge").click()
    page.wait_for_load_state()
    assert "Thank you" in page.content()
    assert "Appear on the supporters' wall?" in page.content()
    audit_as_shown(page)
    # Her answer to the wall question, and the page that says what it recorded.
    page.get_by_label("Show me on the supporters' wall of this site, with my country").check()
    page.get_by_role("button", name="Save my choice").click()
    page.wait_for_load_state()
    assert "Your choice is saved" in page.content()
    audit_as_shown(page)


def test_a_wall_choice_that_is_not_saved_passes_the_audit(page, live_server):
    pledge = make_pledge("ana@example.org", "PT", confirmed=False, display_name="Ana Silva")
    page.goto(f"{live_server.url}/confirm/{make_confirm_token(pledge.public_id)}/")
    page.get_by_role("button", name="Confirm my pledge").click()
    page.wait_for_load_state()
    page.locator('input[name="choice"]').evaluate("input => { input.value = 'forged' }")
    page.get_by_role("button", name="Save my choice").click()
    page.wait_for_load_state()
    assert "Your choice was not saved" in page.content()
    audit_as_shown(page)


def test_the_supporters_wall_passes_the_audit(page, live_server):
    published.spain()
    names = ["Ana Silva", "محمد الأحمد", "王芳", "Ольга", "Zoë 💙"]
    for n in range(wall.PAGE_SIZE + 1):
        supporter = make_pledge(f"s{n}@example.org", "ES", display_name=names[n % len(names)])
        supporter.choose_wall(on_wall=True, show_publicly=n % 3 != 0, now=timezone.now())
    for path in ["/", "/wall/", "/wall/2/", "/countries/es/", "/countries/es/wall/"]:
        audit(page, live_server.url + path)
        assert "wall-name" in page.content(), path


def test_the_badge_page_passes_the_audit(page, live_server, tmp_path):
    pledge = make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    audit(page, f"{live_server.url}/badge/{pledge.public_id}/")
    # The badge itself arrived, whole (and the page's policy let it in).
    badge = page.locator("figure.badge img")
    assert badge.evaluate("image => image.complete && image.naturalWidth") == 1080
    # The photo frame, shown by its script, once with a framed photo to download.
    assert page.locator("#frame").is_visible()
    photo = tmp_path / "photo.png"
    Image.new("RGB", (800, 600), (230, 120, 20)).save(photo)
    page.locator("#frame-photo").set_input_files(photo)
    page.locator("#frame a[download]:not([hidden])").wait_for()
    audit_as_shown(page)
    withdrawn = make_pledge("bruno@example.org", "ES", display_name="Bruno García")
    withdrawn.withdraw_badge(timezone.now())
    audit(page, f"{live_server.url}/badge/{withdrawn.public_id}/")


def test_the_confirmation_page_with_errors_passes_the_audit(page, live_server):
    pledge = make_pledge("ana@example.org", "PT", confirmed=False, display_name="Ana Silva")
    url = f"{live_server.url}/confirm/{make_confirm_token(pledge.public_id)}/"
    audit_after(page, url, without_a_name)
    assert "Please correct the errors below." in page.content()


def without_a_name(page):
    page.locator("#id_display_name").fill("")
    submit()(page)


def test_a_form_with_errors_passes_the_audit(page, live_server):
    audit_after(page, live_server.url + "/pledge/", submit(".pledge-form"))
    assert "Please correct the errors below." in page.content()


def test_the_sign_in_and_sign_up_forms_with_errors_pass_the_audit(page, live_server):
    for path in ["/accounts/login/", "/accounts/signup/", "/accounts/login/code/"]:
        audit_after(page, live_server.url + path, submit())  # with no address
        assert "Please correct the errors below." in page.content(), path


def signed_in(page, live_server, email):
    """Give the browser the session of the account with this address."""
    client = Client()
    client.force_login(make_user(email))
    page.context.add_cookies(
        [
            {"name": name, "value": morsel.value, "url": live_server.url}
            for name, morsel in client.cookies.items()
        ]
    )


def signed_in_staff(page, live_server, persona):
    """Give the browser the session of a staff persona with MFA set up."""
    user = make_persona(persona)
    enable_mfa(user)
    signed_in(page, live_server, user.email)
    return user


def test_the_country_editor_passes_the_audit(page, live_server):
    paula = signed_in_staff(page, live_server, "moderator_pt")
    content.country_text("PT", "pt", paula, headline="Antes", body="Um\nDois")
    content.country_text("PT", "pt", paula, headline="Depois", body="Um\nTrês")
    # With an image, the settings form offers to change or remove it.
    Country.objects.filter(code="PT").update(hero_image="heroes/beach.webp")
    base = live_server.url + "/staff/"
    for path in ["", "countries/", "countries/pt/", "countries/pt/history/"]:
        audit(page, base + path)
    audit(page, base + "countries/pt/translations/pt/preview/")
    # The Portuguese page as the public will see it, banner included.
    assert "Pré-visualização do rascunho." in page.content()
    audit(page, base + "countries/pt/translations/pt/")
    page.get_by_label("Headline").fill("")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_load_state()
    assert "Please correct the errors below." in page.content()
    audit_as_shown(page)
    audit(page, base + "countries/pt/")
    page.get_by_label("Supporter goal").fill("0")
    page.get_by_role("button", name="Save the settings").click()
    page.wait_for_load_state()
    assert "A goal is at least one supporter." in page.content()
    audit_as_shown(page)


def test_an_administrator_s_country_list_passes_the_audit(page, live_server):
    signed_in_staff(page, live_server, "administrator")
    audit(page, live_server.url + "/staff/countries/")


def test_the_exports_page_passes_the_audit_with_and_without_errors(page, live_server):
    signed_in_staff(page, live_server, "organiser")
    audit(page, live_server.url + "/staff/exports/")

    # A range that ends before it starts: the form again, with its error.
    def backwards(page):
        page.locator("#id_start").fill("2026-02-01")
        page.locator("#id_end").fill("2026-01-01")
        submit()(page)

    audit_after(page, live_server.url + "/staff/exports/", backwards)
    assert "The end date is before the start date." in page.content()


def test_the_information_page_editor_passes_the_audit(page, live_server):
    olga = signed_in_staff(page, live_server, "organiser")
    info = content.info_page("audit-page")
    content.page_text(info, "en", olga, title="A page", body="Text")
    content.page_text(info, "en", olga, title="A page", body="Text, changed")
    base = f"{live_server.url}/staff/pages/"
    for path in ["", "audit-page/", "audit-page/translations/en/", "audit-page/history/"]:
        audit(page, base + path)
    audit(page, base + "audit-page/translations/en/preview/")


def test_the_campaign_update_pages_pass_the_audit(page, live_server):
    signed_in_staff(page, live_server, "organiser")
    base = live_server.url + "/staff/updates/"
    audit(page, base + "new/")
    page.get_by_role("button", name="Save the draft").click()  # no text at all
    page.wait_for_load_state()
    assert "Please correct the errors below." in page.content()
    audit_as_shown(page)
    page.get_by_label("Country").select_option("PT")
    page.locator("#id_subject_pt").fill("Novidades")
    page.locator("#id_body_pt").fill("Olá **a todos**.")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url("**/staff/updates/*/")
    audit_as_shown(page)
    update = Mailing.objects.get(kind=Mailing.Kind.UPDATE)
    audit(page, base)
    audit(page, f"{base}{update.pk}/preview/pt/")
    assert "<strong>a todos</strong>" in page.content()
    # Scheduling in the past: the send form with its error.
    page.goto(f"{base}{update.pk}/")
    page.get_by_label("At a date and time").check()
    page.get_by_label("Date and time (UTC)").fill("2020-01-01T09:00")
    page.get_by_role("button", name="Send the update").click()
    page.wait_for_load_state()
    assert "Please choose a time in the future." in page.content()
    audit_as_shown(page)


def test_the_progress_page_passes_the_audit_and_moves_without_reloading(page, live_server):
    signed_in_staff(page, live_server, "organiser")
    update = Mailing.objects.create(kind=Mailing.Kind.UPDATE, state=Mailing.State.SENDING)
    MailingText.objects.create(mailing=update, language="en", subject="News", body="Hello.")
    deliveries = [
        Delivery.objects.create(
            mailing=update, pledge=make_pledge(f"s{n}@example.org", "PT", wants_updates=True)
        )
        for n in range(4)
    ]
    Mailing.objects.filter(pk=update.pk).update(fanned_out_at=timezone.now(), total=4)
    audit(page, f"{live_server.url}/staff/updates/{update.pk}/progress/")
    assert "0 of 4 emails sent (0%)" in page.locator(".progress-text").inner_text()
    # Two are sent meanwhile: the script shows it, the page is not reloaded.
    page.evaluate("window.sameDocument = true")
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries[:2]]).update(state=Delivery.State.SENT)
    page.locator(".progress-text", has_text="2 of 4 emails sent (50%)").wait_for(timeout=10_000)
    assert page.locator("progress").evaluate("bar => [bar.value, bar.max]") == [2, 4]
    assert page.evaluate("window.sameDocument") is True
    audit_as_shown(page)


@pytest.mark.parametrize("confirmed", [True, False], ids=["confirmed", "pending"])
def test_my_pledge_passes_the_audit(page, live_server, confirmed):
    make_pledge("ana@example.org", "PT", display_name="Ana Silva", confirmed=confirmed)
    signed_in(page, live_server, "ana@example.org")
    audit(page, live_server.url + "/my-pledge/")
    shown = "Save my changes" if confirmed else "waits for confirmation"
    assert shown in page.content()


def test_my_pledge_without_a_pledge_and_the_delete_page_pass_the_audit(page, live_server):
    signed_in(page, live_server, "sara@example.org")
    audit(page, live_server.url + "/pt/my-pledge/")
    audit(page, live_server.url + "/my-pledge/delete/")
    audit_after(page, live_server.url + "/my-pledge/delete/", submit())  # the box not ticked
    assert "Please correct the errors below." in page.content()


def test_the_sign_in_code_page_passes_the_audit_with_and_without_errors(page, live_server):
    make_user("ana@example.org")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("ana@example.org")
    page.get_by_role("button", name="Email me a sign-in code").click()
    page.wait_for_url("**/accounts/login/code/confirm/")
    audit_as_shown(page)
    page.get_by_label("Code").fill("AAAA-AAAA")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    assert "Incorrect code." in page.content()
    audit_as_shown(page)


def test_my_pledge_with_errors_passes_the_audit(page, live_server):
    make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    signed_in(page, live_server, "ana@example.org")
    audit_after(page, live_server.url + "/my-pledge/", without_a_name)
    assert "Please correct the errors below." in page.content()


def test_the_account_and_two_factor_pages_pass_the_audit(page, live_server):
    make_user("marta@example.org")
    sign_in_in_browser(page, live_server.url, "marta@example.org")
    for path in ["/accounts/email/", "/accounts/2fa/", "/accounts/logout/"]:
        audit(page, live_server.url + path)
    # Setting up an authenticator app: confirming access first, then the app's page.
    audit(page, live_server.url + "/accounts/2fa/totp/activate/")
    assert "/accounts/reauthenticate/code/" in page.url
    page.get_by_role("button", name="Request Code").click()
    page.wait_for_url("**/accounts/reauthenticate/code/confirm/?*")
    audit_as_shown(page)
    page.get_by_label("Code").fill(code_in(mail.outbox[-1]))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    audit_as_shown(page)


def test_the_audit_catches_a_broken_page(page):
    # Guards the guard: an image without alt text and an unlabelled field must fail.
    page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
    results = Axe().run(page, options=AUDIT)
    assert {v["id"] for v in results.response["violations"]} >= {"image-alt", "label"}


def test_the_launch_signup_pages_pass_the_audit(page, live_server):
    portugal = upcoming_country("PT", launch_date=date(2027, 4, 15))
    audit(page, live_server.url + "/pt/countries/pt/notify/")
    audit(page, live_server.url + "/countries/pt/notify/")
    page.get_by_role("button", name="Tell me when it launches").click()  # no address
    page.wait_for_load_state()
    assert "Please correct the errors below." in page.content()
    audit_as_shown(page)
    page.get_by_label("Your email").fill("ana@example.org")
    page.get_by_role("button", name="Tell me when it launches").click()
    page.wait_for_url("**/countries/pt/notify/sent/")
    audit_as_shown(page)

    carla = subscribe("carla@example.org", portugal, confirmed=False)
    audit(page, f"{live_server.url}/countries/notify/{make_launch_token(carla.public_id)}/")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    assert "You are on the list" in page.content()
    audit_as_shown(page)

    dora = subscribe("dora@example.org", portugal, confirmed=False)
    with time_machine.travel(timezone.now() - timedelta(days=15)):
        old_token = make_launch_token(dora.public_id)
    audit(page, f"{live_server.url}/countries/notify/{old_token}/")
    assert "This link has expired" in page.content()
    audit(page, live_server.url + "/countries/notify/not-a-token/")

    Country.objects.filter(pk=portugal.pk).update(status=Country.Status.LAUNCHED)
    audit(page, live_server.url + "/countries/pt/notify/")
    assert "has launched" in page.content()


def test_the_email_footer_pages_pass_the_audit(page, live_server):
    from mailings.tokens import make_token

    pledge = make_pledge("ana@example.org", "PT", display_name="Ana Silva", wants_updates=True)
    token = make_token(pledge.public_id)
    audit(page, f"{live_server.url}/pt/email-preferences/{token}/")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_load_state()
    assert "As suas escolhas foram guardadas." in page.content()
    audit_as_shown(page)
    audit(page, f"{live_server.url}/unsubscribe/{token}/")
    page.get_by_role("button", name="Unsubscribe").click()
    page.wait_for_load_state()
    assert "You are unsubscribed" in page.content()
    audit_as_shown(page)
    audit(page, f"{live_server.url}/es/unsubscribe/not-a-token/")
    assert "Este enlace ya no funciona" in page.content()


def test_the_dashboard_passes_the_audit(page, live_server, tmp_path):
    """With made-up pledges, for an organiser (the world) and a moderator (her
    country), with and without a date range; and a screenshot for docs/."""
    with override_settings(DEBUG=True):
        call_command("generate_pledges", "1500", "--seed", "11", "--years", "1", stdout=StringIO())
    Country.objects.filter(code="PT").update(supporter_goal=500)
    signed_in_staff(page, live_server, "organiser")
    base = live_server.url + "/staff/dashboard/"
    audit(page, base)
    # The figures in their tables, shown, as someone reading them would.
    for summary in page.locator("details.series-data > summary").all():
        summary.click()
    audit_as_shown(page)
    audit(page, base)  # again, the tables folded, as it first shows
    page.set_viewport_size({"width": 1280, "height": 900})
    # The picture in docs/ is this one: taken on every run, kept only when asked
    # (UPDATE_SCREENSHOTS=1), so a test run never changes the checkout.
    shot = page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert Image.open(tmp_path / "dashboard.png").size[0] == 1280
    if os.environ.get("UPDATE_SCREENSHOTS"):
        (Path(__file__).resolve().parent.parent / "docs" / "dashboard.png").write_bytes(shot)
    audit(page, base + "?from=2026-01-01&to=2026-03-31&country=PT&sort=progress&dir=asc")
    page.goto(base + "?from=2026-02-30")
    assert "Enter a valid date." in page.content()
    audit_as_shown(page)
    page.context.clear_cookies()
    signed_in_staff(page, live_server, "moderator_pt")
    audit(page, base)
    audit(page, base + "?from=2026-06-01&to=2026-06-30")


@pytest.mark.parametrize("width", [360, 1280], ids=["phone", "desktop"])
def test_the_language_links_are_at_least_24_by_24_css_pixels(page, live_server, width):
    # WCAG 2.5.8: a name alone is about 19 px tall; the header's padding makes the target.
    page.set_viewport_size({"width": width, "height": 800})
    for language, address in in_each_language(live_server.url + "/"):
        page.goto(address)
        sizes = page.locator(".languages a").evaluate_all(
            "links => links.map(link => {"
            " const box = link.getBoundingClientRect();"
            " return [link.lang, box.width, box.height]; })"
        )
        assert len(sizes) == len(LANGUAGES)
        small = [(code, w, h) for code, w, h in sizes if w < 24 or h < 24]
        assert small == [], (language, small)
