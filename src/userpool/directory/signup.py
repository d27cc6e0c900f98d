"""Self-service sign-up and recovery: SignUp, ConfirmSignUp, ResendConfirmationCode,
ForgotPassword, ConfirmForgotPassword (spec §3.8, §9.3).

Each is authorised by the app client (and its SECRET_HASH when it has a secret). An unknown
user, when PreventUserExistenceErrors does not hide it, is ``UserNotFoundException``
"Username/client id combination not found." (``_not_found``), Cognito's text for these
client-authorised operations (sign-in says "User does not exist.").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from userpool.directory import (
    attributes,
    custom_message,
    first_factors,
    lifecycle_triggers,
    limits,
    messages,
    migration,
    triggers,
    usernames,
)
from userpool.directory.client_auth import check_secret_hash
from userpool.directory.clients import get_client
from userpool.directory.codes import Claimant, Outbox, issue, redeem_then
from userpool.directory.ids import new_uuid
from userpool.directory.passwords import check_policy, make_credential, new_password
from userpool.directory.runtime import Runtime
from userpool.directory.users import claim_aliases, ensure_sign_in_name_free, sign_in_name
from userpool.model.entities import AppClient, CodePurpose, User, UserPool, UserStatus
from userpool.model.errors import (
    CognitoError,
    InvalidParameterException,
    NotAuthorizedException,
    StoreConflict,
    TooManyFailedAttemptsException,
    UsernameExistsException,
    UserNotFoundException,
)
from userpool.model.ports import Tx


def _not_found() -> UserNotFoundException:
    return UserNotFoundException("Username/client id combination not found.")


def _client_and_pool(tx: Tx, body: Mapping[str, Any]) -> tuple[AppClient, UserPool]:
    client = get_client(tx, body["ClientId"])
    pool = tx.get_pool(client.pool_id)
    if pool is None:  # pragma: no cover - a client never outlives its pool
        raise NotAuthorizedException("User pool client does not exist.")
    check_secret_hash(client, body["Username"], body.get("SecretHash"))
    return client, pool


def _sign_up_delivery(pool: UserPool, user: User) -> tuple[str, str, str] | None:
    prefer = tuple(a for a in ("email", "phone_number") if a in pool.auto_verified_attributes)
    return messages.delivery(pool, user, prefer=prefer) if prefer else None


def sign_up(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    return register(rt, body)[0]


def register(rt: Runtime, body: Mapping[str, Any]) -> tuple[dict[str, Any], User, AppClient]:
    """SignUp (spec §3.8): the request checked, then the PreSignUp trigger (outside any
    transaction) may auto-confirm the user and auto-verify the e-mail / phone number given, then
    one transaction creates the user (and stores the confirmation code, unless auto-confirmed);
    an auto-confirmed user gets PostConfirmation_ConfirmSignUp after the commit. Returns the
    answer, the user made and the app client (``auth.sign_up_session`` adds a Session)."""
    with rt.store.read() as tx:
        client, pool = _client_and_pool(tx, body)
    if pool.allow_admin_create_user_only:
        raise NotAuthorizedException("SignUp is not permitted for this user pool")
    password = body.get("Password") or None
    attrs = attributes.to_map(body.get("UserAttributes"))
    attrs = attributes.check_writes(pool, attrs, creating=True, admin=False, client=client)  # no *_verified
    if password is None and not first_factors.can_sign_up_without_password(pool, client.explicit_auth_flows, attrs):
        raise InvalidParameterException(first_factors.PASSWORD_REQUIRED)
    username = sign_in_name(pool, body["Username"], attrs, rt)
    attributes.check_required(pool, attrs)
    if password is not None:
        check_policy(pool.password_policy, password)
    metadata = body.get("ClientMetadata") or None
    auto = lifecycle_triggers.pre_sign_up(rt, pool, "PreSignUp_SignUp", username, attrs, client.client_id,
                                          lifecycle_triggers.validation_data(body.get("ValidationData")), metadata)
    attrs.setdefault("sub", new_uuid(rt.random))
    for flag, attribute in (("autoVerifyEmail", "email"), ("autoVerifyPhone", "phone_number")):
        if auto[flag] and attrs.get(attribute):
            attrs[f"{attribute}_verified"] = "true"
    confirmed = auto["autoConfirmUser"]
    outbox = Outbox()
    now = rt.clock.now()
    with rt.store.transaction() as tx:
        client, pool = _client_and_pool(tx, body)
        ensure_sign_in_name_free(tx, pool, attrs)
        user = User(pool.id, username, attrs, UserStatus.CONFIRMED if confirmed else UserStatus.UNCONFIRMED, True,
                    now, now)
        if password is not None:  # else a passwordless user (USER_AUTH one-time codes)
            user = replace(user, password=make_credential(pool, username, password, rt.random, now))
        if confirmed:  # auto-verified aliases move from another user (spec §7.3)
            claim_aliases(tx, pool, user, force=True, now=now, confirming=True)
        try:
            tx.insert_user(user)
        except StoreConflict:
            raise UsernameExistsException("User already exists") from None
        out: dict[str, Any] = {"UserConfirmed": confirmed, "UserSub": user.sub}
        target = None if confirmed else _sign_up_delivery(pool, user)
        if target is not None:
            medium, destination, attribute = target
            issue(rt, tx, outbox, pool, user, CodePurpose.SIGN_UP, medium, destination,
                  messages.verification_text(pool, medium),
                  call=custom_message.Call("CustomMessage_SignUp", client.client_id, metadata))
            out["CodeDeliveryDetails"] = messages.details(medium, destination, attribute)
    outbox.flush(rt)
    if confirmed:
        lifecycle_triggers.post_confirmation(rt, pool, user, "PostConfirmation_ConfirmSignUp", client.client_id,
                                             metadata)
    return out, user, client


def _migrate_unknown(rt: Runtime, body: Mapping[str, Any]) -> None:
    with rt.store.read() as tx:
        client, pool = _client_and_pool(tx, body)
        if triggers.function_arn(pool, "UserMigration") is None or usernames.resolve(tx, pool, body["Username"]):
            return
    migration.migrate_user(rt, pool, client.client_id, body["Username"], password=None,
                           metadata=body.get("ClientMetadata") or None, source="UserMigration_ForgotPassword")


def _claimant(tx: Tx, client: AppClient, pool: UserPool, typed: str, *, hide_disabled: bool = False) -> Claimant:
    """The user redeeming a code; with PreventUserExistenceErrors ENABLED an unknown name (and,
    if ``hide_disabled``, a disabled user) is concealed: counted like a user, answered like a
    wrong code (spec §9.3)."""
    user = usernames.resolve(tx, pool, typed)
    hide = client.prevent_user_existence_errors
    if user is None:
        if not hide:
            raise _not_found()
        return Claimant(pool.id, limits.key_for_unknown(typed), None)
    if hide_disabled and hide and not user.enabled:
        return Claimant(pool.id, user.username, None)
    return Claimant(pool.id, user.username, user)


def _too_many_codes() -> CognitoError:
    return TooManyFailedAttemptsException("Too many failed attempts.")


def confirm_sign_up(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    confirm_user(rt, body)
    return {}


def confirm_user(rt: Runtime, body: Mapping[str, Any]) -> User | None:
    """ConfirmSignUp; returns the user confirmed (None: an unknown name the client hides)."""

    def load(tx: Tx) -> Claimant:
        client, pool = _client_and_pool(tx, body)
        claim = _claimant(tx, client, pool, body["Username"])
        if claim.user is not None and claim.user.status != UserStatus.UNCONFIRMED:
            raise NotAuthorizedException(f"User cannot be confirmed. Current status is {claim.user.status.value}")
        return claim

    def confirm(tx: Tx, user: User) -> None:
        pool = tx.get_pool(user.pool_id)
        assert pool is not None
        attrs = dict(user.attributes)
        target = _sign_up_delivery(pool, user)
        if target is not None:
            attrs[f"{target[2]}_verified"] = "true"
        confirmed = replace(user, status=UserStatus.CONFIRMED, attributes=attrs, last_modified=rt.clock.now())
        claim_aliases(tx, pool, confirmed, force=bool(body.get("ForceAliasCreation")), now=rt.clock.now(),
                      confirming=True)
        tx.update_user(confirmed)
        done.append((pool, confirmed))

    done: list[tuple[UserPool, User]] = []
    redeem_then(rt, load, CodePurpose.SIGN_UP, body["ConfirmationCode"], confirm, action="ConfirmSignUp",
                too_many=_too_many_codes)
    for pool, user in done:  # after the commit: the user stays confirmed if the trigger fails
        lifecycle_triggers.post_confirmation(rt, pool, user, "PostConfirmation_ConfirmSignUp", body["ClientId"],
                                             body.get("ClientMetadata") or None)
    return done[0][1] if done else None


def resend_confirmation_code(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    outbox = Outbox()
    with rt.store.transaction() as tx:
        client, pool = _client_and_pool(tx, body)
        user = usernames.resolve(tx, pool, body["Username"])
        now = rt.clock.now()
        if user is None and client.prevent_user_existence_errors:
            limits.take(tx, pool.id, limits.key_for_unknown(body["Username"]), "ResendConfirmationCode", now)
            return {"CodeDeliveryDetails": _simulated(pool, body["Username"])}
        if user is None:
            raise _not_found()
        if user.status != UserStatus.UNCONFIRMED:
            raise InvalidParameterException("User is already confirmed.")
        target = _sign_up_delivery(pool, user) or messages.delivery(pool, user)
        if target is None:
            raise InvalidParameterException("Auto verification not turned on.")
        medium, destination, attribute = target
        counted = limits.take(tx, pool.id, user.username, "ResendConfirmationCode", now)
        issue(rt, tx, outbox, pool, user, CodePurpose.SIGN_UP, medium, destination,
              messages.verification_text(pool, medium), counted=counted,
              call=custom_message.Call("CustomMessage_ResendCode", client.client_id,
                                       body.get("ClientMetadata") or None))
    outbox.flush(rt)
    return {"CodeDeliveryDetails": messages.details(medium, destination, attribute)}


def _simulated(pool: UserPool, typed: str) -> dict[str, str]:
    """The concealed answer for an unknown user (spec §9.3): shaped like a real one."""
    if "@" in typed:
        return messages.details("EMAIL", typed, "email")
    if "phone_number" in pool.auto_verified_attributes and "email" not in pool.auto_verified_attributes:
        return {"Destination": "+*******0000", "DeliveryMedium": "SMS", "AttributeName": "phone_number"}
    return {"Destination": f"{typed[:1]}***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def _recovery_order(pool: UserPool) -> tuple[str, ...]:
    """Where ForgotPassword sends its code: the AccountRecoverySetting's mechanisms by priority;
    without the setting, Cognito's legacy order, a verified phone number before a verified
    e-mail ("SMS is preferred over email", AccountRecoverySettingType); none for admin_only."""
    mechanisms = (pool.config.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms") or []
    ordered = sorted(mechanisms, key=lambda m: m.get("Priority", 9))
    names = [m.get("Name") for m in ordered]
    if names == ["admin_only"]:
        return ()
    mapping = {"verified_email": "email", "verified_phone_number": "phone_number"}
    chosen = tuple(mapping[n] for n in names if n in mapping)
    return chosen or ("phone_number", "email")


def forgot_password(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    """ForgotPassword (spec §3.8): a name no user has goes to the pool's UserMigration trigger
    first (``UserMigration_ForgotPassword``), outside the transaction that sends the code."""
    _migrate_unknown(rt, body)
    outbox = Outbox()
    with rt.store.transaction() as tx:
        client, pool = _client_and_pool(tx, body)
        user = usernames.resolve(tx, pool, body["Username"])
        hide = client.prevent_user_existence_errors
        now = rt.clock.now()
        key = user.username if user is not None else limits.key_for_unknown(body["Username"])
        if user is None or not user.enabled:
            if hide:
                limits.take(tx, pool.id, key, "ForgotPassword", now)
                return {"CodeDeliveryDetails": _simulated(pool, body["Username"])}
            if user is None:
                raise _not_found()
            raise NotAuthorizedException("User is disabled.")
        order = _recovery_order(pool)
        if not order:
            raise NotAuthorizedException("Password reset is only allowed by an administrator for this user pool.")
        target = messages.delivery(pool, user, prefer=order, verified_only=True)
        counted = limits.take(tx, pool.id, key, "ForgotPassword", now)
        if target is None:
            if hide:
                return {"CodeDeliveryDetails": _simulated(pool, body["Username"])}
            raise InvalidParameterException(
                "Cannot reset password for the user as there is no registered/verified email or phone_number"
            )
        medium, destination, attribute = target
        issue(rt, tx, outbox, pool, user, CodePurpose.FORGOT_PASSWORD, medium, destination,
              messages.verification_text(pool, medium), counted=counted,
              call=custom_message.Call("CustomMessage_ForgotPassword", client.client_id,
                                       body.get("ClientMetadata") or None))
    outbox.flush(rt)
    return {"CodeDeliveryDetails": messages.details(medium, destination, attribute)}


def confirm_forgot_password(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    def load(tx: Tx) -> Claimant:
        client, pool = _client_and_pool(tx, body)
        return _claimant(tx, client, pool, body["Username"], hide_disabled=True)

    def reset(tx: Tx, user: User) -> None:
        pool = tx.get_pool(user.pool_id)
        assert pool is not None
        now = rt.clock.now()
        credential, history = new_password(pool, user, body["Password"], rt.random, now)
        status = UserStatus.CONFIRMED if user.status != UserStatus.UNCONFIRMED else user.status
        reset_user = replace(user, password=credential, password_history=history, status=status, last_modified=now)
        tx.update_user(reset_user)
        done.append((pool, reset_user))

    done: list[tuple[UserPool, User]] = []
    redeem_then(rt, load, CodePurpose.FORGOT_PASSWORD, body["ConfirmationCode"], reset,
                action="ConfirmForgotPassword", too_many=_too_many_codes)
    for pool, user in done:
        lifecycle_triggers.post_confirmation(rt, pool, user, "PostConfirmation_ConfirmForgotPassword",
                                             body["ClientId"], body.get("ClientMetadata") or None)
    return {}
