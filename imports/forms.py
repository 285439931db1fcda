"""The admin's upload form: the export file and the import's options."""

from django import forms

from .models import ImportRun

MAP_HELP = (
    "Disqus only. One per line, old_url_prefix=new_url_prefix: thread links "
    "starting with the old prefix are rewritten before they are matched to articles."
)


class ImportUploadForm(forms.ModelForm):
    section_from = forms.ChoiceField(
        label="Sections from",
        choices=[("categories", "WordPress categories"), ("tags", "WordPress tags")],
        initial="categories",
        help_text="WordPress only: which taxonomy becomes the section (the other "
        "becomes tags).",
    )
    include_pages = forms.BooleanField(
        required=False, help_text="WordPress only: import pages as articles too."
    )
    include_pingbacks = forms.BooleanField(
        required=False, help_text="WordPress only: import pingbacks and trackbacks."
    )
    maps = forms.CharField(
        label="Link prefixes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=MAP_HELP,
    )

    class Meta:
        model = ImportRun
        fields = ["source", "upload"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        if not upload.name.lower().endswith(".xml"):
            raise forms.ValidationError(
                f"“{upload.name}” is not an XML file: upload the .xml file WordPress "
                "(Tools → Export) or Disqus (Community → Export, unzipped) gave you."
            )
        if upload.size == 0:
            raise forms.ValidationError(f"“{upload.name}” is empty.")
        return upload

    def clean_maps(self) -> list[list[str]]:
        pairs = []
        for number, line in enumerate(self.cleaned_data["maps"].splitlines(), 1):
            if not line.strip():
                continue
            old, sep, new = line.strip().partition("=")
            if not sep or not old.strip():
                raise forms.ValidationError(
                    f"Line {number} (“{line.strip()[:80]}”): write "
                    "old_url_prefix=new_url_prefix, e.g. "
                    "https://old.example.com/blog/=https://news.example.com/articles/"
                )
            pairs.append([old.strip(), new.strip()])
        return pairs
