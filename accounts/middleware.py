"""Staff need two-factor authentication before the admin opens.

- Anyone not signed in who asks for the admin is sent to the site's sign-in page
  (allauth's, which runs the MFA step), never to Django's admin login form, which
  would skip it.
- A signed-in staff member (superusers included) without an authenticator is sent
  to a page that explains why and links to the set-up page.
"""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import urlencode

NOT_STAFF = "The newsroom admin is for staff accounts only."


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
        if request.path == reverse("admin:login"):
            # Django's admin login form would sign in with a password alone.
            if not user.is_authenticated:
                next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
                    "admin:index"
                )
                query = urlencode({REDIRECT_FIELD_NAME: next_url})
                return HttpResponseRedirect(f"{resolve_url('account_login')}?{query}")
            if not (user.is_staff and user.is_active):
                raise PermissionDenied(NOT_STAFF)
        if not user.is_authenticated:
            return None  # the admin redirects to its login page, handled above
        if user.is_staff and not is_mfa_enabled(user):
            return HttpResponseRedirect(reverse("accounts:staff_mfa_required"))
        return None
