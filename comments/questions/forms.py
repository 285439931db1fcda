"""Forms for reader questions. The rules live in questions/services.py."""

from django import forms

from core.ids import IdField

from .. import conf
from ..conf import question_setting
from ..forms import AsksDisplayName


class AskForm(AsksDisplayName):
    text = forms.CharField(
        label="Your question",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,  # the service gives the one "too short" message
        strip=False,
    )
    about_article = forms.BooleanField(required=False, initial=True)
    anonymous = forms.BooleanField(
        label="Stay anonymous: show me as “a reader” if my question is published",
        required=False,
    )
    # Honeypot: hidden from people by CSS; bots fill it in.
    website = forms.CharField(required=False, label="Leave this empty")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_length = question_setting("QUESTIONS_MIN_LENGTH")
        self.max_length = question_setting("QUESTIONS_MAX_LENGTH")


class ArticleRefForm(forms.Form):
    """The article a question is asked from: ?article= on the "Ask" link, then the
    ask form's hidden field. Not an article's id: a 404, as for a forged URL."""

    article = IdField(required=False)


class AnswerForm(AsksDisplayName):
    body = forms.CharField(
        label="Your answer",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,  # the discussion's service gives the "empty" message
        strip=False,
    )
    website = forms.CharField(required=False, label="Leave this empty")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_length = conf.max_length()


class PromoteForm(forms.Form):
    """The admin's promote step: the answer and where it goes in the FAQ."""

    answer = forms.CharField(
        label="The newsroom's answer",
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        required=False,
    )
    position = forms.IntegerField(
        label="Position in the FAQ",
        min_value=1,
        required=False,
        help_text="1 puts it first. Leave empty to add it at the end.",
        error_messages={"min_value": "Use 1 or more (1 is the first entry)."},
    )
