"""Display-name rules: each bad name gets its own message."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from accounts import names
from articles.models import Author
from tests.accounts.factories import (
    StaffUserFactory,
    UserFactory,
    VerifiedUserFactory,
)

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


# Names that pass a glance as the newsroom's: hidden characters, or letters from
# another script (or a fullwidth, superscript or dotless form) that look like ours.
LOOK_ALIKES = [
    pytest.param("Edi\u200btor", names.DISPLAY_NAME_INVISIBLE, id="zero-width-space"),
    pytest.param(
        "\u202erotidE omeD", names.DISPLAY_NAME_INVISIBLE, id="right-to-left-override"
    ),
    pytest.param("Ｅｄｉｔｏｒ", names.DISPLAY_NAME_RESERVED, id="fullwidth"),
    pytest.param(
        "Demo Edit\u043er", names.DISPLAY_NAME_RESERVED, id="cyrillic-o-editor"
    ),
    pytest.param(
        "Moderat\u043er", names.DISPLAY_NAME_RESERVED, id="cyrillic-o-moderator"
    ),
    pytest.param("St\u0430ff", names.DISPLAY_NAME_RESERVED, id="cyrillic-a"),
    pytest.param("Adm\u0131n", names.DISPLAY_NAME_RESERVED, id="dotless-i"),
    pytest.param("ᴬᵈᵐⁱⁿ Team", names.DISPLAY_NAME_RESERVED, id="superscript-letters"),
]


@pytest.mark.parametrize(("value", "message"), LOOK_ALIKES)
def test_look_alike_newsroom_names_are_refused(value, message):
    """Invisible and text-direction characters are refused outright; other
    look-alikes are compared by their confusable skeleton, so they meet the same
    rule as the plain word."""
    with pytest.raises(ValidationError) as error:
        names.validate_display_name(value)
    assert error.value.messages == [message]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Sam\u2060Reader", names.DISPLAY_NAME_INVISIBLE),  # word joiner
        ("Sam\u2066Reader\u2069", names.DISPLAY_NAME_INVISIBLE),  # bidi isolate
        ("Sam\x00Reader", names.DISPLAY_NAME_INVISIBLE),  # control character
        ("\u3164\u3164", names.DISPLAY_NAME_INVISIBLE),  # Hangul filler: a blank
        ("MODERAT\u041eR", names.DISPLAY_NAME_RESERVED),  # Cyrillic capital О
        ("The Ed\u0456tor", names.DISPLAY_NAME_RESERVED),  # Cyrillic і
        ("M0d", names.DISPLAY_NAME_RESERVED),  # digit zero
        ("Adm\u0399n", names.DISPLAY_NAME_RESERVED),  # Greek capital iota
        ("\u0412r\u043e\u0430dsh\u0435\u0435t fan", names.DISPLAY_NAME_RESERVED),
    ],
)
def test_other_hidden_characters_and_look_alikes_are_refused(value, message):
    """The rule covers the whole family, not only the examples readers tried."""
    with pytest.raises(ValidationError) as error:
        names.validate_display_name(value)
    assert error.value.messages == [message]


@pytest.mark.parametrize(
    "value",
    [
        "Олена Петренко",
        "Андрій",
        "Модест Іваненко",
        "محمد علي",
        "王小明",
        "Νίκος Παπαδόπουλος",
        "अमित शर्मा",
        "José Müller",
        "Zoë Ørsted",
        "Łukasz",
        "ශ්\u200dරී",  # Sinhala "Sri": the joiner after a virama is part of the word
        "علی\u200cرضا",  # Persian "Alireza": a non-joiner between Arabic letters
        "Редактор",  # Ukrainian for "editor", in its own script: not a look-alike
        "Modesto Ruiz",
    ],
)
def test_names_in_any_script_are_accepted(value):
    """Whole-script names in any language pass: only a skeleton word that equals a
    newsroom word is refused, never a word that merely contains one."""
    assert names.validate_display_name(value) == value


def test_compatibility_forms_are_saved_normalised():
    """Fullwidth and other compatibility letters are stored as the plain ones
    (NFKC), so the name readers see is the one that was checked."""
    assert names.validate_display_name("Ｓａｍ Ｒｅａｄｅｒ") == "Sam Reader"


@pytest.mark.parametrize(
    "value", ["Jane Okaf\u043er", "JANE \u041eKAFOR", "Ｊａｎｅ Ｏｋａｆｏｒ"]
)
def test_a_staff_members_name_cannot_be_taken_with_look_alike_letters(value):
    """A staff name spelt with letters from another script is still theirs."""
    StaffUserFactory(display_name="Jane Okafor")
    with pytest.raises(ValidationError) as error:
        names.validate_display_name(value, user=UserFactory())
    assert error.value.messages == [names.DISPLAY_NAME_STAFF]


def test_a_capital_i_and_a_small_l_are_one_letter_to_the_eye():
    """ "lan Brooks" is "Ian Brooks" in most sans-serif type."""
    StaffUserFactory(display_name="Ian Brooks")
    with pytest.raises(ValidationError) as error:
        names.validate_display_name("lan Brooks")
    assert error.value.messages == [names.DISPLAY_NAME_STAFF]


def test_an_authors_byline_cannot_be_taken_with_look_alike_letters():
    """A byline spelt with a Cyrillic е and о is still the byline."""
    Author.objects.create(name="Lena Whitford", slug="lena-whitford")
    with pytest.raises(ValidationError) as error:
        names.validate_display_name("L\u0435na Whitf\u043erd")
    assert error.value.messages == [names.DISPLAY_NAME_STAFF]


def test_an_author_keeps_their_own_byline_as_display_name():
    """The reader account linked to a byline may use that name."""
    reader = UserFactory(display_name="")
    Author.objects.create(name="Lena Whitford", slug="lena-whitford", user=reader)
    assert names.validate_display_name("Lena Whitford", user=reader) == "Lena Whitford"


def test_the_name_prompt_on_comment_forms_applies_the_rule():
    """display_name_set (the comment and question forms' prompt) refuses too."""
    from accounts.services import display_name_set

    reader = UserFactory(display_name="")
    with pytest.raises(ValidationError) as error:
        display_name_set(user=reader, display_name="Demo Edit\u043er")
    assert error.value.messages == [names.DISPLAY_NAME_RESERVED]
    reader.refresh_from_db()
    assert reader.display_name == ""


def test_signup_refuses_look_alikes():
    """The sign-up form's optional name meets the same rule."""
    from accounts.forms import SignupForm

    form = SignupForm(
        data={
            "email": "new@example.com",
            "display_name": "St\u0430ff",
            "password1": "correct horse battery staple",
            "password2": "correct horse battery staple",
        }
    )
    assert not form.is_valid()
    assert form.errors["display_name"] == [names.DISPLAY_NAME_RESERVED]


@pytest.mark.parametrize(("value", "message"), LOOK_ALIKES)
def test_settings_page_explains_a_look_alike_and_keeps_the_typed_text(
    client, value, message
):
    """On the settings page the message sits next to the field, the input shows
    exactly what was typed, and the old name stays saved."""
    reader = VerifiedUserFactory(display_name="Sam")
    client.force_login(reader)
    response = client.post(reverse("accounts:settings"), {"display_name": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["form"].errors["display_name"] == [message]
    assert 'id="id_display_name_error"' in html
    assert escape(message) in html
    assert f'value="{escape(value)}"' in html
    reader.refresh_from_db()
    assert reader.display_name == "Sam"


def admin_user_form(client, user) -> dict:
    """The admin's change form for `user`, as the browser would submit it."""
    page = client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [item for item in value if item is not None]
        elif value is not None:
            data[name] = value
    data.pop("commenting_suspended_until", None)
    return data


def test_the_admin_applies_the_display_name_rule_too(admin_client):
    """A superuser's slip cannot give a reader a look-alike of a newsroom word:
    the admin's change page refuses it next to the field and keeps the name."""
    reader = VerifiedUserFactory(display_name="Jo Reader")
    data = {**admin_user_form(admin_client, reader), "display_name": "Moderatоr"}
    page = admin_client.post(
        reverse("admin:accounts_user_change", args=[reader.pk]), data
    )
    assert page.status_code == 200
    assert escape(names.DISPLAY_NAME_RESERVED) in page.content.decode()
    reader.refresh_from_db()
    assert reader.display_name == "Jo Reader"


def test_a_staff_account_may_carry_a_newsroom_word_in_the_admin(admin_client):
    """Staff may be named "Night Editor" (and the box ticked in the same form)."""
    colleague = VerifiedUserFactory(display_name="New colleague")
    data = {
        **admin_user_form(admin_client, colleague),
        "display_name": "Night Editor",
        "is_staff": "on",
    }
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[colleague.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    colleague.refresh_from_db()
    assert (colleague.display_name, colleague.is_staff) == ("Night Editor", True)
