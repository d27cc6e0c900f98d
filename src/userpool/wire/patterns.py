"""The ``pattern`` constraints of the ``cognito-idp`` model, matched in linear time (spec §1.5).

The model's patterns are Java regular expressions, and several are ambiguous: in
``[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+@[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+`` the ``@`` belongs to both
classes, and ``[...]*\\{##[...]*##\\}[...]*`` (an e-mail-link template) has three overlapping
classes. A backtracking engine (Python's ``re``, or Java's) takes quadratic or cubic time on
inputs such as 20000 ``@`` followed by a space. So patterns run on RE2 (``google-re2``), an
automaton engine whose time is linear in the input for every pattern it accepts; what it does
not accept (backreferences, look-around) cannot be compiled, so no model pattern can silently
fall back to backtracking.

Java's syntax is carried over to RE2's as follows:

* ``\\p{L}``-style Unicode classes, ``\\w``, ``\\d`` (ASCII-only in both) and anchors mean the
  same in both engines; patterns are matched whole, like Java's ``Matcher.matches``.
* Java's ``\\s`` is ``[ \\t\\n\\x0B\\f\\r]``; RE2's lacks ``\\x0B``, so ``\\s`` and ``\\S`` are
  spelled out. ``\\S`` inside a larger character class has no RE2 spelling and is refused.
* ``.`` excludes only ``\\n``, as it did with Python's ``re`` (Java also excludes ``\\r``,
  ``\\u0085``, ``\\u2028`` and ``\\u2029``: a difference no client has shown to matter).
* Look-around: the one model pattern that uses it is replaced by an equivalent (``EQUIVALENTS``).

Values are encoded as UTF-8 with lone surrogates kept (``surrogatepass``): RE2 then reads them as
no valid character, so they match ``.``, ``\\S`` and negated classes but no ``\\p{..}`` class, as
with Python's ``re``.
"""

from __future__ import annotations

import functools
from typing import Any

import re2

#: Model patterns RE2 cannot compile, with an equivalent it can.
EQUIVALENTS = {
    # S3BucketType: bucket-name characters, not ending in a dot (the look-behind). The empty string
    # still matches, as the original's does.
    r"^[0-9A-Za-z\.\-_]*(?<!\.)$": r"^(?:[0-9A-Za-z\.\-_]*[0-9A-Za-z\-_])?$",
}

_JAVA_SPACE = r"\t\n\x0B\f\r\x20"


def translate(pattern: str) -> str:
    """Rewrite a Java pattern into RE2 syntax with the same meaning (see the module docstring)."""
    pattern = EQUIVALENTS.get(pattern, pattern).replace(r"[\S]", r"\S")
    out: list[str] = []
    in_class = False
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            escape = pattern[i : i + 2]
            if escape == r"\s":
                out.append(_JAVA_SPACE if in_class else f"[{_JAVA_SPACE}]")
            elif escape == r"\S" and not in_class:
                out.append(f"[^{_JAVA_SPACE}]")
            elif escape == r"\S":
                raise ValueError(f"\\S inside a character class is not supported: {pattern}")
            else:
                out.append(escape)
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading ']' is literal
                out.append("\\]")
                i += 1
            continue
        if ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


def _options() -> Any:
    options = re2.Options()
    options.never_capture = True  # only "does it match?" is asked
    options.log_errors = False  # a refused pattern raises ValueError instead of logging
    return options


class Pattern:
    """One model pattern compiled for RE2: ``fullmatch`` is Java's ``Matcher.matches``."""

    __slots__ = ("_set", "java")

    def __init__(self, java: str) -> None:
        self.java = java
        translated = translate(java)
        try:
            re2.compile(translated, _options())  # for its error message: a Set only says "failed"
        except re2.error as error:
            raise ValueError(f"pattern {java!r} is not supported by RE2: {error}") from None
        # A one-pattern anchored Set: the lightest public way to ask "does the whole text match?"
        # (no match object is built), and its DFA never gives up on a long text.
        self._set = re2.Set.FullMatchSet(_options())
        self._set.Add(translated)
        self._set.Compile()

    def fullmatch(self, text: str) -> bool:
        """True if the whole of ``text`` matches, in time linear in ``len(text)``."""
        return self._set.Match(text.encode("utf-8", "surrogatepass")) is not None

    def __repr__(self) -> str:
        return f"Pattern({self.java!r})"


@functools.cache
def compile_pattern(java: str) -> Pattern:
    """The model pattern ``java`` compiled once per process."""
    return Pattern(java)
