"""What a moderator sends with a decision: the reason the author is told and a
note. Read through a form, so that text no database column can hold (a null byte)
is refused with a message, not a 500."""

from django import forms

from ..models import Comment
from ..rules import CommentError
from .decisions import REJECT_NEEDS_REASON


class DecisionForm(forms.Form):
    reason = forms.ChoiceField(
        choices=Comment.RejectionReason.choices,
        required=False,
        error_messages={"invalid_choice": REJECT_NEEDS_REASON},
    )
    # Trimmed to the column by the service, as before; a null byte is refused.
    note = forms.CharField(required=False)


def decision_fields(data) -> dict[str, str]:
    """reason and note from a POST; CommentError naming what is wrong otherwise."""
    form = DecisionForm(data)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise CommentError(errors[0], rule="bad-input", field=field)
    return form.cleaned_data
