"""Cognito's error vocabulary: one class per AWS error code.

Each class carries the ``__type`` code the wire sends (``code``), the HTTP status
(``status``) and a default message. Errors are plain data; ``wire/protocol.py`` turns
them into ``{"__type", "message"}`` responses in exactly one place.

Statuses follow spec §1.4 / §10.1: real Cognito answers 400 for every modelled client
error, 500 for ``InternalErrorException`` and 403 only for ``ForbiddenException``.
"""

from __future__ import annotations

from typing import ClassVar


class CognitoError(Exception):
    """Base of every error the API can answer with."""

    code: ClassVar[str] = "InternalErrorException"
    status: ClassVar[int] = 400
    default_message: ClassVar[str] = ""

    def __init__(self, message: str | None = None) -> None:
        self.message = self.default_message if message is None else message
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


def _error(code: str, default_message: str = "", status: int = 400) -> type[CognitoError]:
    return type(code, (CognitoError,), {"code": code, "status": status, "default_message": default_message})


# --- errors of the cognito-idp model (botocore 1.43.11) ----------------------------------
class NotAuthorizedException(CognitoError):
    code = "NotAuthorizedException"
    default_message = "Incorrect username or password."


class InvalidParameterException(CognitoError):
    code = "InvalidParameterException"


class ResourceNotFoundException(CognitoError):
    code = "ResourceNotFoundException"


class UserNotFoundException(CognitoError):
    code = "UserNotFoundException"
    default_message = "User does not exist."


class UserNotConfirmedException(CognitoError):
    code = "UserNotConfirmedException"
    default_message = "User is not confirmed."


class PasswordResetRequiredException(CognitoError):
    code = "PasswordResetRequiredException"
    default_message = "Password reset required for the user"


class InvalidPasswordException(CognitoError):
    code = "InvalidPasswordException"


class InternalErrorException(CognitoError):
    code = "InternalErrorException"
    status = 500
    default_message = "Internal server error."


class ForbiddenException(CognitoError):
    code = "ForbiddenException"
    status = 403


AliasExistsException = _error("AliasExistsException", "An account with the email already exists.")
CodeDeliveryFailureException = _error("CodeDeliveryFailureException")
CodeMismatchException = _error(
    "CodeMismatchException", "Invalid verification code provided, please try again."
)
ConcurrentModificationException = _error("ConcurrentModificationException")
DeviceKeyExistsException = _error("DeviceKeyExistsException")
DuplicateProviderException = _error("DuplicateProviderException")
EnableSoftwareTokenMFAException = _error(
    "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA"
)
ExpiredCodeException = _error("ExpiredCodeException", "Invalid code provided, please request a code again.")
FeatureUnavailableInTierException = _error("FeatureUnavailableInTierException")
GroupExistsException = _error("GroupExistsException")
InternalServerException = _error("InternalServerException", "Internal server error.", 500)
InvalidEmailRoleAccessPolicyException = _error("InvalidEmailRoleAccessPolicyException")
InvalidLambdaResponseException = _error("InvalidLambdaResponseException")
InvalidOAuthFlowException = _error("InvalidOAuthFlowException")
InvalidSmsRoleAccessPolicyException = _error("InvalidSmsRoleAccessPolicyException")
InvalidSmsRoleTrustRelationshipException = _error("InvalidSmsRoleTrustRelationshipException")
InvalidUserPoolConfigurationException = _error("InvalidUserPoolConfigurationException")
LimitExceededException = _error("LimitExceededException", "Attempt limit exceeded, please try after some time.")
MFAMethodNotFoundException = _error("MFAMethodNotFoundException")
ManagedLoginBrandingExistsException = _error("ManagedLoginBrandingExistsException")
PasswordHistoryPolicyViolationException = _error(
    "PasswordHistoryPolicyViolationException",
    "The password you entered has already been used. Choose a different password.",
)
PreconditionNotMetException = _error("PreconditionNotMetException")
RefreshTokenReuseException = _error("RefreshTokenReuseException", "Refresh Token has been reused")
ScopeDoesNotExistException = _error("ScopeDoesNotExistException")
SoftwareTokenMFANotFoundException = _error("SoftwareTokenMFANotFoundException")
TermsExistsException = _error("TermsExistsException")
TierChangeNotAllowedException = _error("TierChangeNotAllowedException")
TooManyFailedAttemptsException = _error("TooManyFailedAttemptsException")
TooManyRequestsException = _error("TooManyRequestsException", "Too many requests")
UnauthorizedException = _error("UnauthorizedException")
UnexpectedLambdaException = _error("UnexpectedLambdaException")
UnsupportedIdentityProviderException = _error("UnsupportedIdentityProviderException")
UnsupportedOperationException = _error("UnsupportedOperationException")
UnsupportedTokenTypeException = _error("UnsupportedTokenTypeException")
UnsupportedUserStateException = _error("UnsupportedUserStateException")
UserImportInProgressException = _error("UserImportInProgressException")
UserLambdaValidationException = _error("UserLambdaValidationException")
UserPoolAddOnNotEnabledException = _error("UserPoolAddOnNotEnabledException")
UserPoolTaggingException = _error("UserPoolTaggingException")
UsernameExistsException = _error("UsernameExistsException", "User already exists")
WebAuthnChallengeNotFoundException = _error("WebAuthnChallengeNotFoundException")
WebAuthnClientMismatchException = _error("WebAuthnClientMismatchException")
WebAuthnConfigurationMissingException = _error("WebAuthnConfigurationMissingException")
WebAuthnCredentialNotSupportedException = _error("WebAuthnCredentialNotSupportedException")
WebAuthnNotEnabledException = _error("WebAuthnNotEnabledException")
WebAuthnOriginNotAllowedException = _error("WebAuthnOriginNotAllowedException")
WebAuthnRelyingPartyMismatchException = _error("WebAuthnRelyingPartyMismatchException")
AccessDeniedException = _error("AccessDeniedException", "User is not authorized to perform this action", 403)

# --- generic AWS JSON protocol errors, outside the Cognito model (spec §1.1, §1.6) ---------
UnknownOperationException = _error("UnknownOperationException")
SerializationException = _error("SerializationException")
MissingAuthenticationTokenException = _error(
    "MissingAuthenticationTokenException", "Missing Authentication Token"
)
UnrecognizedClientException = _error(
    "UnrecognizedClientException", "The security token included in the request is invalid."
)
InvalidSignatureException = _error(
    "InvalidSignatureException",
    "The request signature we calculated does not match the signature you provided.",
)
IncompleteSignatureException = _error("IncompleteSignatureException")


class StoreConflict(Exception):
    """Raised by a store when a uniqueness constraint refuses a write (not an API error).

    ``what`` names the constraint: "pool", "client", "user", "group", "alias:<attr>",
    "membership", "session", "key". The caller maps it to the right Cognito error.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(what)

