"""Regular-expression cost (issue 9 item 8): no pattern of the ``cognito-idp`` model may take more
than linear time on any input a request can carry (1 MiB), and validation never runs a pattern on a
value that already breaks its length constraint.

The only timed tests of the suite: they guard against catastrophic backtracking, so their bounds
are generous (a loaded 2-core machine must pass them) and each verdict uses the median of a few
runs of the slowest input.
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest

from userpool.model.errors import InvalidParameterException
from userpool.wire import patterns, validation
from userpool.wire.service_model import load_service_model
from userpool.wire.validation import validate_input

POOL = "us-east-1_AbCdEf123"
SIZES = (2048, 8192, 32768, 131072)
#: 20 ms fixed plus 0.5 µs per character: a linear matcher spends ~10-50 ns per character.
BASE_BOUND, PER_CHAR_BOUND = 0.020, 0.5e-6
#: Time at 4n over time at n; 4 for a linear matcher, 16 for a quadratic one, 64 for a cubic one.
MAX_GROWTH = 8.0
#: Below this, timings are mostly call overhead and their ratio means nothing.
RATIO_FLOOR = 0.5e-3

#: Characters at the edges of the model's character classes: letters, digits, the punctuation the
#: patterns name (``@ . - _ = + / , :``), the template braces and hashes, spaces and controls (in
#: ``\s`` and ``\S`` or in neither), a combining mark, a symbol, an astral letter and emoji.
EDGE_CHARACTERS = "a0Z@.-_=+/,:{}#! \t\n\x0b\x00é\u0301€\u3000\U00010400😀"
#: Repeated units that make ambiguous patterns try every split: the template markers, an e-mail
#: separator between letters, ARN separators, an underscore between id parts.
UNITS = ("{####}", "{##", "##}", "{##}", "a@", "@.", "a_", "_a", "_0", "arn:a:", "a:", "a.", "a-", "a b", "é@")
#: What follows the run: nothing, a control character (outside every class but ``.`` and ``\S``),
#: a space (outside ``\S``), a dot (the S3 bucket's forbidden last character).
TAILS = ("", "\x00", " ", ".")


def _model_patterns() -> dict[str, int | None]:
    """Every ``pattern`` of the model with the largest ``max`` length any of its shapes allows."""
    found: dict[str, int | None] = {}
    for shape in load_service_model("cognito-idp").shapes.values():
        pattern = shape.get("pattern")
        if pattern:
            limit = shape.get("max")
            previous = found.get(pattern, 0)
            found[pattern] = None if limit is None or previous is None else max(previous, limit)
    return found


MODEL_PATTERNS = _model_patterns()


def _inputs(size: int) -> list[str]:
    runs = [unit * (size // len(unit)) for unit in (*EDGE_CHARACTERS, *UNITS)]
    return [run + tail for run in runs for tail in TAILS]


def _elapsed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _median(call: Callable[[], Any], runs: int = 3) -> float:
    return statistics.median(_elapsed(call) for _ in range(runs))


def _bound(size: int) -> float:
    return BASE_BOUND + PER_CHAR_BOUND * size


def test_every_model_pattern_is_covered() -> None:
    """Request members use most of the model's patterns; the rest (output shapes) are tested too."""
    assert set(validation.compiled_patterns()) <= set(MODEL_PATTERNS)
    assert len(MODEL_PATTERNS) >= 38


@pytest.mark.parametrize("pattern", sorted(MODEL_PATTERNS))
def test_pattern_matching_is_linear(pattern: str) -> None:
    """Each model pattern, without any length check, on long runs of every class edge: the slowest
    input at each size stays under an absolute bound, and quadrupling the size at most multiplies
    its time by MAX_GROWTH."""
    matcher = patterns.compile_pattern(pattern)
    previous: float | None = None
    for size in SIZES:
        texts = _inputs(size)
        slowest = max(texts, key=lambda text: _elapsed(functools.partial(matcher.fullmatch, text)))
        taken = _median(functools.partial(matcher.fullmatch, slowest))
        shown = repr(slowest[:12]) + "..." + repr(slowest[-2:])
        assert taken < _bound(size), f"{pattern!r}: {taken:.3f} s on {size} chars ({shown})"
        if previous is not None and previous > RATIO_FLOOR:
            assert taken / previous < MAX_GROWTH, f"{pattern!r}: x{taken / previous:.1f} from {size // 4} to {size}"
        previous = taken


def message_of(operation: str, body: dict[str, Any]) -> str:
    with pytest.raises(InvalidParameterException) as caught:
        validate_input(operation, body)
    return caught.value.message


def test_over_long_value_reports_its_length_and_skips_the_pattern() -> None:
    """A 1 MiB user name that breaks both its length and its pattern: only the length is checked."""
    calls: list[str] = []
    matcher = validation.compiled_patterns()[r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+"]

    class Spy:
        def fullmatch(self, text: str) -> Any:
            calls.append(text)
            return matcher.fullmatch(text)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validation, "_matcher_for", lambda pattern: Spy(), raising=False)
        message = message_of("AdminGetUser", {"UserPoolId": POOL, "Username": "@" * (1 << 20) + " "})
    assert message == (
        "1 validation error detected: Value at 'username' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )
    assert not [text for text in calls if len(text) > 128]


def test_over_long_template_is_refused_quickly() -> None:
    """The e-mail-link template pattern has three overlapping classes; 1 MiB of markers is over its
    20000-character limit and must be refused for its length at once."""
    body = {"UserPoolId": POOL, "VerificationMessageTemplate": {"EmailMessageByLink": "{####}" * (1 << 17)}}
    taken = _elapsed(lambda: message_of("UpdateUserPool", body))
    assert taken < 1.0
    assert message_of("UpdateUserPool", body).endswith(
        "at 'verificationMessageTemplate.emailMessageByLink' failed to satisfy constraint: "
        "Member must have length less than or equal to 20000"
    )


@pytest.mark.parametrize(
    ("member", "text"),
    [
        ("EmailMessageByLink", "{##" * 6666 + "\x00"),
        ("EmailMessageByLink", "{####}" * 3333 + "\x00"),
        ("EmailMessage", "{####}" * 3333 + "\x00"),
    ],
)
def test_adversarial_template_within_its_limit_is_refused_quickly(member: str, text: str) -> None:
    """Within the length limit the pattern must run, and still in linear time."""
    body = {"UserPoolId": POOL, "VerificationMessageTemplate": {member: text}}
    taken = _elapsed(lambda: message_of("UpdateUserPool", body))
    assert taken < 1.0
    assert "Member must satisfy regular expression pattern" in message_of("UpdateUserPool", body)


def test_twenty_thousand_at_signs_in_an_email_address() -> None:
    """The case the review measured (1.8 s): ``EmailAddressType`` has no length limit."""
    body = {"UserPoolId": POOL, "EmailConfiguration": {"ReplyToEmailAddress": "@" * 20000 + " "}}
    taken = _elapsed(lambda: message_of("UpdateUserPool", body))
    assert taken < 0.5
    assert message_of("UpdateUserPool", body).endswith(
        "at 'emailConfiguration.replyToEmailAddress' failed to satisfy constraint: Member must satisfy "
        r"regular expression pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}]+@[\p{L}\p{M}\p{S}\p{N}\p{P}]+"
    )
