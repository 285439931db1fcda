"""Staff need two-factor authentication before the admin opens.

- Anyone not signed in who asks for the admin is sent to the site's sign-in page
  (allauth's, which runs the MFA step), never to Django's admin login form, which
  would skip it.
- A signed-in staff member (superusers included) without an authenticator is sent
  to a page that explains why and links to the set-up page.
"""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import urlencode


class StaffMFAMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        admin_prefix = reverse("admin:index")
        if request.path.startswith(admin_prefix):
            response = self._guard_admin(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _guard_admin(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            if request.path == reverse("admin:login"):
                next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
                    "admin:index"
                )
                query = urlencode({REDIRECT_FIELD_NAME: next_url})
                return HttpResponseRedirect(f"{resolve_url('account_login')}?{query}")
            return None  # the admin itself redirects to its login, caught above
        if user.is_staff and not is_mfa_enabled(user):
            return HttpResponseRedirect(reverse("accounts:staff_mfa_required"))
        return None
