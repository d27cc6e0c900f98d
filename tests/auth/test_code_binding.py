"""A verification code verifies only the value it was sent to (issue 9 item 1): even a code that
outlived a change of the address (a write that did not withdraw it, such as one racing the
redemption) never marks the address that replaced it verified."""

from __future__ import annotations

from dataclasses import replace

from tests.auth.conftest import Harness
from tests.auth.test_code_limits import signed_in_user
from userpool.auth import account
from userpool.model.entities import CodePurpose


def test_a_code_never_verifies_the_address_that_replaced_its_own(harness: Harness) -> None:
    h = harness
    pool_id, _, access = signed_in_user(h, "mallory")
    account.get_user_attribute_verification_code(h.auth, {"AccessToken": access, "AttributeName": "email"})
    code = str(h.sender.messages[-1].code)
    with h.rt.store.transaction() as tx:  # the address changes and the code survives
        user = tx.get_user(pool_id, "mallory")
        assert user is not None
        assert tx.get_code(pool_id, "mallory", CodePurpose.VERIFY_EMAIL) is not None
        tx.update_user(replace(user, attributes={**user.attributes, "email": "victim@example.com"}))

    account.verify_user_attribute(h.auth, {"AccessToken": access, "AttributeName": "email", "Code": code})
    attributes = {a["Name"]: a["Value"] for a in h.get_user(access)["UserAttributes"]}
    assert (attributes["email"], attributes["email_verified"]) == ("mallory@example.com", "true")
