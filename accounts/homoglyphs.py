"""Confusable skeletons: when two names look the same to a reader, their keys match.

Unicode Technical Standard #39 defines the *skeleton* of a string: normalise it, drop
the characters that display as nothing, and replace every character by the prototype
it can be mistaken for (Cyrillic "о" → "o", dotless "ı" → "i", "0" → "O", "m" → "rn").
Two strings with the same skeleton are confusable. Unicode's data comes from the
`confusable-homoglyphs` package, so it is updated with a dependency bump.

The API:

- `invisible_characters(value)`: the characters a name must not contain because a
  reader cannot see them or they reorder the text around them (controls, format
  characters such as zero-width spaces and bidirectional overrides, blank letters).
- `name_keys(value)`: the keys to compare two names by; two names are confusable
  when either key matches (`keys_match`). Both keys ignore letter case.

Why two keys: letter case and look-alikes pull apart. A capital "I" is the capital
of "i" but looks like a small "l", and the table maps "I" to "l"; "M" is the capital
of "m", which the table maps to "rn". The first key folds case first, one character
at a time, preferring whichever reading gives a plain Latin letter, so "ADMIN",
"Аdmin" (Cyrillic А) and "ＡＤＭＩＮ" all match "admin". The second key is the
standard's own skeleton, case folded afterwards, so "lan" matches "Ian".

Nothing here is an alphabet test: a name written entirely in Cyrillic keeps its own
letters in the key ("в" stays "ʙ", "д" stays "д"), so it only matches a Latin word
when it is made of look-alikes of that word.
"""

import unicodedata
from functools import cache, lru_cache

from confusable_homoglyphs import categories, confusables

# Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt): code points a
# renderer shows as nothing. The skeleton drops them, as the standard says.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Letters and marks that render as blank space or nothing at all; a name made of
# them looks empty, and between letters they hide a word.
_BLANKS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
_ZWNJ, _ZWJ = "\u200c", "\u200d"
_VIRAMA = 9  # canonical combining class of the Indic viramas
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
# The data file writes right-to-left characters between left-to-right marks.
_DIRECTION_MARKS = str.maketrans("", "", "\u200e\u200f")


def _is_ignorable(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def invisible_characters(value: str) -> list[str]:
    """The characters in `value` that a reader would not see as written.

    Control (Cc), format (Cf) and surrogate (Cs) characters, and blank letters.
    The one exception is the pair of joiners that some scripts need inside
    ordinary words, where RFC 5892 (IDNA) allows them: either one right after a
    virama (Sinhala "ශ්‍රී", Devanagari half forms), and the zero-width non-joiner
    between two Arabic-script letters (Persian "علی‌رضا"). Anywhere else they only
    hide a break inside a word. The skeleton drops them in any case.
    """
    found = []
    for index, char in enumerate(value):
        if char in (_ZWNJ, _ZWJ) and _joiner_is_spelling(value, index):
            continue
        if unicodedata.category(char) in _REFUSED_CATEGORIES or char in _BLANKS:
            found.append(char)
    return found


def _joiner_is_spelling(value: str, index: int) -> bool:
    before = value[index - 1] if index > 0 else ""
    after = value[index + 1] if index + 1 < len(value) else ""
    if before and unicodedata.combining(before) == _VIRAMA:
        return True
    return (
        value[index] == _ZWNJ
        and bool(before and after)
        and before.isalpha()
        and after.isalpha()
        and categories.alias(before) == categories.alias(after) == "ARABIC"
    )


@cache
def _prototypes() -> dict[str, str]:
    """Each confusable character → the prototype it is mistaken for.

    The package stores the standard's table both ways round (every character with
    the list of those it is confusable with), so the direction is read back: in
    the standard a source character maps to exactly one prototype, while a
    prototype is never itself mapped. A character listing one look-alike that is
    a prototype for many, or a sequence ("m" → "rn"), is a source; two characters
    that only list each other are mapped to one of the pair.
    """
    table = {
        key.translate(_DIRECTION_MARKS): [
            glyph["c"].translate(_DIRECTION_MARKS) for glyph in glyphs
        ]
        for key, glyphs in confusables.confusables_data.items()
    }
    prototypes = {}
    for char, glyphs in table.items():
        if len(char) != 1 or len(glyphs) != 1:
            continue
        target = glyphs[0]
        if len(target) > 1 or len(table.get(target, ())) > 1:
            prototypes[char] = target
        elif (_is_compatibility(char), char) > (_is_compatibility(target), target):
            # A pair: a compatibility form (a Kangxi radical, a halfwidth mark)
            # gives way to the ordinary character, else the lower code point wins.
            prototypes[char] = target
    return prototypes


def _is_compatibility(char: str) -> bool:
    return unicodedata.normalize("NFKC", char) != char


def _map(value: str) -> str:
    prototypes = _prototypes()
    for _ in range(3):  # the data is idempotent; this is only a bound
        mapped = "".join(prototypes.get(char, char) for char in value)
        mapped = unicodedata.normalize("NFD", mapped)
        if mapped == value:
            break
        value = mapped
    return value


def _fold(value: str) -> str:
    """Case-fold, then map; again, until stable ("0" → "O" → "o")."""
    for _ in range(3):
        folded = _map(value.casefold())
        if folded == value:
            break
        value = folded
    return value


@cache
def _latin_reading(char: str) -> str:
    """One character of the first key: its lowercase look-alike, taking the
    reading that gives a plain Latin letter when the small and capital forms
    disagree (capital Cyrillic "В" looks like "B", its small "в" does not look
    like "b")."""
    lower_first = _fold(char)
    if lower_first.isascii():
        return lower_first
    mapped_first = _fold(_map(char))
    return mapped_first if mapped_first.isascii() else lower_first


def _prepared(value: str) -> str:
    value = " ".join(unicodedata.normalize("NFKC", value).split())
    value = unicodedata.normalize("NFD", value)
    return "".join(char for char in value if not _is_ignorable(char))


@lru_cache(maxsize=4096)  # staff names and newsroom words come round every time
def name_keys(value: str) -> tuple[str, str]:
    """The two confusable keys of `value` (see the module docstring)."""
    value = _prepared(value)
    folded = "".join(_latin_reading(char) for char in value)
    # A dot above an i is lost in the i's own dot ("Admi̇n").
    folded = folded.replace("i\u0307", "i").replace("j\u0307", "j")
    standard = _map(value).casefold()
    return folded, standard


def keys_match(first: tuple[str, str], second: tuple[str, str]) -> bool:
    """Whether two names' keys (from `name_keys`) say they look the same."""
    return any(a == b for a, b in zip(first, second, strict=True))
