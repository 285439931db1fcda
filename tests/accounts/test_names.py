"""Display-name rules: each bad name gets its own message."""

import pytest
from django.core.exceptions import ValidationError

from accounts import names
from articles.models import Author
from tests.accounts.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", names.DISPLAY_NAME_REQUIRED),
        ("   ", names.DISPLAY_NAME_REQUIRED),
        ("J", names.DISPLAY_NAME_TOO_SHORT),
        ("x" * 51, names.DISPLAY_NAME_TOO_LONG),
        ("mail me: jo@example.com", names.DISPLAY_NAME_NO_EMAIL),
        ("Jo from https://spam.test", names.DISPLAY_NAME_NO_URL),
        ("www.cheap-pills", names.DISPLAY_NAME_NO_URL),
        ("Buy at pills.com", names.DISPLAY_NAME_NO_URL),
        ("The Moderator", names.DISPLAY_NAME_RESERVED),
        ("editor jo", names.DISPLAY_NAME_RESERVED),
        ("ADMIN", names.DISPLAY_NAME_RESERVED),
        ("Staff", names.DISPLAY_NAME_RESERVED),
        ("Broadsheet Team", names.DISPLAY_NAME_RESERVED),
        ("broad-sheet fan", names.DISPLAY_NAME_RESERVED),
    ],
)
def test_bad_display_names_get_their_own_message(value, message):
    """Each rule has one clear, constant message."""
    with pytest.raises(ValidationError) as error:
        names.validate_display_name(value)
    assert error.value.messages == [message]


@pytest.mark.parametrize(
    "value", ["Jo", "Sam Reader", "Anne-Marie O'Neill", "Badminton Fan", "Dr. Who"]
)
def test_ordinary_names_are_accepted(value):
    """Real names, including ones containing reserved letters, pass."""
    assert names.validate_display_name(value) == value


def test_names_are_trimmed_and_spaces_collapsed():
    assert names.validate_display_name("  Sam   Reader ") == "Sam Reader"


def test_a_staff_members_name_cannot_be_taken_in_any_case():
    """Nobody may use a staff member's display name, whatever the letter case."""
    StaffUserFactory(display_name="Jane Okafor")
    reader = UserFactory()
    with pytest.raises(ValidationError) as error:
        names.validate_display_name("jane OKAFOR", user=reader)
    assert error.value.messages == [names.DISPLAY_NAME_STAFF]


def test_an_authors_byline_cannot_be_taken():
    """A byline readers know is treated as a staff name."""
    Author.objects.create(name="Lena Whitford", slug="lena-whitford")
    with pytest.raises(ValidationError) as error:
        names.validate_display_name("Lena Whitford")
    assert error.value.messages == [names.DISPLAY_NAME_STAFF]


def test_staff_keep_their_own_name_and_may_use_newsroom_words():
    """A staff member can save their own name, including "Editor"."""
    staff = StaffUserFactory(display_name="Jane Okafor")
    assert names.validate_display_name("Jane Okafor", user=staff) == "Jane Okafor"
    assert names.validate_display_name("Jane, Editor", user=staff) == "Jane, Editor"
