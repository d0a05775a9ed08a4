"""The first administrator: `manage.py createsuperuser`, then signing in. The
admin stays closed until a second factor is set up."""

from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.rules import can
from tests.staff import enable_mfa

pytestmark = pytest.mark.django_db


def test_a_new_superuser_sets_up_mfa_before_the_admin_opens(client):
    call_command("createsuperuser", interactive=False, username="adam", email="adam@example.org")
    adam = User.objects.get(email="adam@example.org")
    assert can(adam, "use_admin")
    client.force_login(adam)

    response = client.get("/admin/", follow=True)
    chain = [urlsplit(location).path for location, _status in response.redirect_chain]
    assert "/accounts/2fa/totp/activate/" in chain
    assert response.request["PATH_INFO"] != "/admin/"

    enable_mfa(adam)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Site administration" in response.content.decode()
