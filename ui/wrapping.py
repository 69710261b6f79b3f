"""Where a wrapping label may break Japanese text: between phrases, not inside them.

Qt breaks Japanese between any two characters, so a narrow box showed
「…／四捨五」 over 「入）」, 「目標」 over 「÷実績」, or a lone 「ん」 under
「…一覧に出ていませ」. A word joiner (U+2060) between the characters of a
phrase forbids a break inside it, and leaves the phrase ends as the places
to break. Plain functions on text; no widgets.
"""

from __future__ import annotations

import re
import unicodedata

#: U+2060 WORD JOINER: no line break on either side of it.
WORD_JOINER = "\u2060"
#: A longer phrase is left breakable: a word-wrapping QLabel does not break a
#: run it may not break, so a long one would widen its box or be cut off.
LONGEST_KEPT = 16

_INNER_SPACE = re.compile(r"(?<=\S) (?=\S)")
#: Japanese clauses: after 、。）」』 and before （「『.
_CLAUSE_ENDS = re.compile(r"(?<=[、。）」』])|(?=[（「『])")


def kept_together(*phrases: str) -> str:
    """``phrases`` as one text that a wrapping label breaks only between them.

    Inside a phrase the characters are joined by word joiners and its spaces
    become no-break spaces; a space that ends a phrase stays a space, to
    break after. A phrase of more than :data:`LONGEST_KEPT` characters is
    left as it is.
    """
    return "".join(_kept(phrase) for phrase in phrases)


def _kept(phrase: str) -> str:
    body = phrase.rstrip(" ")
    if len(body) > LONGEST_KEPT:
        return phrase
    joined: list[str] = []
    for char in _INNER_SPACE.sub("\u00a0", body):
        if joined and not _clings(char, joined[-1]):
            joined.append(WORD_JOINER)
        joined.append(char)
    return "".join(joined) + phrase[len(body) :]


def _clings(char: str, before: str) -> bool:
    """Whether ``char`` is part of the character before it (a combining mark such as a
    decomposed 濁点, a variation selector, either side of a zero-width joiner): no word
    joiner goes between them, which would show the mark on its own."""
    return (
        unicodedata.category(char).startswith("M")
        or char == _ZERO_WIDTH_JOINER
        or before == _ZERO_WIDTH_JOINER
    )


_ZERO_WIDTH_JOINER = "\u200d"


def clauses(text: str) -> list[str]:
    """``text`` cut into its clauses: after 、。）」』 and before （「『."""
    return [part for part in _CLAUSE_ENDS.split(text) if part]


def clause_text(text: str) -> str:
    """``text`` that a wrapping label breaks only between clauses (see :func:`clauses`)."""
    return kept_together(*clauses(text))


def plain(text: str) -> str:
    """The text as written: without the word joiners, no-break spaces as spaces."""
    return text.replace(WORD_JOINER, "").replace("\u00a0", " ")
