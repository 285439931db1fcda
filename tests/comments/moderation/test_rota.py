"""Discussion windows: the moderation rota in the site's time zone (London here,
across both daylight-saving changes), what discussions do outside it, holidays,
the legal hold, and cached pages refreshed when a window opens or closes."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from comments import services
from comments.models import Comment, ModerationSettings, RotaException, RotaShift
from comments.moderation import rota
from comments.rules import HOLD_ROTA, LEGAL_CLOSED
from tests.comments.factories import VerifiedUserFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def shift(weekday: int, starts: str, ends: str) -> RotaShift:
    row = RotaShift.objects.create(
        moderation_settings=ModerationSettings.objects.get_or_create(pk=1)[0],
        weekday=weekday,
        starts=datetime.time.fromisoformat(starts),
        ends=datetime.time.fromisoformat(ends),
    )
    rota.rota_changed()
    return row


def day_off(date: datetime.date, starts=None, ends=None) -> None:
    RotaException.objects.create(
        moderation_settings=ModerationSettings.objects.get_or_create(pk=1)[0],
        date=date,
        starts=starts,
        ends=ends,
    )
    rota.rota_changed()


def weekdays_7_to_23():
    for weekday in range(5):
        shift(weekday, "07:00", "23:00")


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


def test_without_a_rota_moderators_are_always_on_duty():
    assert rota.on_duty(datetime.datetime(2026, 12, 25, 3, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    "when, on",
    [
        # Winter (GMT = UTC): Thursday 3 December 2026.
        (local(2026, 12, 3, 6, 59, 59), False),
        (local(2026, 12, 3, 7, 0), True),
        (local(2026, 12, 3, 22, 59, 59), True),
        (local(2026, 12, 3, 23, 0), False),
        # Summer (BST = UTC+1): Thursday 2 July 2026, 07:00 local is 06:00 UTC.
        (datetime.datetime(2026, 7, 2, 5, 59, tzinfo=UTC), False),
        (datetime.datetime(2026, 7, 2, 6, 0, tzinfo=UTC), True),
        (datetime.datetime(2026, 7, 2, 22, 0, tzinfo=UTC), False),
        # Saturday: nobody.
        (local(2026, 12, 5, 12, 0), False),
    ],
)
def test_shift_boundaries_are_local_time(when, on):
    weekdays_7_to_23()
    assert rota.on_duty(when) is on


def test_an_overnight_shift_across_the_spring_change_ends_at_local_four():
    """Saturday 28 March 2026 22:00 GMT to Sunday 04:00 BST (clocks went forward
    at 01:00 GMT): five hours on duty, ending at 03:00 UTC."""
    shift(5, "22:00", "04:00")
    assert not rota.on_duty(datetime.datetime(2026, 3, 28, 21, 59, tzinfo=UTC))
    assert rota.on_duty(datetime.datetime(2026, 3, 28, 22, 0, tzinfo=UTC))
    assert rota.on_duty(datetime.datetime(2026, 3, 29, 2, 59, tzinfo=UTC))
    assert not rota.on_duty(datetime.datetime(2026, 3, 29, 3, 0, tzinfo=UTC))


def test_the_first_shift_after_the_autumn_change_starts_at_local_seven():
    """Sunday 25 October 2026 the clocks go back: Monday 07:00 is 07:00 UTC."""
    weekdays_7_to_23()
    assert not rota.on_duty(datetime.datetime(2026, 10, 26, 6, 59, tzinfo=UTC))
    assert rota.on_duty(datetime.datetime(2026, 10, 26, 7, 0, tzinfo=UTC))
    # and the Friday before it, still in summer time, began at 06:00 UTC
    assert rota.on_duty(datetime.datetime(2026, 10, 23, 6, 0, tzinfo=UTC))


def test_a_holiday_closes_a_weekday_and_another_day_gets_its_own_hours():
    weekdays_7_to_23()
    day_off(datetime.date(2026, 12, 25))  # a Friday
    day_off(
        datetime.date(2026, 12, 26), datetime.time(10, 0), datetime.time(14, 0)
    )  # a Saturday
    assert not rota.on_duty(local(2026, 12, 25, 12, 0))
    assert rota.on_duty(local(2026, 12, 26, 10, 0))
    assert not rota.on_duty(local(2026, 12, 26, 14, 0))


@pytest.mark.parametrize(
    "when, message",
    [
        (local(2026, 12, 3, 5, 0), "Comments reopen at 07:00."),
        (local(2026, 12, 3, 23, 30), "Comments reopen at 07:00 on Friday 4 December."),
        (local(2026, 12, 4, 23, 30), "Comments reopen at 07:00 on Monday 7 December."),
    ],
)
def test_readers_are_told_when_comments_reopen(when, message):
    weekdays_7_to_23()
    assert rota.reopens_message(rota.next_opening(when), at=when) == message


# --- What discussions do outside the rota --------------------------------------------


@pytest.fixture
def off_duty():
    """A rota whose only shift is an hour a week, not now."""
    now = datetime.datetime.now(LONDON)
    later = now + datetime.timedelta(days=3)
    shift(later.weekday(), "03:00", "04:00")
    assert not rota.on_duty()


def test_outside_the_rota_comments_are_held_and_the_page_says_when(
    client, article, off_duty
):
    reader = VerifiedUserFactory()
    services.comment_create(article=article, author=reader, body="First, approved.")
    Comment.objects.update(status=Comment.Status.APPROVED)
    comment = services.comment_create(article=article, author=reader, body="Later.")
    assert comment.status == Comment.Status.PENDING
    assert comment.hold_reason == HOLD_ROTA
    page = client.get(article.get_absolute_url()).content.decode()
    assert (
        "No moderator is on duty: new comments appear once one has reviewed them."
        in page
    )
    assert "Comments reopen at 03:00 on" in page


def test_a_trusted_reader_is_not_held_outside_the_rota(article, off_duty):
    reader = VerifiedUserFactory(trusted=True)
    comment = services.comment_create(article=article, author=reader, body="Hello.")
    assert comment.status == Comment.Status.APPROVED


def test_outside_the_rota_discussions_can_close_instead(
    client, article, off_duty, settings
):
    settings.COMMENTS_OUTSIDE_ROTA = "closed"
    reader = VerifiedUserFactory()
    with pytest.raises(services.CommentError) as refusal:
        services.comment_create(article=article, author=reader, body="Hello.")
    assert refusal.value.message.startswith(
        "Comments are closed while no moderator is on duty. Comments reopen at 03:00"
    )
    client.force_login(reader)
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'class="discussion-closed">Comments are closed while no moderator' in page
    assert 'name="body"' not in page  # no form to write into


# --- The legal hold ------------------------------------------------------------------


def test_the_legal_flag_closes_an_open_discussion_with_its_reason(client, article):
    reader = VerifiedUserFactory()
    client.force_login(reader)
    assert 'name="body"' in client.get(article.get_absolute_url()).content.decode()
    article.legal_hold = True
    article.legal_hold_reason = "Comments are closed while the trial is under way."
    article.save()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Comments are closed while the trial is under way." in page
    assert 'name="body"' not in page
    response = client.post(
        reverse("comments:post", args=[article.pk]), {"body": "Guilty!"}
    )
    assert (
        "Comments are closed while the trial is under way." in response.content.decode()
    )
    assert not Comment.objects.filter(body="Guilty!").exists()


def test_a_legal_hold_without_a_reason_says_so_in_general_words(article):
    article.legal_hold = True
    article.save()
    with pytest.raises(services.CommentError) as refusal:
        services.comment_create(
            article=article, author=VerifiedUserFactory(), body="Hello."
        )
    assert refusal.value.message == LEGAL_CLOSED


# --- Cached pages follow the window ---------------------------------------------------


def test_cached_pages_change_when_a_window_closes(client, article, settings):
    """The anonymous page is cached; when moderators go off duty (the rota saved,
    or the periodic job noticing the hour) readers get the new state at once."""
    settings.COMMENTS_OUTSIDE_ROTA = "closed"
    url = article.get_absolute_url()
    assert "to join the discussion" in client.get(url).content.decode()
    now = datetime.datetime.now(LONDON) + datetime.timedelta(days=3)
    shift(now.weekday(), "03:00", "04:00")  # saved: rota_changed announces it
    assert "no moderator is on duty" in client.get(url).content.decode()


def test_the_periodic_job_refreshes_pages_when_the_hour_turns(
    client, article, settings
):
    """Nobody saves anything when a shift ends: the task worker's periodic job
    notices moderators went off duty and refreshes the cached pages."""
    settings.COMMENTS_OUTSIDE_ROTA = "closed"
    now = datetime.datetime.now(LONDON)
    on = shift(now.weekday(), "00:00", "00:00")  # all day, into the next
    assert rota.on_duty()
    rota.announce_window_changes()
    url = article.get_absolute_url()
    assert "to join the discussion" in client.get(url).content.decode()
    # The hour turns: the shift is over (as if it were later than its end).
    RotaShift.objects.filter(pk=on.pk).update(weekday=(now.weekday() + 3) % 7)
    rota._rota.changed()  # every process sees the rota as it is, and no more
    assert not rota.on_duty()
    assert "to join the discussion" in client.get(url).content.decode()  # cached
    assert rota.announce_window_changes() is False
    assert "no moderator is on duty" in client.get(url).content.decode()
    assert rota.announce_window_changes() is None  # once per change


# --- Set once in the admin -------------------------------------------------------


def settings_form(**extra) -> dict:
    data = {
        "rota_shifts-TOTAL_FORMS": "1",
        "rota_shifts-INITIAL_FORMS": "0",
        "rota_exceptions-TOTAL_FORMS": "1",
        "rota_exceptions-INITIAL_FORMS": "0",
        "outside_rota": "closed",
    }
    data.update(extra)
    return data


def test_an_editor_sets_the_rota_on_the_settings_page_and_it_applies_at_once(
    client, article, django_capture_on_commit_callbacks
):
    from tests.comments.moderation.helpers import editor

    ModerationSettings.objects.get_or_create(pk=1)
    client.force_login(editor())
    url = reverse("admin:comments_moderationsettings_change", args=[1])
    now = datetime.datetime.now(LONDON)
    away = (now + datetime.timedelta(days=2)).weekday()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            settings_form(
                **{
                    "rota_shifts-0-weekday": str(away),
                    "rota_shifts-0-starts": "07:00",
                    "rota_shifts-0-ends": "08:00",
                }
            ),
        )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert RotaShift.objects.count() == 1
    assert not rota.on_duty()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Comments are closed while no moderator is on duty." in page


def test_a_holiday_with_half_its_hours_is_refused_next_to_the_field(client):
    from tests.comments.moderation.helpers import editor

    ModerationSettings.objects.get_or_create(pk=1)
    client.force_login(editor())
    url = reverse("admin:comments_moderationsettings_change", args=[1])
    response = client.post(
        url,
        settings_form(
            **{
                "rota_exceptions-0-date": "2026-12-25",
                "rota_exceptions-0-starts": "10:00",
                "rota_exceptions-0-note": "Christmas Day",
            }
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Give both the start and the end of that day" in html
    assert 'value="Christmas Day"' in html  # what was typed is kept
    assert not RotaException.objects.exists()


def test_a_trusted_reader_is_told_their_comments_still_appear_at_once(
    client, article, off_duty
):
    client.force_login(VerifiedUserFactory(trusted=True))
    page = client.get(article.get_absolute_url()).content.decode()
    assert "As a trusted commenter, your comments appear at once." in page
    assert "new comments appear once one has reviewed them" not in page
