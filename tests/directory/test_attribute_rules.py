"""The attribute-write rule in process (issue 9 item 1; spec §2.2, §3.8): users and app clients
never write the verified flags, administrators may; a changed address loses its verification."""

from __future__ import annotations

import pytest

from userpool.directory import attributes, schema
from userpool.model.entities import AppClient, UserPool
from userpool.model.errors import NotAuthorizedException

POOL = UserPool("us-east-1_Rules", "rules", 0.0, 0.0, {}, schema.build_schema(None))
OPEN_CLIENT = AppClient(POOL.id, "client", "app", 0.0, 0.0)
LISTING_CLIENT = AppClient(POOL.id, "client", "app", 0.0, 0.0, config={"WriteAttributes": ["email", "name"]})


@pytest.mark.parametrize("flag", ["email_verified", "phone_number_verified"])
@pytest.mark.parametrize("client", [None, OPEN_CLIENT, LISTING_CLIENT])
@pytest.mark.parametrize("creating", [True, False])
def test_users_never_write_verified_flags(flag: str, client: AppClient | None, creating: bool) -> None:
    with pytest.raises(NotAuthorizedException, match=r"^A client attempted to write unauthorized attribute$"):
        attributes.check_writes(POOL, {"email": "a@example.com", flag: "true"}, creating=creating, admin=False,
                                client=client)


@pytest.mark.parametrize("flag", ["email_verified", "phone_number_verified"])
def test_administrators_may_write_verified_flags(flag: str) -> None:
    attributes.check_writes(POOL, {flag: "true"}, creating=False, admin=True)


def test_client_write_attributes_still_limit_users() -> None:
    attributes.check_writes(POOL, {"email": "a@example.com"}, creating=False, admin=False, client=LISTING_CLIENT)
    with pytest.raises(NotAuthorizedException):
        attributes.check_writes(POOL, {"nickname": "x"}, creating=False, admin=False, client=LISTING_CLIENT)


def test_changed_phone_number_loses_its_verification() -> None:
    current = {"phone_number": "+15555550100", "phone_number_verified": "true"}
    assert attributes.apply_changes(current, {"phone_number": "+15555550101"})["phone_number_verified"] == "false"
    assert attributes.apply_changes(current, {"phone_number": "+15555550100"})["phone_number_verified"] == "true"
