"""Newsletter pages: signup, confirmation, preferences, unsubscribe.

The signup form is part of the cached anonymous article page, which sets no cookie,
so it carries no CSRF token and `subscribe` is csrf_exempt: see docs/newsletter.md
for why that is safe (double opt-in, honeypot, rate limits). The one-click
unsubscribe POST (RFC 8058) is csrf_exempt too: mail clients send it without a page.
Every other form here uses CSRF as usual.
"""

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .forms import OneClickForm, PreferencesForm, SignupForm
from .models import Newsletter, Subscriber
from .templatetags.newsletter import signup_block_context, signup_context
from .tokens import (
    TokenError,
    make_manage_token,
    read_confirm_token,
    read_manage_token,
)

LINK_INVALID = (
    "This link is not valid: it may have been copied incompletely. Sign up again, "
    "or use the link in the latest email from us."
)
LINK_EXPIRED = (
    "This confirmation link has expired: links work for 7 days. Sign up again and "
    "we will send you a fresh one."
)
SUBSCRIBED_MESSAGE = "You are subscribed. Welcome!"
PREFERENCES_SAVED = "Your newsletter choices are saved."
NOT_SUBSCRIBED = "Not subscribed"


def _newsletters():
    return list(Newsletter.objects.all())


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    context = signup_context(source=request.path)
    if request.user.is_authenticated and services.user_has_verified_email(request.user):
        context["email_value"] = request.user.email  # theirs: no need to type it
    return render(request, "newsletter/index.html", context)


def _client_ip(request: HttpRequest) -> str:
    """The reader's address, not the proxy's: allauth's rule, which honours
    TRUSTED_PROXY_COUNT, so the per-IP limit is per reader behind a load balancer."""
    return get_adapter(request).get_client_ip(request) or "unknown"


@csrf_exempt
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    """The signup form (no CSRF token, see the module docstring).

    Same answer for every well-formed address whatever its state; a bot that fills
    the honeypot gets that answer too, and nothing happens.
    """
    htmx = request.headers.get("HX-Request") == "true"
    limit, period = settings.NEWSLETTER_SIGNUP_LIMIT_PER_IP
    if services.rate_limit_exceeded(
        key=f"ip:{_client_ip(request)}", limit=limit, period=period
    ):
        return render(
            request,
            "newsletter/message.html",
            {"title": "Please try again later", "message": services.TOO_MANY_SIGNUPS},
            status=429,
        )
    form = SignupForm(request.POST)
    if form.is_valid():
        if not form.cleaned_data["website"]:
            try:
                services.subscription_request(
                    email=form.cleaned_data["email"],
                    newsletters=list(form.cleaned_data["newsletters"]),
                    source=form.cleaned_data["source"] or "",
                )
            except ValidationError as error:
                form.add_error(None, error)
    if form.is_valid():
        if htmx:
            return render(
                request,
                "newsletter/_signup_done.html",
                {"message": services.CHECK_INBOX},
            )
        return redirect("newsletter:check_inbox")
    context = signup_context(form=form)
    if htmx:  # htmx swaps 2xx answers only
        return render(request, "newsletter/_signup_form.html", context)
    return render(request, "newsletter/index.html", context, status=400)


@require_GET
def check_inbox(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "newsletter/message.html",
        {"title": "Check your inbox", "message": services.CHECK_INBOX},
    )


def _token_problem(request: HttpRequest, error: TokenError) -> HttpResponse:
    return render(
        request,
        "newsletter/message.html",
        {
            "title": "This link has expired" if error.expired else "Link not valid",
            "message": LINK_EXPIRED if error.expired else LINK_INVALID,
            "signup_link": True,
        },
        status=410 if error.expired else 400,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button; only its POST confirms. Mail scanners and link
    previews fetch the links in an email, and must not complete someone else's
    double opt-in. The page is rendered for each visitor and never cached, so its
    form carries the usual CSRF token."""
    try:
        if request.method == "POST":
            subscriber = services.subscription_confirm(token=token)
        else:
            subscriber, ids = read_confirm_token(token)
    except TokenError as error:
        return _token_problem(request, error)
    if request.method == "GET":
        return render(
            request,
            "newsletter/confirm.html",
            {
                "subscriber": subscriber,
                "newsletters": services.confirmation_newsletters(ids),
                "token": token,
            },
        )
    messages.success(request, SUBSCRIBED_MESSAGE)
    return redirect("newsletter:manage", token=make_manage_token(subscriber))


def _preferences_response(request, subscriber, form, action_url, **extra):
    return render(
        request,
        "newsletter/preferences.html",
        {
            "subscriber": subscriber,
            "form": form,
            "action_url": action_url,
            **extra,
        },
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """Preferences from a signed link in an email: no sign-in needed."""
    try:
        subscriber = read_manage_token(token)
    except TokenError as error:
        return _token_problem(request, error)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.subscription_update(
                subscriber=subscriber,
                newsletters=list(form.cleaned_data["newsletters"]),
            )
            messages.success(request, PREFERENCES_SAVED)
            return redirect("newsletter:manage", token=token)
    else:
        form = _preferences_form(subscriber)
    return _preferences_response(
        request, subscriber, form, request.path, manage_token=token
    )


def _preferences_form(subscriber: Subscriber | None) -> PreferencesForm:
    chosen = []
    if subscriber and subscriber.status == Subscriber.Status.CONFIRMED:
        chosen = list(subscriber.newsletters.all())
    return PreferencesForm(initial={"newsletters": chosen})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """The signed-in reader's newsletters (their verified address only)."""
    verified = services.user_has_verified_email(request.user)
    subscriber = services.subscriber_for_user(request.user) if verified else None
    form = _preferences_form(subscriber)
    if request.method == "POST" and verified:
        form = PreferencesForm(request.POST)
        if form.is_valid():
            chosen = list(form.cleaned_data["newsletters"])
            if subscriber is None and chosen:
                services.subscription_subscribe_user(
                    user=request.user, newsletters=chosen, source=request.path
                )
            elif subscriber is not None:
                services.subscription_update(subscriber=subscriber, newsletters=chosen)
            messages.success(request, PREFERENCES_SAVED)
            return redirect("newsletter:preferences")
    return _preferences_response(
        request, subscriber, form, request.path, verified=verified, signed_in=True
    )


@login_required
@require_POST
def subscribe_me(request: HttpRequest) -> HttpResponse:
    """One click for a signed-in reader: no confirmation email for a verified
    address; an unverified one goes through the usual double opt-in."""
    form = OneClickForm(request.POST)
    if not form.is_valid():
        # The form is on the article page, which cannot be shown again here.
        return render(
            request,
            "newsletter/message.html",
            {
                "title": NOT_SUBSCRIBED,
                "message": form.errors["newsletters"][0],
                "preferences_link": True,
            },
            status=400,
        )
    chosen = list(form.cleaned_data["newsletters"])
    chosen = chosen or [n for n in _newsletters() if n.is_default]
    next_url = form.cleaned_data["next"]
    if services.user_has_verified_email(request.user):
        services.subscription_subscribe_user(
            user=request.user, newsletters=chosen, source=next_url
        )
        notice, say = SUBSCRIBED_MESSAGE, messages.success
    else:
        services.subscription_request(
            email=request.user.email, newsletters=chosen, source=next_url
        )
        notice, say = services.CHECK_INBOX, messages.info
    if request.headers.get("HX-Request") == "true":
        # The box again, in place: the reader stays where they were reading.
        return render(
            request,
            "newsletter/_signup_block.html",
            signup_block_context(request, notice=notice),
        )
    say(request, notice)
    if not next_url:
        return redirect("newsletter:preferences")
    # Back on the article, at the box, which now says what they receive.
    return redirect(f"{next_url}#newsletter")


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST
    unsubscribes at once, from our page or from a mail client (RFC 8058)."""
    try:
        subscriber = read_manage_token(token)
    except TokenError as error:
        return _token_problem(request, error)
    if request.method == "POST":
        subscriber = services.subscription_unsubscribe(subscriber=subscriber)
        return render(
            request,
            "newsletter/unsubscribed.html",
            {"subscriber": subscriber, "token": token},
        )
    return render(
        request,
        "newsletter/unsubscribe_confirm.html",
        {"subscriber": subscriber, "token": token},
    )


@never_cache
@require_POST
def resubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = read_manage_token(token)
    except TokenError as error:
        return _token_problem(request, error)
    services.subscription_resubscribe(subscriber=subscriber)
    messages.success(request, SUBSCRIBED_MESSAGE)
    return redirect("newsletter:manage", token=token)
