"""Admin user management: AdminCreateUser, AdminGetUser, AdminDeleteUser, AdminSetUserPassword,
AdminEnableUser, AdminDisableUser, AdminUpdateUserAttributes, AdminDeleteUserAttributes,
AdminConfirmSignUp, AdminResetUserPassword, AdminUserGlobalSignOut and ListUsers
(spec §2.3 status transitions, §3.8).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from userpool.crypto import codes as code_math
from userpool.directory import (
    attributes,
    custom_message,
    first_factors,
    lifecycle_triggers,
    messages,
    pagination,
    triggers,
    usernames,
)
from userpool.directory.codes import Outbox, Undo, customizer, issue
from userpool.directory.ids import new_uuid
from userpool.directory.passwords import check_policy, make_credential, new_password
from userpool.directory.pools import get_pool
from userpool.directory.runtime import Runtime
from userpool.directory.schema import VERIFIED_FLAGS
from userpool.directory.user_records import admin_get_user_output, find_for_admin, user_type
from userpool.model.entities import AppClient, CodePurpose, Message, User, UserPool, UserStatus, VerificationCode
from userpool.model.errors import (
    AliasExistsException,
    InvalidParameterException,
    NotAuthorizedException,
    StoreConflict,
    UnsupportedUserStateException,
    UsernameExistsException,
    UserNotFoundException,
)
from userpool.model.ports import Tx, UserFilter

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+[0-9]{4,15}$")


def sign_in_name(pool: UserPool, typed: str, attrs: dict[str, str], rt: Runtime) -> str:
    """The internal username for a new user; in UsernameAttributes pools a new UUID (= sub)
    and the typed email / phone number becomes the attribute."""
    if not pool.username_attributes:
        return usernames.normalize(pool, typed)
    if "email" in pool.username_attributes and _EMAIL.match(typed):
        attrs["email"] = typed
    elif "phone_number" in pool.username_attributes and _PHONE.match(typed):
        attrs["phone_number"] = typed
    else:
        expected = " or ".join("an email" if a == "email" else "a phone number" for a in pool.username_attributes)
        raise InvalidParameterException(f"Username should be {expected}.")
    return attrs.setdefault("sub", new_uuid(rt.random))


def ensure_sign_in_name_free(tx: Tx, pool: UserPool, attrs: Mapping[str, str]) -> None:
    """In UsernameAttributes pools the email / phone number *is* the sign-in name: a second
    user may not take one already used (SignUp and AdminCreateUser alike)."""
    for attribute in pool.username_attributes:
        value = attrs.get(attribute)
        if value and usernames.alias_owner(tx, pool, attribute, value, exclude=None):
            raise UsernameExistsException(f"An account with the given {attribute} already exists.")


def claim_aliases(tx: Tx, pool: UserPool, user: User, *, force: bool, now: float, confirming: bool = False) -> None:
    """Refuses (or, with ``force``, moves) an alias another user already holds (spec §3.8):
    AliasExistsException "An account with the given email already exists." (phone_number,
    preferred_username likewise); ConfirmSignUp words it as the Guide does, "An account with
    the email already exists." (spec §11.10)."""
    for attribute in (*pool.alias_attributes, *pool.username_attributes):
        value = user.attributes.get(attribute)
        flag = VERIFIED_FLAGS.get(attribute)
        if not value or (flag and user.attributes.get(flag) != "true" and attribute not in pool.username_attributes):
            continue
        other = usernames.alias_owner(tx, pool, attribute, value, exclude=user.username)
        if other is None:
            continue
        if attribute in pool.username_attributes:  # the address is another user's sign-in name (spec §11.10)
            raise AliasExistsException(f"An account with the given {attribute} already exists.")
        if not force:
            given = "" if confirming else "given "
            raise AliasExistsException(f"An account with the {given}{attribute} already exists.")
        other = tx.lock_user(other.pool_id, other.username) or other  # its latest row, locked
        moved = dict(other.attributes)
        if flag:
            moved[flag] = "false"
        else:
            moved.pop(attribute, None)
        tx.update_user(replace(other, attributes=moved, last_modified=now))


def admin_create_user(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    outbox = Outbox()
    action = body.get("MessageAction")
    planned = None if action == "RESEND" else _pre_sign_up_admin(rt, body)
    now = rt.clock.now()
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        attrs = attributes.to_map(body.get("UserAttributes"))
        attrs = attributes.check_writes(pool, attrs, creating=True, admin=True)
        typed = body["Username"]
        existing = usernames.resolve(tx, pool, typed) if action == "RESEND" else None
        if existing is not None:
            existing = tx.lock_user(pool.id, existing.username)
        if action == "RESEND":
            if existing is None:
                raise UserNotFoundException()
            if existing.status != UserStatus.FORCE_CHANGE_PASSWORD:
                raise UnsupportedUserStateException("Resend not possible. User is in state " + existing.status)
            user = existing
        else:
            username = planned if planned is not None else sign_in_name(pool, typed, attrs, rt)
            if planned is not None:
                sign_in_name(pool, typed, attrs, rt)  # the typed e-mail / phone becomes the attribute
            attrs.setdefault("sub", new_uuid(rt.random))
            # No check_required here: required attributes an admin leaves out are asked for in
            # NEW_PASSWORD_REQUIRED's requiredAttributes (AdminCreateUser's UserAttributes doc [M]).
            user = User(pool.id, username, attrs, UserStatus.FORCE_CHANGE_PASSWORD, True, now, now)
        password = body.get("TemporaryPassword") or None
        if password is not None:
            check_policy(pool.password_policy, password)
        elif existing is None and first_factors.passwordless(pool):
            password = ""  # a passwordless user, who signs in with one-time codes (USER_AUTH)
        else:
            policy = pool.password_policy
            password = code_math.temporary_password(
                rt.random.bytes, max(policy.minimum_length, 8), True, True, True, policy.require_symbols
            )
        if password:
            user = replace(user, password=make_credential(pool, user.username, password, rt.random, now,
                                                          temporary=True), last_modified=now)
        else:
            user = replace(user, status=UserStatus.CONFIRMED, password=None, last_modified=now)
        undo: Undo | None = None
        if existing is None:
            ensure_sign_in_name_free(tx, pool, user.attributes)
            claim_aliases(tx, pool, user, force=bool(body.get("ForceAliasCreation")), now=now)
            try:
                tx.insert_user(user)
            except StoreConflict:
                raise UsernameExistsException("User account already exists") from None
        else:
            tx.update_user(user)
            undo = _restore_password(existing, user)
        if action != "SUPPRESS":
            _invite(rt, pool, user, password, body.get("DesiredDeliveryMediums") or ["SMS"], outbox, now, undo)
    outbox.flush(rt)
    return {"User": user_type(user)}


def _pre_sign_up_admin(rt: Runtime, body: Mapping[str, Any]) -> str | None:
    """PreSignUp_AdminCreateUser, before the transaction that creates the user: its answer is
    ignored (spec §7.3), an error refuses the call. Returns the internal username the event named
    (a new UUID in UsernameAttributes pools), for the user to be created with; None when the pool
    has no PreSignUp function."""
    with rt.store.read() as tx:
        pool = get_pool(tx, body["UserPoolId"])
    if triggers.function_arn(pool, "PreSignUp") is None:
        return None
    attrs = attributes.check_writes(pool, attributes.to_map(body.get("UserAttributes")), creating=True, admin=True)
    username = sign_in_name(pool, body["Username"], attrs, rt)
    lifecycle_triggers.pre_sign_up(rt, pool, "PreSignUp_AdminCreateUser", username, attrs, None,
                                   lifecycle_triggers.validation_data(body.get("ValidationData")),
                                   body.get("ClientMetadata") or None)
    return username


def _restore_password(before: User, after: User) -> Undo:
    """A RESEND whose invitation reached nobody puts the previous temporary password back (the
    one the last invitation carried), unless the password has changed again meanwhile. A new
    user stays created in FORCE_CHANGE_PASSWORD, as in Cognito (aws/aws-sdk#438): the
    administrator can send the invitation again with RESEND."""

    def undo(tx: Tx) -> None:
        current = tx.lock_user(after.pool_id, after.username)
        if current is not None and current.password == after.password:
            tx.update_user(replace(current, password=before.password, last_modified=after.last_modified))

    return undo


def _invite(rt: Runtime, pool: UserPool, user: User, password: str, mediums: list[str], outbox: Outbox,
            now: float, undo: Undo | None) -> None:
    """Queues the invitation; CustomMessage_AdminCreateUser gets no ClientMetadata (spec §7.4).
    Should the CustomMessage function refuse, a new user is removed again (``undo`` is None for
    one); a RESEND gets its previous password back."""
    call = custom_message.Call(custom_message.INVITATION)
    refused = undo or _remove_new_user(user)
    for medium in mediums:
        attribute = "email" if medium == "EMAIL" else "phone_number"
        destination = user.attributes.get(attribute)
        if destination:
            text = messages.invitation_text(pool, medium)

            def render(chosen: tuple[str, str | None], medium: str = medium, destination: str = destination) -> Message:
                return messages.render(pool, user, "ADMIN_CREATE_USER", medium, destination, password, chosen, now)

            outbox.queue(render(text), undo, customizer(rt, pool, user, call, medium, text, render), refused,
                         call=call)


def _remove_new_user(created: User) -> Undo:
    """Deletes a user AdminCreateUser created, unless it has changed since (its password)."""

    def undo(tx: Tx) -> None:
        current = tx.lock_user(created.pool_id, created.username)
        if current is not None and current.password == created.password:
            tx.delete_user(created.pool_id, created.username)

    return undo


def find_for_update(tx: Tx, pool: UserPool, typed: str) -> User:
    """The user an admin call names, read again with its row locked, for a read-modify-write
    that ``update_user`` completes in the same transaction (no lost update on PostgreSQL)."""
    user = tx.lock_user(pool.id, find_for_admin(tx, pool, typed).username)
    if user is None:
        raise UserNotFoundException()
    return user


def admin_get_user(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.read() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        return admin_get_user_output(find_for_admin(tx, pool, body["Username"]))


def admin_delete_user(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        user = find_for_admin(tx, pool, body["Username"])
        tx.delete_user(pool.id, user.username)
    return {}


def admin_set_user_password(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    permanent = bool(body.get("Permanent", False))
    now = rt.clock.now()
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        user = find_for_update(tx, pool, body["Username"])
        credential, history = new_password(pool, user, body["Password"], rt.random, now, temporary=not permanent)
        status = UserStatus.CONFIRMED if permanent else UserStatus.FORCE_CHANGE_PASSWORD
        if not permanent and user.status == UserStatus.UNCONFIRMED:
            status = UserStatus.FORCE_CHANGE_PASSWORD
        tx.update_user(replace(user, password=credential, password_history=history, status=status,
                               last_modified=now))
    return {}


def _set_enabled(rt: Runtime, body: Mapping[str, Any], enabled: bool) -> dict[str, Any]:
    """AdminEnableUser / AdminDisableUser. Disabling "deactivates a user and revokes all access
    tokens for the user" (API reference): every refresh token and every access token issued
    until now, for good — enabling the user again does not bring them back."""
    now = rt.clock.now()
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        user = find_for_admin(tx, pool, body["Username"])
        tx.set_user_enabled(pool.id, user.username, enabled, now)
        if not enabled:
            sign_out_everywhere(rt, tx, user)
    return {}


def admin_enable_user(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    return _set_enabled(rt, body, True)


def admin_disable_user(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    return _set_enabled(rt, body, False)


_VERIFY_PURPOSE = {"email": CodePurpose.VERIFY_EMAIL, "phone_number": CodePurpose.VERIFY_PHONE_NUMBER}


def write_attributes(
    tx: Tx, pool: UserPool, user: User, changes: Mapping[str, str], *, admin: bool,
    client: AppClient | None, now: float,
) -> User:
    """The one rule every change to an existing user's attributes goes through:
    AdminUpdateUserAttributes, UpdateUserAttributes, the NEW_PASSWORD_REQUIRED answer (and the
    MFA_SETUP / USER_AUTH answers to come). Runs inside the caller's write transaction, on the
    user read in it; the caller stores the user it returns, in that same transaction.

    - schema, mutability, developer-only and the app client's WriteAttributes; a user never sets
      ``email_verified`` / ``phone_number_verified`` (``attributes.check_writes``);
    - a changed email / phone number becomes unverified (``attributes.apply_changes``), unless
      the pool lists it in ``UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate``
      and the current value is verified: then the new value stays pending (``pending_changes``)
      and the old one stays in effect, verified, until the code sent to the new one is redeemed
      (``promote_verified``). Only ``update_attributes`` sends that code; a path that sends
      none (NEW_PASSWORD_REQUIRED) keeps the old value;
    - a verification code still outstanding for the old value (or an earlier pending value) is
      withdrawn; codes are also bound to the value they were sent to (``VerificationCode.value``);
    - required attributes keep a value;
    - aliases: a value that is another user's sign-in name or verified alias is refused with
      AliasExistsException (``claim_aliases``, spec §3.8, §11.10); a pending value that is
      another user's sign-in name is refused at once too.
    """
    return _write(tx, pool, user, changes, admin=admin, client=client, now=now)[0]


def pending_changes(pool: UserPool, user: User, changes: Mapping[str, str], *, admin: bool) -> dict[str, str]:
    """The email / phone number changes that wait for verification
    (``AttributesRequireVerificationBeforeUpdate``): a new, non-empty value replacing a verified
    one. An administrator who sets the ``*_verified`` flag in the same AdminUpdateUserAttributes
    call applies the value at once (UserAttributeUpdateSettingsType); with nothing verified to
    keep, the change applies at once, unverified, as without the setting."""
    pending: dict[str, str] = {}
    for attribute in pool.attributes_verified_before_update:
        flag = VERIFIED_FLAGS.get(attribute)
        new, current = changes.get(attribute), user.attributes.get(attribute)
        if flag is None or not new or not current or new == current or user.attributes.get(flag) != "true":
            continue
        if admin and flag in changes:
            continue
        pending[attribute] = new
    return pending


def _write(
    tx: Tx, pool: UserPool, user: User, changes: Mapping[str, str], *, admin: bool,
    client: AppClient | None, now: float,
) -> tuple[User, dict[str, str]]:
    changes = attributes.check_writes(pool, changes, creating=False, admin=admin, client=client)
    pending = pending_changes(pool, user, changes, admin=admin)
    applied = {name: value for name, value in changes.items() if name not in pending}
    updated = replace(user, attributes=attributes.apply_changes(user.attributes, applied), last_modified=now)
    attributes.check_required(pool, updated.attributes)
    claim_aliases(tx, pool, updated, force=False, now=now)
    for attribute, value in pending.items():
        if attribute in pool.username_attributes and usernames.alias_owner(
                tx, pool, attribute, value, exclude=user.username):
            raise AliasExistsException(f"An account with the given {attribute} already exists.")
    for attribute, purpose in _VERIFY_PURPOSE.items():
        if updated.attributes.get(attribute) != user.attributes.get(attribute) or attribute in pending:
            tx.delete_code(user.pool_id, user.username, purpose)
    return updated, pending


def update_attributes(
    rt: Runtime, tx: Tx, outbox: Outbox, pool: UserPool, user: User, changes: dict[str, str], *,
    admin: bool, client: AppClient | None = None, metadata: Mapping[str, str] | None = None,
) -> tuple[User, list[dict[str, str]]]:
    """Shared by AdminUpdateUserAttributes and UpdateUserAttributes: ``write_attributes``, then a
    verification code, bound to the new value, when an auto-verified email / phone changes to a
    value not yet verified, or waits for verification (``pending_changes``)."""
    now = rt.clock.now()
    updated, pending = _write(tx, pool, user, changes, admin=admin, client=client, now=now)
    tx.update_user(updated)
    sent: list[dict[str, str]] = []
    for attribute, flag in VERIFIED_FLAGS.items():
        value = pending.get(attribute)
        if value is None:
            changed = attribute in changes and user.attributes.get(attribute) != changes[attribute]
            if not changed or attribute not in pool.auto_verified_attributes or updated.attributes.get(flag) == "true":
                continue
            value = changes[attribute]
        if not value:  # deleted: nothing to verify
            continue
        medium = "EMAIL" if attribute == "email" else "SMS"
        issue(rt, tx, outbox, pool, updated, _VERIFY_PURPOSE[attribute], medium, value,
              messages.verification_text(pool, medium), bound_to=value,
              call=custom_message.Call("CustomMessage_UpdateUserAttribute", client.client_id if client else None,
                                       metadata))
        sent.append(messages.details(medium, value, attribute))
    return updated, sent


def promote_verified(tx: Tx, pool: UserPool, user: User, attribute: str, code: VerificationCode, now: float) -> User:
    """VerifyUserAttribute's effect, in the transaction that spends ``code``: the value the code
    was sent to becomes the attribute's value, verified — a pending value
    (AttributesRequireVerificationBeforeUpdate) replaces the old one here. Alias uniqueness is
    checked again at this moment (``claim_aliases``: AliasExistsException, nothing changes). A
    code stored before codes were bound (no ``value``) verifies the current value."""
    value = code.value if code.value is not None else user.attributes.get(attribute)
    if not value:
        raise InvalidParameterException(f"Invalid attribute name or the attribute has no value: {attribute}")
    verified = mark_verified(tx, pool, user, attribute, value, now)
    tx.update_user(verified)
    return verified


def mark_verified(tx: Tx, pool: UserPool, user: User, attribute: str, value: str, now: float) -> User:
    """The user with ``attribute`` = ``value``, verified, after a code sent to ``value`` was
    redeemed (VerifyUserAttribute; an SMS MFA code verifies the number it went to, spec §3.6).
    Alias uniqueness is checked at this moment (``claim_aliases``: AliasExistsException). The
    caller writes the user back."""
    verified = replace(user, attributes={**user.attributes, attribute: value, VERIFIED_FLAGS[attribute]: "true"},
                       last_modified=now)
    claim_aliases(tx, pool, verified, force=False, now=now)
    return verified


def admin_update_user_attributes(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    outbox = Outbox()
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        user = find_for_update(tx, pool, body["Username"])
        update_attributes(rt, tx, outbox, pool, user, attributes.to_map(body["UserAttributes"]), admin=True,
                          metadata=body.get("ClientMetadata") or None)
    outbox.flush(rt)
    return {}


def delete_attributes(pool: UserPool, user: User, names: list[str], now: float, *, admin: bool) -> User:
    """AdminDeleteUserAttributes / DeleteUserAttributes. Unknown names are all reported at once:
    "Invalid user attributes: user.{name}: Attribute does not exist in the schema.\\n" for each."""
    unknown = [name for name in names if pool.schema_attribute(name) is None]
    if unknown:
        raise InvalidParameterException("Invalid user attributes: " + "".join(
            f"user.{name}: Attribute does not exist in the schema.\n" for name in unknown))
    remaining = dict(user.attributes)
    for name in names:
        attribute = pool.schema_attribute(name)
        if attribute is None:  # pragma: no cover - refused above
            continue
        if attribute.required or name == "sub":
            raise InvalidParameterException(f"Cannot delete a required attribute: {name}")
        if not attribute.mutable:
            raise InvalidParameterException(f"Cannot modify an immutable attribute: {name}")
        if attribute.developer_only and not admin:
            raise NotAuthorizedException(attributes.UNAUTHORIZED_WRITE)
        remaining.pop(name, None)
        if name in VERIFIED_FLAGS:
            remaining.pop(VERIFIED_FLAGS[name], None)
    return replace(user, attributes=remaining, last_modified=now)


def admin_delete_user_attributes(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        user = find_for_update(tx, pool, body["Username"])
        tx.update_user(delete_attributes(pool, user, list(body["UserAttributeNames"]), rt.clock.now(), admin=True))
    return {}


def admin_confirm_sign_up(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        user = find_for_update(tx, pool, body["Username"])
        if user.status != UserStatus.UNCONFIRMED:
            raise NotAuthorizedException(f"User cannot be confirmed. Current status is {user.status.value}")
        user = replace(user, status=UserStatus.CONFIRMED, last_modified=rt.clock.now())
        tx.update_user(user)
    lifecycle_triggers.post_confirmation(rt, pool, user, "PostConfirmation_ConfirmSignUp", None,
                                         body.get("ClientMetadata") or None)
    return {}


def admin_reset_user_password(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    outbox = Outbox()
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        user = find_for_update(tx, pool, body["Username"])
        target = messages.delivery(pool, user, verified_only=True)
        if target is None:
            raise InvalidParameterException(
                "Cannot reset password for the user as there is no registered/verified email or phone_number"
            )
        medium, destination, _ = target
        user = replace(user, status=UserStatus.RESET_REQUIRED, last_modified=rt.clock.now())
        tx.update_user(user)
        issue(rt, tx, outbox, pool, user, CodePurpose.FORGOT_PASSWORD, medium, destination,
              messages.verification_text(pool, medium),
              call=custom_message.Call("CustomMessage_ForgotPassword", None, body.get("ClientMetadata") or None))
    outbox.flush(rt)
    return {}


def admin_user_global_sign_out(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        user = find_for_admin(tx, pool, body["Username"])
        sign_out_everywhere(rt, tx, user)
    return {}


def sign_out_everywhere(rt: Runtime, tx: Tx, user: User) -> None:
    """GlobalSignOut semantics (spec §6.7): every refresh token, and every access token
    issued up to now, is revoked. Only the pool and username of ``user`` are used, so a copy
    read in an earlier transaction is fine: nothing else of it is written back."""
    tx.revoke_user_tokens(user.pool_id, user.username)
    tx.set_tokens_revoked_at(user.pool_id, user.username, rt.clock.now())


_FILTER = re.compile(r'^\s*([\w:]+)\s*(=|\^=)\s*"((?:[^"\\]|\\.)*)"\s*$')
FILTERABLE = {
    "username", "email", "phone_number", "name", "given_name", "family_name", "preferred_username",
    "cognito:user_status", "status", "sub",
}


def parse_filter(text: str | None) -> UserFilter | None:
    """ListUsers ``Filter``: ``attribute = "value"`` or ``attribute ^= "value"``."""
    if not text:
        return None
    match = _FILTER.match(text)
    if match is None:
        raise InvalidParameterException("Error while parsing filter.")
    name, op, value = match.groups()
    if name not in FILTERABLE:
        raise InvalidParameterException(f"Invalid search attribute: {name}")
    return UserFilter(name, re.sub(r"\\(.)", r"\1", value), prefix=op == "^=")


def list_users(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    limit = pagination.page_limit(body.get("Limit"), 60, 60)
    after = pagination.decode(body.get("PaginationToken"))
    user_filter = parse_filter(body.get("Filter"))
    wanted = body.get("AttributesToGet")
    with rt.store.read() as tx:
        get_pool(tx, body["UserPoolId"])
        users = tx.list_users(body["UserPoolId"], limit + 1, after, user_filter)
    return pagination.page(users, limit, lambda u: u.username, "Users", "PaginationToken",
                           lambda u: user_type(u, wanted))
