"""User-supplied text in Markdown elements, shown exactly as written."""

from __future__ import annotations

import re
import string

_MARKDOWN_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})
_NO_AUTOLINK = re.compile(r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=www)(?=\.)|(?=@)")
WORD_JOINER = "\u2060"  # invisible; it stops a URL or an address from being recognised as one


def plain(text):
    """``text`` for a Markdown element (``st.warning``, ``st.error``, ``st.caption``) shown exactly as
    written: every ASCII punctuation character is backslash-escaped, so a column, class or file name
    such as ``**x**``, ``[a](b)``, ``:red[c]`` or ``$x$`` shows those characters instead of bold text, a
    link, a colour or a formula (CommonMark lets any ASCII punctuation be escaped); and an invisible word
    joiner goes before the ``:`` of ``http(s)://``, the ``.`` of ``www.`` and every ``@``, which GitHub
    Markdown would otherwise turn into links even when escaped."""
    return _NO_AUTOLINK.sub(WORD_JOINER, str(text)).translate(_MARKDOWN_ESCAPES)
