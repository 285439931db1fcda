"""Staff need two-factor authentication before the admin opens."""

import pytest
from django.urls import reverse

from tests.accounts.factories import StaffUserFactory, VerifiedUserFactory

pytestmark = pytest.mark.django_db


def test_staff_without_mfa_are_sent_to_an_explanation(client):
    """Staff (superusers included) without an authenticator get a page saying why
    and how to set one up, not the admin and not an error."""
    staff = StaffUserFactory(mfa=False)
    assert staff.is_superuser
    client.force_login(staff)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:staff_mfa_required")
    html = response.content.decode()
    assert "Set up two-factor authentication first" in html
    assert reverse("mfa_activate_totp") in html


def test_every_admin_page_is_guarded(client):
    staff = StaffUserFactory(mfa=False)
    client.force_login(staff)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response["Location"] == reverse("accounts:staff_mfa_required")


def test_staff_with_an_authenticator_reach_the_admin(client, staff_user):
    """The shared staff_user fixture has TOTP, so admin tests just log in."""
    client.force_login(staff_user)
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_admin_login_form_is_replaced_by_the_sites_sign_in(client):
    """Django's admin login would skip the MFA step, so it sends visitors to the
    site's sign-in page, which comes back to the admin afterwards."""
    response = client.get(reverse("admin:index"), follow=True)
    first, last = response.redirect_chain[0][0], response.redirect_chain[-1][0]
    assert first.startswith(reverse("admin:login"))
    assert last.startswith(reverse("account_login"))
    assert "next=%2Fadmin%2F" in last
    assert response.status_code == 200


def test_readers_cannot_use_the_admin_login(client):
    reader = VerifiedUserFactory()
    client.force_login(reader)
    assert client.get(reverse("admin:login")).status_code == 403


def test_signing_in_as_staff_with_mfa_asks_for_a_code(client):
    """With an authenticator, the password alone does not sign staff in."""
    from tests.accounts.factories import PASSWORD

    staff = StaffUserFactory()
    response = client.post(
        reverse("account_login"), {"login": staff.email, "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
