"""Regular-expression cost through the server (issue 9 item 8): adversarial values that made model
patterns backtrack for seconds are answered with Cognito's validation error at once, never a 5xx."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import raises_code


@pytest.mark.parametrize(
    ("settings", "path"),
    [
        ({"EmailConfiguration": {"ReplyToEmailAddress": "@" * 20000 + " "}}, "emailConfiguration.replyToEmailAddress"),
        ({"VerificationMessageTemplate": {"EmailMessageByLink": "{####}" * 3333 + "\x00"}},
         "verificationMessageTemplate.emailMessageByLink"),
    ],
)
def test_adversarial_pattern_input_is_refused_quickly(
    idp: Any, make_pool: Callable[..., str], settings: dict[str, Any], path: str
) -> None:
    pool_id = make_pool()
    start = time.perf_counter()
    with raises_code("InvalidParameterException", f"^1 validation error detected: .* at '{path}' failed to satisfy "
                     "constraint: Member must satisfy regular expression pattern: ") as info:
        idp.update_user_pool(UserPoolId=pool_id, **settings)
    assert time.perf_counter() - start < 2.0
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
