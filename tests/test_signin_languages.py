"""Signing in speaks the visitor's language, allauth's own words included.

allauth ships catalogs for es and for pt_PT, not for pt: its words reach /pt/ pages
because gettext reads "pt" as pt_PT (locale.normalize), so Django's lookup for pt
finds allauth's pt_PT catalog. These tests hold that in place, with the words our
pages use from allauth (form labels, placeholders, messages, errors), and the code
emails, which go out in the language of the page that asked for them."""

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from tests.signin import requests_mail
from tests.staff import make_user

# allauth's emails go through the outbox: the tasks run in-process here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

# (language prefix, what allauth itself says on our pages, our own words)
ALLAUTH_WORDS = {
    "/pt": {
        "placeholder": 'placeholder="Endereço de email"',
        "sent": "Um código de login foi enviado para ana@example.org.",
        "label": '<label for="id_code">Código:</label>',
        "wrong": "Código errado.",
        "subject": "O seu código para iniciar sessão no Coração Azul",
        "body": "Eis o seu código para iniciar sessão no Coração Azul.",
    },
    "/es": {
        "placeholder": 'placeholder="Dirección de correo electrónico"',
        "sent": "Se ha enviado un código de inicio de sesión por correo a ana@example.org",
        "label": '<label for="id_code">Código:</label>',
        "wrong": "Código incorrecto.",
        "subject": "Tu código para iniciar sesión en el Corazón Azul",
        "body": "Este es tu código para iniciar sesión en el Corazón Azul.",
    },
}


@pytest.mark.parametrize("prefix", ALLAUTH_WORDS)
def test_it_signs_in_in_the_language_of_the_page(client, prefix):
    words = ALLAUTH_WORDS[prefix]
    make_user("ana@example.org")

    assert words["placeholder"] in client.get(f"{prefix}/accounts/login/").content.decode()
    with requests_mail():
        response = client.post(
            f"{prefix}/accounts/login/", {"login": "ana@example.org"}, follow=True
        )
    page = response.content.decode()
    assert words["sent"] in page
    assert words["label"] in page

    [message] = mail.outbox
    assert message.subject == words["subject"]
    assert words["body"] in message.body
    html, _type = message.alternatives[0]
    assert f'<html lang="{prefix[1:]}"' in html
    assert words["body"] in html

    page = client.post(f"{prefix}/accounts/login/code/confirm/", {"code": "AAAA-AAAA"})
    assert words["wrong"] in page.content.decode()


@pytest.mark.parametrize(
    ("prefix", "subject"),
    [
        ("", "Confirm your email address for Blue Heart"),
        ("/es", "Confirma tu dirección de correo para el Corazón Azul"),
        ("/pt", "Confirme o seu endereço de e-mail para o Coração Azul"),
    ],
)
def test_it_sends_the_verification_code_in_the_language_of_the_page(client, prefix, subject):
    with requests_mail():
        client.post(f"{prefix}/accounts/signup/", {"email": "bruno@example.org"})
    [message] = mail.outbox
    assert message.subject == subject


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES if code != "en"])
def test_it_shows_allauth_s_own_words_in_every_offered_language(client, language):
    # allauth's catalogs (fr, ru, ar, zh_Hans, es, pt_PT) carry its form words;
    # a language whose catalog went missing would show them in English.
    with translation.override(language):
        placeholder = gettext("Email address")
    assert placeholder != "Email address", f"allauth has no {language} catalog"
    page = client.get(f"/{language}/accounts/login/").content.decode()
    assert f'placeholder="{escape(placeholder)}"' in page
