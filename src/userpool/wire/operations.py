"""The API surface: every operation this server serves, and the function that serves it.

Three kinds of handler, one table each:

- directory operations take the directory runtime and the request body (``userpool.directory``:
  pools, clients, users, groups, sign-up and recovery);
- account operations take the auth runtime and the body (``userpool.auth.account``: calls
  authorised by an access token, and RevokeToken);
- sign-in operations take the services and the whole request (``userpool.wire.sign_in``, the
  adapters that build the engine's ``AuthCall``).

``bind`` checks the tables against botocore's model when the app is built: a name that is not an
operation of the model, or one served twice, stops the start. Every other operation of the model
answers "<Operation> is not supported by this server." (``registry.Operations``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from userpool.auth import account, devices, mfa_preferences, passkeys, sign_up_session, software_token
from userpool.auth.runtime import AuthRuntime
from userpool.directory import clients, groups, pool_mfa, pools, signup, users
from userpool.directory import devices as directory_devices
from userpool.directory import mfa_preferences as user_mfa
from userpool.directory.runtime import Runtime
from userpool.wire import sign_in, validation
from userpool.wire.registry import Handler, Request
from userpool.wire.services import Services

Body = Mapping[str, Any]

DIRECTORY: dict[str, Callable[[Runtime, Body], dict[str, Any]]] = {
    # user pools
    "CreateUserPool": pools.create_pool,
    "DescribeUserPool": pools.describe_pool,
    "UpdateUserPool": pools.update_pool,
    "DeleteUserPool": pools.delete_pool,
    "ListUserPools": pools.list_pools,
    "AddCustomAttributes": pools.add_custom_attributes,
    "SetUserPoolMfaConfig": pool_mfa.set_pool_mfa_config,
    "GetUserPoolMfaConfig": pool_mfa.get_pool_mfa_config,
    # app clients
    "CreateUserPoolClient": clients.create_client,
    "DescribeUserPoolClient": clients.describe_client,
    "UpdateUserPoolClient": clients.update_client,
    "DeleteUserPoolClient": clients.delete_client,
    "ListUserPoolClients": clients.list_clients,
    # users, by an administrator
    "AdminCreateUser": users.admin_create_user,
    "AdminGetUser": users.admin_get_user,
    # devices (spec §2.4)
    "AdminGetDevice": directory_devices.admin_get_device,
    "AdminListDevices": directory_devices.admin_list_devices,
    "AdminUpdateDeviceStatus": directory_devices.admin_update_device_status,
    "AdminForgetDevice": directory_devices.admin_forget_device,
    "AdminDeleteUser": users.admin_delete_user,
    "AdminSetUserPassword": users.admin_set_user_password,
    "AdminResetUserPassword": users.admin_reset_user_password,
    "AdminConfirmSignUp": users.admin_confirm_sign_up,
    "AdminEnableUser": users.admin_enable_user,
    "AdminDisableUser": users.admin_disable_user,
    "AdminUpdateUserAttributes": users.admin_update_user_attributes,
    "AdminDeleteUserAttributes": users.admin_delete_user_attributes,
    "AdminUserGlobalSignOut": users.admin_user_global_sign_out,
    "AdminSetUserMFAPreference": user_mfa.admin_set_user_mfa_preference,
    "AdminSetUserSettings": user_mfa.admin_set_user_settings,
    "ListUsers": users.list_users,
    # groups
    "CreateGroup": groups.create_group,
    "GetGroup": groups.get_group,
    "UpdateGroup": groups.update_group,
    "DeleteGroup": groups.delete_group,
    "ListGroups": groups.list_groups,
    "AdminAddUserToGroup": groups.admin_add_user_to_group,
    "AdminRemoveUserFromGroup": groups.admin_remove_user_from_group,
    "AdminListGroupsForUser": groups.admin_list_groups_for_user,
    "ListUsersInGroup": groups.list_users_in_group,
    # sign-up and recovery, authorised by the app client
    "ResendConfirmationCode": signup.resend_confirmation_code,
    "ForgotPassword": signup.forgot_password,
    "ConfirmForgotPassword": signup.confirm_forgot_password,
}

ACCOUNT: dict[str, Callable[[AuthRuntime, Body], dict[str, Any]]] = {
    "GetUser": account.get_user,
    "UpdateUserAttributes": account.update_user_attributes,
    "DeleteUserAttributes": account.delete_user_attributes,
    "GetUserAttributeVerificationCode": account.get_user_attribute_verification_code,
    "VerifyUserAttribute": account.verify_user_attribute,
    "ChangePassword": account.change_password,
    "DeleteUser": account.delete_user,
    "GlobalSignOut": account.global_sign_out,
    "RevokeToken": account.revoke_token,
    # MFA settings and the TOTP authenticator (AssociateSoftwareToken / VerifySoftwareToken also
    # take an MFA_SETUP Session instead of the access token: auth.mfa_setup_session)
    "SetUserMFAPreference": mfa_preferences.set_user_mfa_preference,
    "SetUserSettings": mfa_preferences.set_user_settings,
    "GetUserAuthFactors": mfa_preferences.get_user_auth_factors,
    "AssociateSoftwareToken": software_token.associate_software_token,
    "VerifySoftwareToken": software_token.verify_software_token,
    # sign-up answers with the Session of sign-in straight from sign-up (USER_AUTH, spec §11.3)
    "ConfirmDevice": devices.confirm_device,
    "GetDevice": devices.get_device,
    "ListDevices": devices.list_devices,
    "UpdateDeviceStatus": devices.update_device_status,
    "ForgetDevice": devices.forget_device,
    "StartWebAuthnRegistration": passkeys.start_web_authn_registration,
    "CompleteWebAuthnRegistration": passkeys.complete_web_authn_registration,
    "ListWebAuthnCredentials": passkeys.list_web_authn_credentials,
    "DeleteWebAuthnCredential": passkeys.delete_web_authn_credential,
    "SignUp": sign_up_session.sign_up,
    "ConfirmSignUp": sign_up_session.confirm_sign_up,
}

SIGN_IN: dict[str, Callable[[Services, Request], dict[str, Any]]] = {
    "InitiateAuth": sign_in.initiate_auth,
    "AdminInitiateAuth": sign_in.admin_initiate_auth,
    "RespondToAuthChallenge": sign_in.respond_to_auth_challenge,
    "AdminRespondToAuthChallenge": sign_in.admin_respond_to_auth_challenge,
    "GetTokensFromRefreshToken": sign_in.get_tokens_from_refresh_token,
}

TABLES: tuple[Mapping[str, Any], ...] = (DIRECTORY, ACCOUNT, SIGN_IN)


def served() -> frozenset[str]:
    """Every operation the tables name."""
    return frozenset(name for table in TABLES for name in table)


def check(tables: tuple[Mapping[str, Any], ...] = TABLES) -> None:
    """Raises ValueError for a name that is not an operation of the model or is served twice."""
    known = validation.operation_names()
    seen: set[str] = set()
    for table in tables:
        for name in table:
            if name not in known:
                raise ValueError(f"the operations table names {name!r}, which is not an operation of the model")
            if name in seen:
                raise ValueError(f"the operations table serves {name!r} twice")
            seen.add(name)


def bind(services: Services) -> dict[str, Handler]:
    """Operation name -> handler of a ``Request``, for ``registry.Operations``; checks the tables first."""
    check()
    handlers: dict[str, Handler] = {}
    for name, directory_handler in DIRECTORY.items():
        handlers[name] = _body_handler(directory_handler, services.rt)
    for name, account_handler in ACCOUNT.items():
        handlers[name] = _body_handler(account_handler, services.auth)
    for name, adapter in SIGN_IN.items():
        handlers[name] = _request_handler(adapter, services)
    return handlers


def _body_handler(handle: Callable[[Any, Body], dict[str, Any]], runtime: Any) -> Handler:
    return lambda request: handle(runtime, request.body)


def _request_handler(handle: Callable[[Services, Request], dict[str, Any]], services: Services) -> Handler:
    return lambda request: handle(services, request)
