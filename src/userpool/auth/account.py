"""Operations a signed-in user makes with an access token (spec §1.6, §3.8, §6.7):
GetUser, UpdateUserAttributes, DeleteUserAttributes, GetUserAttributeVerificationCode,
VerifyUserAttribute, ChangePassword, DeleteUser, GlobalSignOut — and RevokeToken, authorised by the app client."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from userpool.auth import lockout, tokens
from userpool.auth.first_factor import WRONG
from userpool.auth.runtime import AuthRuntime
from userpool.directory import attributes, custom_message, limits, messages, mfa, users
from userpool.directory.client_auth import check_client_secret
from userpool.directory.clients import get_client
from userpool.directory.codes import Claimant, Outbox, issue, redeem_code_then
from userpool.directory.passwords import check_policy, matches, new_password
from userpool.model.entities import CodePurpose, User, UserStatus, VerificationCode
from userpool.model.errors import (
    CognitoError,
    InvalidParameterException,
    LimitExceededException,
    NotAuthorizedException,
    PasswordResetRequiredException,
    UnauthorizedException,
    UnsupportedOperationException,
    UnsupportedTokenTypeException,
    UserNotConfirmedException,
    UserNotFoundException,
)
from userpool.model.ports import Tx


def authenticated(auth: AuthRuntime, tx: Tx, body: Mapping[str, Any]) -> tokens.AccessContext:
    """The caller of an access-token operation, inside the caller's transaction.

    GetDevice and ForgetDevice declare ``AccessToken`` optional in the model, so the wire lets a
    call without one through: it is refused here like a missing AuthParameters key, not a 500."""
    token = body.get("AccessToken")
    if token is None:
        raise InvalidParameterException("Missing required parameter AccessToken")
    caller = tokens.authenticate(auth, tx, token)
    if caller.user.status == UserStatus.RESET_REQUIRED:
        raise PasswordResetRequiredException()
    if caller.user.status == UserStatus.UNCONFIRMED:
        raise UserNotConfirmedException()
    return caller


def _caller(auth: AuthRuntime, body: Mapping[str, Any]) -> tokens.AccessContext:
    with auth.rt.store.read() as tx:
        return authenticated(auth, tx, body)


def _locked(tx: Tx, caller: tokens.AccessContext) -> User:
    """The caller read again, row locked, in the transaction that writes it back: never the
    copy ``_caller`` read in an earlier one (that would undo concurrent writes)."""
    user = tx.lock_user(caller.pool.id, caller.user.username)
    if user is None:
        raise UserNotFoundException()
    return user


def get_user(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    with auth.rt.store.read() as tx:
        caller = authenticated(auth, tx, body)
    return {
        "Username": caller.user.username,
        "UserAttributes": attributes.to_list(attributes.readable(caller.user.attributes, caller.client)),
        **mfa.settings_output(caller.user),
    }


def update_user_attributes(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    caller = _caller(auth, body)
    outbox = Outbox()
    with auth.rt.store.transaction() as tx:
        user = _locked(tx, caller)
        client = tx.get_client(caller.client_id)
        _, sent = users.update_attributes(
            auth.rt, tx, outbox, caller.pool, user, attributes.to_map(body["UserAttributes"]), admin=False,
            client=client, metadata=body.get("ClientMetadata") or None,
        )
    outbox.flush(auth.rt)
    return {"CodeDeliveryDetailsList": sent}


def delete_user_attributes(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    caller = _caller(auth, body)
    with auth.rt.store.transaction() as tx:
        user = _locked(tx, caller)
        tx.update_user(users.delete_attributes(caller.pool, user, list(body["UserAttributeNames"]),
                                               auth.rt.clock.now(), admin=False))
    return {}


def change_password(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    """ChangePassword (spec §3.8): the proposed password must meet the policy (checked first,
    counting nothing); then, in one transaction under the user's lockout row lock, the call
    counts toward the 5-per-hour limit (§2.6), the previous password is checked like a sign-in
    and only a wrong one counts toward the lockout (§9.1), and the history is checked. The user
    is read inside that transaction and only the password changes, so a concurrent
    AdminDisableUser or sign-out is never undone. Refusals are raised after the commit, so
    what was counted stays counted."""
    caller = _caller(auth, body)
    pool = caller.pool
    proposed = body["ProposedPassword"]
    check_policy(pool.password_policy, proposed)
    previous = body.get("PreviousPassword")
    refusal: CognitoError | None = None
    with auth.rt.store.transaction() as tx:
        now = auth.rt.clock.now()
        user = tx.lock_user(pool.id, caller.user.username)
        if user is None:
            raise UserNotFoundException()
        if not user.enabled:
            raise NotAuthorizedException("User is disabled.")
        state = lockout.attempt(tx, pool.id, user.username, now) if user.password is not None else None
        limits.take(tx, pool.id, user.username, "ChangePassword", now)
        if user.password is not None and state is not None:
            if previous is None or not matches(pool, user.username, previous, user.password):
                lockout.failed(tx, pool.id, user.username, state, now, auth.rt.metrics)
                refusal = NotAuthorizedException(WRONG)
            else:
                lockout.succeeded(tx, pool.id, user.username, state)
        if refusal is None:
            try:
                credential, history = new_password(pool, user, proposed, auth.rt.random, now)
            except CognitoError as error:  # PasswordHistoryPolicyViolationException
                refusal = error
            else:
                tx.update_user(replace(user, password=credential, password_history=history, last_modified=now))
    if refusal is not None:
        raise refusal
    return {}


def delete_user(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    caller = _caller(auth, body)
    with auth.rt.store.transaction() as tx:
        tx.delete_user(caller.pool.id, caller.user.username)
    return {}


def global_sign_out(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    """Writes only the refresh tokens' revoked flag and the user's (monotonic) cut-off, so the
    caller read in the earlier transaction is never written back."""
    caller = _caller(auth, body)
    with auth.rt.store.transaction() as tx:
        users.sign_out_everywhere(auth.rt, tx, caller.user)
    return {}


def revoke_token(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    """RevokeToken (spec §6.7): revokes the refresh token's whole family; an unknown or
    already revoked token succeeds silently (RFC 7009)."""
    with auth.rt.store.transaction() as tx:
        client = get_client(tx, body["ClientId"])
        if not check_client_secret(client, body.get("ClientSecret")):
            raise UnauthorizedException("Client authentication failed.")
        if not client.enable_token_revocation:
            raise UnsupportedOperationException("Token revocation is not enabled for this app client.")
        token = body["Token"]
        if token.count(".") == 2:
            raise UnsupportedTokenTypeException("The token provided is not a refresh token.")
        record = tx.get_refresh_token(tokens.hash_refresh_token(token))
        if record is None:
            return {}
        if record.client_id != client.client_id:
            raise UnauthorizedException("The token was not issued to this client.")
        tx.revoke_family(record.pool_id, record.origin_jti)
    return {}


_VERIFIABLE = {"email": CodePurpose.VERIFY_EMAIL, "phone_number": CodePurpose.VERIFY_PHONE_NUMBER}


def get_user_attribute_verification_code(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    """Sends a code to the user's email or phone number (spec §3.8), bound to that value. While
    a changed value waits for verification (AttributesRequireVerificationBeforeUpdate), the new
    code goes to the pending value, as the first one did: that is the value left to verify."""
    caller = _caller(auth, body)
    name = body["AttributeName"]
    purpose = _VERIFIABLE.get(name)
    if purpose is None or not caller.user.attributes.get(name):
        raise InvalidParameterException(f"Invalid attribute name or the attribute has no value: {name}")
    medium = "EMAIL" if name == "email" else "SMS"
    outbox = Outbox()
    with auth.rt.store.transaction() as tx:
        now = auth.rt.clock.now()
        counted = limits.take(tx, caller.pool.id, caller.user.username, "GetUserAttributeVerificationCode", now)
        user = tx.get_user(caller.pool.id, caller.user.username) or caller.user
        value = user.attributes.get(name)
        outstanding = tx.get_code(caller.pool.id, user.username, purpose)
        if outstanding is not None and outstanding.value and outstanding.expires_at > now:
            value = outstanding.value
        if not value:
            raise InvalidParameterException(f"Invalid attribute name or the attribute has no value: {name}")
        issue(auth.rt, tx, outbox, caller.pool, user, purpose, medium, value,
              messages.verification_text(caller.pool, medium), bound_to=value, counted=counted,
              call=custom_message.Call("CustomMessage_VerifyUserAttribute", caller.client_id,
                                       body.get("ClientMetadata") or None))
    outbox.flush(auth.rt)
    return {"CodeDeliveryDetails": messages.details(medium, value, name)}


def verify_user_attribute(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    """Redeems the code: the value it was sent to becomes the attribute's value, verified (and,
    in alias pools, usable to sign in); see ``users.promote_verified``."""
    caller = _caller(auth, body)
    name = body["AttributeName"]
    purpose = _VERIFIABLE.get(name)
    if purpose is None:
        raise InvalidParameterException(f"Invalid attribute name: {name}")
    now = auth.rt.clock.now()

    def load(tx: Tx) -> Claimant:
        user = tx.get_user(caller.pool.id, caller.user.username) or caller.user
        return Claimant(caller.pool.id, user.username, user)

    def verify(tx: Tx, user: User, code: VerificationCode) -> None:
        users.promote_verified(tx, caller.pool, user, name, code, now)

    # VerifyUserAttribute declares no TooManyFailedAttemptsException: spent guesses are a limit.
    redeem_code_then(auth.rt, load, purpose, body["Code"], verify, action=None, too_many=LimitExceededException)
    return {}
