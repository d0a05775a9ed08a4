"""On `make run` (no environment at all) the confirmation link prints whole.

Django's console backend prints a text part with a line over 78 characters as
quoted-printable, splitting a long link with "=" across lines; the development
backend (config/console_email.py) prints it as written.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SITE_URL", "SECRET_KEY", "DEBUG"}
# As long as a real confirmation link: the site, /confirm/, a signed token.
CONFIRM_URL = "http://127.0.0.1:8000/confirm/" + "AbCdEfGh12:" * 10 + "x_Y-z/"

SEND = f"""
import django
django.setup()
from django.core.mail import EmailMultiAlternatives

url = {CONFIRM_URL!r}
message = EmailMultiAlternatives(
    subject="Confirme o seu compromisso Blue Heart",
    body=(
        "Olá Ana,\\n\\nThank you for taking the Blue Heart pledge against human "
        "trafficking. To confirm it, open this link and press the button on the page:\\n\\n"
        + url + "\\n"
    ),
    to=["ana@example.org"],
)
message.attach_alternative(f'<p>Olá Ana,</p><p><a href="{{url}}">{{url}}</a></p>', "text/html")
message.send()
"""


def run_like_make_run() -> str:
    """Send the message from a fresh interpreter with the embedded default settings."""
    clean = {k: v for k, v in os.environ.items() if k not in CONTRACT}
    result = subprocess.run(  # noqa: S603 - this interpreter, our own code, no shell
        [sys.executable, "-c", SEND],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_it_prints_the_confirmation_link_whole_on_one_line():
    printed = run_like_make_run()
    assert len(CONFIRM_URL) > 78  # longer than an encoded line may be
    assert CONFIRM_URL in printed.splitlines()


def test_it_prints_the_text_as_written():
    printed = run_like_make_run()
    assert "quoted-printable" not in printed
    assert "Olá Ana," in printed
