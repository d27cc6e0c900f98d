"""The user-pool vocabulary: pools, app clients, users, groups, tokens, codes, keys.

Frozen dataclasses. A pool and an app client keep their Cognito-shaped settings in one
``config`` mapping (the members of ``UserPoolType`` / ``UserPoolClientType`` the API
accepts), so Describe* answers exactly what Create*/Update* stored; the typed properties
below read the settings that change behaviour, with Cognito's defaults (spec §2.1, §2.2).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


class UserStatus(enum.StrEnum):
    """``UserStatusType`` (spec §2.3)."""

    UNCONFIRMED = "UNCONFIRMED"
    CONFIRMED = "CONFIRMED"
    FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"
    RESET_REQUIRED = "RESET_REQUIRED"
    EXTERNAL_PROVIDER = "EXTERNAL_PROVIDER"
    ARCHIVED = "ARCHIVED"
    COMPROMISED = "COMPROMISED"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class PasswordPolicy:
    """``PasswordPolicyType``; defaults are Cognito's when the pool omits the policy."""

    minimum_length: int = 8
    require_uppercase: bool = True
    require_lowercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = True
    password_history_size: int = 0
    temporary_password_validity_days: int = 7

    @classmethod
    def from_config(cls, raw: Mapping[str, Any] | None) -> PasswordPolicy:
        if not raw:
            return cls()
        days = int(raw.get("TemporaryPasswordValidityDays") or 0) or 7
        return cls(
            minimum_length=int(raw.get("MinimumLength", 8)),
            require_uppercase=bool(raw.get("RequireUppercase", False)),
            require_lowercase=bool(raw.get("RequireLowercase", False)),
            require_numbers=bool(raw.get("RequireNumbers", False)),
            require_symbols=bool(raw.get("RequireSymbols", False)),
            password_history_size=int(raw.get("PasswordHistorySize", 0)),
            temporary_password_validity_days=days,
        )


@dataclass(frozen=True)
class SchemaAttribute:
    """One ``SchemaAttributeType``: a standard attribute or a ``custom:`` one."""

    name: str
    data_type: str = "String"  # String | Number | DateTime | Boolean
    developer_only: bool = False
    mutable: bool = True
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None


#: MFA factors a user may have, by their challenge names (spec §5.9–5.13; e-mail is EMAIL_OTP, §10.6).
SMS_MFA = "SMS_MFA"
SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
EMAIL_OTP = "EMAIL_OTP"
MFA_FACTORS = (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP)


@dataclass(frozen=True)
class UserPool:
    """A user pool. ``config`` holds the ``UserPoolType`` settings as the API sent them."""

    id: str
    name: str
    created: float
    last_modified: float
    config: Mapping[str, Any] = field(default_factory=dict)
    schema: tuple[SchemaAttribute, ...] = ()

    @property
    def region(self) -> str:
        return self.id.split("_", 1)[0]

    @property
    def name_part(self) -> str:
        """The SRP pool name part: the ID split on ``_``, element 1 (spec §1.8, §4.4)."""
        return self.id.split("_")[1]

    @cached_property
    def password_policy(self) -> PasswordPolicy:
        return PasswordPolicy.from_config((self.config.get("Policies") or {}).get("PasswordPolicy"))

    @property
    def username_attributes(self) -> tuple[str, ...]:
        return tuple(self.config.get("UsernameAttributes") or ())

    @property
    def alias_attributes(self) -> tuple[str, ...]:
        return tuple(self.config.get("AliasAttributes") or ())

    @property
    def case_sensitive(self) -> bool:
        """``UsernameConfiguration.CaseSensitive``; the API default is true (spec §2.1)."""
        raw = self.config.get("UsernameConfiguration")
        return True if not raw else bool(raw.get("CaseSensitive", True))

    @property
    def auto_verified_attributes(self) -> tuple[str, ...]:
        return tuple(self.config.get("AutoVerifiedAttributes") or ())

    @property
    def attributes_verified_before_update(self) -> tuple[str, ...]:
        """``UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate``."""
        settings = self.config.get("UserAttributeUpdateSettings") or {}
        return tuple(settings.get("AttributesRequireVerificationBeforeUpdate") or ())

    @property
    def mfa_configuration(self) -> str:
        return str(self.config.get("MfaConfiguration") or "OFF")

    @property
    def mfa_factors(self) -> tuple[str, ...]:
        """The MFA factors the pool offers, in the order of MFA_FACTORS (spec §2.1): SMS when it
        has an ``SmsConfiguration``, TOTP when ``SoftwareTokenMfaConfiguration.Enabled``, e-mail
        when ``EmailMfaConfiguration`` is set (SetUserPoolMfaConfig / CreateUserPool keep them in
        ``config`` under those names). None while ``MfaConfiguration`` is OFF."""
        if self.mfa_configuration == "OFF":
            return ()
        offered = {
            SMS_MFA: bool(self.config.get("SmsConfiguration")),
            SOFTWARE_TOKEN_MFA: bool((self.config.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled")),
            EMAIL_OTP: bool(self.config.get("EmailMfaConfiguration")),
        }
        return tuple(name for name in MFA_FACTORS if offered[name])

    @property
    def allow_admin_create_user_only(self) -> bool:
        return bool((self.config.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly", False))

    @property
    def deletion_protection(self) -> str:
        return str(self.config.get("DeletionProtection") or "INACTIVE")

    @property
    def tier(self) -> str:
        return str(self.config.get("UserPoolTier") or "ESSENTIALS")

    def schema_attribute(self, name: str) -> SchemaAttribute | None:
        for attribute in self.schema:
            if attribute.name == name:
                return attribute
        return None


@dataclass(frozen=True)
class AppClient:
    """An app client. ``config`` holds the ``UserPoolClientType`` settings (no secret)."""

    pool_id: str
    client_id: str
    name: str
    created: float
    last_modified: float
    secret: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def explicit_auth_flows(self) -> tuple[str, ...]:
        flows = self.config.get("ExplicitAuthFlows")
        if flows is None:
            return ("ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH")
        return tuple(flows)

    @property
    def prevent_user_existence_errors(self) -> bool:
        """True when ``PreventUserExistenceErrors`` is ENABLED (default LEGACY, spec §10.18)."""
        return self.config.get("PreventUserExistenceErrors") == "ENABLED"

    @property
    def enable_token_revocation(self) -> bool:
        return bool(self.config.get("EnableTokenRevocation", True))

    @property
    def auth_session_validity_seconds(self) -> int:
        return int(self.config.get("AuthSessionValidity") or 3) * 60

    @property
    def access_token_validity_seconds(self) -> int:
        return _validity_seconds(self.config, "AccessToken", 60 * 60, "hours")

    @property
    def id_token_validity_seconds(self) -> int:
        return _validity_seconds(self.config, "IdToken", 60 * 60, "hours")

    @property
    def refresh_token_validity_seconds(self) -> int:
        return _validity_seconds(self.config, "RefreshToken", 30 * 86400, "days")

    @property
    def read_attributes(self) -> tuple[str, ...] | None:
        """None means every attribute is readable (Cognito's default)."""
        raw = self.config.get("ReadAttributes")
        return None if not raw else tuple(raw)

    @property
    def write_attributes(self) -> tuple[str, ...] | None:
        raw = self.config.get("WriteAttributes")
        return None if not raw else tuple(raw)


UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def _validity_seconds(config: Mapping[str, Any], token: str, default: int, default_unit: str) -> int:
    value = config.get(f"{token}Validity")
    if not value:
        return default
    unit = (config.get("TokenValidityUnits") or {}).get(token) or default_unit
    return int(value) * UNIT_SECONDS[unit]


@dataclass(frozen=True)
class PasswordCredential:
    """What the server keeps of a password: the SRP salt and verifier (spec §4.5).

    ``verifier`` is ``g^x mod N`` as 384 big-endian bytes. The password flows check a
    password by recomputing the verifier; nothing reversible is stored.
    """

    salt: bytes
    verifier: bytes
    set_at: float
    temporary: bool = False
    expires_at: float | None = None


@dataclass(frozen=True)
class SoftwareToken:
    """A user's verified TOTP authenticator (RFC 6238): VerifySoftwareToken accepted a code.

    ``secret`` is the raw shared key (sealed at rest). ``last_step`` is the highest time step
    whose code was accepted: each code is accepted once (spec §5.12).
    """

    secret: bytes
    friendly_name: str | None = None
    last_step: int = -1


@dataclass(frozen=True)
class MfaSettings:
    """A user's MFA factors (SetUserMFAPreference, spec §3.8): which are enabled, which one is
    preferred (at most one), the verified TOTP authenticator, and a secret that
    AssociateSoftwareToken handed out and VerifySoftwareToken has not confirmed yet (the
    verified authenticator keeps working meanwhile)."""

    sms: bool = False
    software_token: bool = False
    email: bool = False
    preferred: str | None = None  # one of MFA_FACTORS, or None
    token: SoftwareToken | None = None
    pending_secret: bytes | None = None

    @property
    def enabled(self) -> tuple[str, ...]:
        """Enabled factors, in the order of MFA_FACTORS (``UserMFASettingList``)."""
        flags = {SMS_MFA: self.sms, SOFTWARE_TOKEN_MFA: self.software_token, EMAIL_OTP: self.email}
        return tuple(name for name in MFA_FACTORS if flags[name])


@dataclass(frozen=True)
class User:
    """A user of one pool. ``username`` is the internal, immutable username.

    ``attributes`` maps attribute names to string values and always holds ``sub``;
    ``email_verified`` / ``phone_number_verified`` are "true"/"false".
    """

    pool_id: str
    username: str
    attributes: Mapping[str, str]
    status: UserStatus
    enabled: bool
    created: float
    last_modified: float
    password: PasswordCredential | None = None
    password_history: tuple[PasswordCredential, ...] = ()
    tokens_revoked_at: float | None = None
    mfa: MfaSettings = field(default_factory=MfaSettings)

    @property
    def sub(self) -> str:
        return self.attributes["sub"]


@dataclass(frozen=True)
class Group:
    pool_id: str
    name: str
    created: float
    last_modified: float
    description: str | None = None
    role_arn: str | None = None
    precedence: int | None = None


@dataclass(frozen=True)
class RefreshTokenRecord:
    """A refresh token, kept only as the SHA-256 of its value (spec §6.5)."""

    token_hash: bytes
    pool_id: str
    client_id: str
    username: str
    origin_jti: str
    auth_time: int
    issued_at: float
    expires_at: float
    device_key: str | None = None
    revoked: bool = False
    #: Refresh-token rotation (spec §3.3, §6.8): once this token has been exchanged for a new one,
    #: it keeps working until ``grace_until`` (RetryGracePeriodSeconds later); used after that, it
    #: is a reuse. None while it has not been rotated.
    grace_until: float | None = None


@dataclass(frozen=True)
class DeviceSecret:
    """A confirmed device's SRP secret (spec §4.11): the salt ``ds`` and verifier ``dv`` the client
    sent in ConfirmDevice's ``DeviceSecretVerifierConfig``, as unpadded big-endian bytes. Sealed at
    rest like a password verifier."""

    salt: bytes
    verifier: bytes


@dataclass(frozen=True)
class Device:
    """A device of a user (spec §2.4, §11.2), minted at the end of a sign-in as
    ``NewDeviceMetadata``. ``key`` is ``<region>_<uuid>``; ``secret`` is None until ConfirmDevice;
    ``remembered`` is the ``dev:device_remembered_status``. A device belongs to one user of one
    pool; its key is unique in the pool."""

    pool_id: str
    username: str
    key: str
    group_key: str
    created: float
    last_modified: float
    last_authenticated: float | None = None
    secret: DeviceSecret | None = None
    remembered: bool = False
    name: str | None = None
    last_ip: str | None = None

    @property
    def confirmed(self) -> bool:
        return self.secret is not None


@dataclass(frozen=True)
class WebAuthnCredential:
    """A passkey of a user (spec §5.15, §11.4): the credential ID (base64url, as clients send
    it), the COSE public key, the signature counter, and what ListWebAuthnCredentials shows."""

    pool_id: str
    username: str
    credential_id: str
    public_key: bytes
    sign_count: int
    relying_party_id: str
    created: float
    friendly_name: str | None = None
    attachment: str | None = None
    transports: tuple[str, ...] = ()


@dataclass(frozen=True)
class SigningKey:
    """One RSA key of a pool. ``use`` is "id" or "access": the two tokens use different keys."""

    pool_id: str
    kid: str
    use: str
    private_pem: bytes
    created: float


@dataclass(frozen=True)
class LockoutState:
    """Failed sign-in counter of one user (spec §9.1)."""

    failures: int = 0
    locked_until: float = 0.0
    last_attempt: float = 0.0


@dataclass(frozen=True)
class LimitWindow:
    """One per-user hourly limit counter (spec §2.6): calls counted since ``started``."""

    started: float = 0.0
    count: int = 0


class CodePurpose(enum.StrEnum):
    SIGN_UP = "SIGN_UP"
    FORGOT_PASSWORD = "FORGOT_PASSWORD"
    VERIFY_EMAIL = "VERIFY_EMAIL"
    VERIFY_PHONE_NUMBER = "VERIFY_PHONE_NUMBER"
    #: An SMS or e-mail MFA code (spec §5.11, §5.13): bound to the sign-in session it was sent
    #: for (``value`` holds the session's ID), expiring with it, ``attempts`` its wrong answers.
    MFA = "MFA"
    #: A DEVICE_SRP_AUTH challenge waiting for its answer (spec §5.7, §11.2): ``value`` holds the
    #: challenge's sealed session (pycognito answers without the Session), expiring with it.
    DEVICE = "DEVICE"
    #: A passkey registration started (StartWebAuthnRegistration, spec §11.4): ``value`` holds
    #: the app client and the challenge; CompleteWebAuthnRegistration spends it.
    WEBAUTHN_REGISTRATION = "WEBAUTHN_REGISTRATION"


@dataclass(frozen=True)
class VerificationCode:
    """A one-time code sent to a user; only its hash is kept."""

    pool_id: str
    username: str
    purpose: CodePurpose
    code_hash: bytes
    created: float
    expires_at: float
    attempts: int = 0
    #: The email address / phone number a VERIFY_* code was sent to: the only value it verifies
    #: (and, under AttributesRequireVerificationBeforeUpdate, the pending new value). None for
    #: other purposes and for codes stored before schema version 5.
    value: str | None = None


@dataclass(frozen=True)
class Message:
    """A message for a user: a code and the text around it (dev outbox, SMTP, webhook, SES, SNS).

    ``body`` is the rendered template; when ``html`` (an e-mail template written in HTML, as
    Cognito allows) the values inserted into it are HTML-escaped and ``text`` holds the
    plain-text alternative. ``email_from`` / ``reply_to``: the pool's
    ``EmailConfiguration.From`` / ``ReplyToEmailAddress`` (None: the server's default sender).
    """

    pool_id: str
    username: str
    medium: str  # EMAIL | SMS
    destination: str
    purpose: str
    body: str
    subject: str | None = None
    code: str | None = None
    created: float = 0.0
    html: bool = False
    text: str | None = None
    email_from: str | None = None
    reply_to: str | None = None
