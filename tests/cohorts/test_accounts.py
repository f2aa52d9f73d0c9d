"""Signing in with email and password, password reset by email, closed sign-up."""

import re

import pytest
from django.core import mail

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_learner_signs_in_with_email_and_lands_on_this_week(client, world):
    response = client.post("/accounts/login/", {"login": "LEARNER@acme.example", "password": PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0] == "/week/"
    assert world.cohort.name in response.content.decode()


def test_a_wrong_password_is_refused_and_keeps_the_email(client, world):
    response = client.post("/accounts/login/", {"login": "learner@acme.example", "password": "nope"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "not correct" in page
    assert 'value="learner@acme.example"' in page


def test_password_reset_by_email(client, world):
    response = client.post("/accounts/password/reset/", {"email": "learner@acme.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["learner@acme.example"]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(set_url, {"password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase"})
    assert done.status_code == 302

    client.logout()
    signed_in = client.post("/accounts/login/", {"login": "learner@acme.example",
                                                 "password": "a-new-long-passphrase"})
    assert signed_in.status_code == 302


def test_nobody_signs_up_on_their_own(client, db):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert "closed" in response.content.decode().lower()


def test_the_admin_login_is_the_portal_login(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
