"""Request-rate quotas by operation category (spec §9.2): who is counted, against which bucket.

Cognito groups its API operations into quota categories (developer guide, "Amazon Cognito user
pools API operation categories and request rate quotas") and throttles each category per account
and Region with ``TooManyRequestsException``. This server applies the same categories and the same
default rates *per user pool*:

- admin and management operations count against the ``UserPoolId`` they name;
- public operations that carry only a ``ClientId`` count against that app client (one client
  belongs to one pool; a pool with several clients gets one allowance per client);
- operations authorised by an access token count against the pool named in the token's ``iss``
  (decoded without verification: it only picks a bucket, the operation still verifies the token);
- operations that name no pool (``CreateUserPool``, ``ListUserPools``, ``ListTagsForResource``
  ...) count against one server-wide bucket per category.

``RespondToAuthChallenge`` and ``AdminRespondToAuthChallenge`` have their own allowance of three
times the ``UserAuthentication`` rate; beyond it they draw on ``UserAuthentication``.

The buckets live in a ``RateLimiter`` shared by the server's worker processes (one table per
server instance: instances behind a load balancer each admit the configured rate).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from typing import Any

from userpool.model.errors import TooManyRequestsException
from userpool.model.ports import RateLimiter
from userpool.model.rate_bucket import Quota, parse_quota

# Cognito's default request rates per second (quotas page). Bursts: five seconds' worth, so that
# short spikes pass while a sustained flood does not; the categories only signed admin calls reach
# get a burst of SIGNED_BURST instead: their callers hold admin credentials, the quota there stops
# a runaway script, and setup scripts and test suites page through hundreds of pools at once.
DEFAULT_RATES: dict[str, float] = {
    "UserAuthentication": 120,
    "UserCreation": 50,
    "UserFederation": 25,
    "UserAccountRecovery": 30,
    "UserRead": 120,
    "UserUpdate": 25,
    "UserToken": 120,
    "UserResourceRead": 50,
    "UserResourceUpdate": 25,
    "UserList": 30,
    "UserPoolRead": 15,
    "UserPoolUpdate": 15,
    "UserPoolResourceRead": 20,
    "UserPoolResourceUpdate": 15,
    "UserPoolClientRead": 15,
    "UserPoolClientUpdate": 15,
    "ClientAuthentication": 150,
}
BURST_SECONDS = 5.0
SIGNED_BURST = 3000.0
SIGNED_CATEGORIES = frozenset({
    "UserList", "UserPoolRead", "UserPoolUpdate", "UserPoolResourceRead", "UserPoolResourceUpdate",
    "UserPoolClientRead", "UserPoolClientUpdate",
})
RESPOND_FACTOR = 3.0
_RESPOND = frozenset({"RespondToAuthChallenge", "AdminRespondToAuthChallenge"})

_CATEGORY_OPERATIONS: dict[str, tuple[str, ...]] = {
    "UserAuthentication": (
        "InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge", "AdminRespondToAuthChallenge",
    ),
    "UserCreation": ("SignUp", "AdminCreateUser"),
    "UserAccountRecovery": ("ForgotPassword", "ConfirmForgotPassword", "AdminResetUserPassword"),
    "UserRead": ("GetUser", "AdminGetUser", "GetUserAuthFactors", "AdminListUserAuthEvents"),
    "UserUpdate": (
        "AdminAddUserToGroup", "AdminConfirmSignUp", "AdminDeleteUser", "AdminDeleteUserAttributes",
        "AdminDisableProviderForUser", "AdminDisableUser", "AdminEnableUser", "AdminLinkProviderForUser",
        "AdminRemoveUserFromGroup", "AdminSetUserMFAPreference", "AdminSetUserPassword", "AdminSetUserSettings",
        "AdminUpdateAuthEventFeedback", "AdminUpdateUserAttributes", "AdminUserGlobalSignOut",
        "AssociateSoftwareToken", "ChangePassword", "ConfirmSignUp", "DeleteUser", "DeleteUserAttributes",
        "GetUserAttributeVerificationCode", "GlobalSignOut", "ResendConfirmationCode", "SetUserMFAPreference",
        "SetUserSettings", "UpdateAuthEventFeedback", "UpdateUserAttributes", "VerifySoftwareToken",
        "VerifyUserAttribute", "StartWebAuthnRegistration", "CompleteWebAuthnRegistration",
        "DeleteWebAuthnCredential",
    ),
    "UserToken": ("RevokeToken", "GetTokensFromRefreshToken"),
    "UserResourceRead": (
        "AdminGetDevice", "AdminListDevices", "AdminListGroupsForUser", "GetDevice", "ListDevices",
        "ListWebAuthnCredentials",
    ),
    "UserResourceUpdate": (
        "AdminForgetDevice", "AdminUpdateDeviceStatus", "ConfirmDevice", "ForgetDevice", "UpdateDeviceStatus",
    ),
    "UserList": ("ListUsers", "ListUsersInGroup"),
    "UserPoolRead": (
        "DescribeUserPool", "ListUserPools", "GetUserPoolMfaConfig", "DescribeRiskConfiguration",
        "GetLogDeliveryConfiguration",
    ),
    "UserPoolUpdate": (
        "CreateUserPool", "UpdateUserPool", "DeleteUserPool", "AddCustomAttributes", "SetUserPoolMfaConfig",
        "SetRiskConfiguration", "SetLogDeliveryConfiguration",
    ),
    "UserPoolResourceRead": (
        "DescribeIdentityProvider", "DescribeManagedLoginBranding", "DescribeManagedLoginBrandingByClient",
        "DescribeResourceServer", "DescribeTerms", "DescribeUserImportJob", "DescribeUserPoolDomain", "GetCSVHeader",
        "GetGroup", "GetIdentityProviderByIdentifier", "GetSigningCertificate", "GetUICustomization", "ListGroups",
        "ListIdentityProviders", "ListResourceServers", "ListTagsForResource", "ListTerms", "ListUserImportJobs",
    ),
    "UserPoolResourceUpdate": (
        "CreateGroup", "CreateIdentityProvider", "CreateManagedLoginBranding", "CreateResourceServer",
        "CreateTerms", "CreateUserImportJob", "CreateUserPoolDomain", "DeleteGroup", "DeleteIdentityProvider",
        "DeleteManagedLoginBranding", "DeleteResourceServer", "DeleteTerms", "DeleteUserPoolDomain",
        "SetUICustomization", "StartUserImportJob", "StopUserImportJob", "TagResource", "UntagResource",
        "UpdateGroup", "UpdateIdentityProvider", "UpdateManagedLoginBranding", "UpdateResourceServer",
        "UpdateTerms", "UpdateUserPoolDomain",
    ),
    "UserPoolClientRead": ("DescribeUserPoolClient", "ListUserPoolClients", "ListUserPoolClientSecrets"),
    "UserPoolClientUpdate": (
        "CreateUserPoolClient", "UpdateUserPoolClient", "DeleteUserPoolClient", "AddUserPoolClientSecret",
        "DeleteUserPoolClientSecret",
    ),
}
CATEGORY_OF: dict[str, str] = {op: category for category, ops in _CATEGORY_OPERATIONS.items() for op in ops}
SERVER_WIDE = "*"


def default_quotas() -> dict[str, Quota]:
    return {
        name: Quota(rate=rate, burst=SIGNED_BURST if name in SIGNED_CATEGORIES else rate * BURST_SECONDS)
        for name, rate in DEFAULT_RATES.items()
    }


def configure(overrides: Iterable[str]) -> dict[str, Quota]:
    """The defaults with ``CATEGORY=RATE[/BURST]`` overrides applied (``--quota``); ValueError on a typo."""
    quotas = default_quotas()
    for item in overrides:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in quotas:
            known = ", ".join(sorted(quotas))
            raise ValueError(f"--quota must look like CATEGORY=RATE[/BURST] with CATEGORY one of {known}; got {item!r}")
        quotas[name] = parse_quota(value)
    return quotas


def pool_key(body: Mapping[str, Any]) -> str:
    """The pool an (undecoded-for-validity) request body counts against; see the module docstring."""
    pool_id = body.get("UserPoolId")
    if isinstance(pool_id, str):
        return f"pool:{pool_id[:128]}"
    client_id = body.get("ClientId")
    if isinstance(client_id, str):
        return f"client:{client_id[:128]}"
    token = body.get("AccessToken")
    if isinstance(token, str):
        return f"pool:{_issuer_pool(token)}"
    return SERVER_WIDE


def _issuer_pool(token: str) -> str:
    """The last path segment of the token's ``iss`` (the user pool ID), unverified; "" if unreadable."""
    parts = token.split(".")
    if len(parts) != 3 or len(parts[1]) > 8192:
        return ""
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return ""
    issuer = payload.get("iss") if isinstance(payload, dict) else None
    if not isinstance(issuer, str):
        return ""
    return issuer.rstrip("/").rpartition("/")[2][:128]


class QuotaGate:
    """Admits or throttles each API call before it is dispatched (one place for every operation)."""

    def __init__(self, limiter: RateLimiter, quotas: Mapping[str, Quota]) -> None:
        self._limiter = limiter
        self._quotas = dict(quotas)
        auth = self._quotas["UserAuthentication"]
        self._respond = Quota(rate=auth.rate * RESPOND_FACTOR, burst=auth.burst * RESPOND_FACTOR)

    def check(self, operation: str, body: Mapping[str, Any]) -> None:
        """Raise ``TooManyRequestsException`` when the operation's bucket for its pool is empty."""
        category = CATEGORY_OF.get(operation)
        if category is None:  # not a throttled category (for example the provisioned-limit operations)
            return
        key = pool_key(body)
        if operation in _RESPOND and self._limiter.admit(f"{key}\0Respond", self._respond):
            return
        if not self._limiter.admit(f"{key}\0{category}", self._quotas[category]):
            raise TooManyRequestsException("Too many requests")
