"""``LambdaConfig`` checks on CreateUserPool / UpdateUserPool (spec §7.3, issue 12).

- ``PreTokenGeneration`` and ``PreTokenGenerationConfig.LambdaArn`` name one function: both
  given and different is refused (InvalidParameterException);
- ``PreTokenGenerationConfig.LambdaVersion`` V2_0 / V3_0 (access-token customisation) needs the
  Essentials or Plus tier: FeatureUnavailableInTierException on a Lite pool;
- ``CustomSMSSender`` / ``CustomEmailSender`` need ``KMSKeyID`` (Cognito encrypts the codes it
  hands them with that key) and a server that can encrypt (``Runtime.code_encrypter``: the
  AWS Encryption SDK installed): otherwise InvalidParameterException says what is missing, and no
  code is ever sent in clear to a sender that expects it encrypted.

Cognito's texts for these refusals were not found; the messages name the setting at fault
(docs/decisions.md, "CustomMessage and LambdaConfig (issue 12)").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.model.errors import FeatureUnavailableInTierException, InvalidParameterException

SENDERS = ("CustomSMSSender", "CustomEmailSender")
ADVANCED_TOKEN_VERSIONS = ("V2_0", "V3_0")


def check(config: Mapping[str, Any], *, can_encrypt: bool) -> None:
    """Refuses a pool configuration whose ``LambdaConfig`` Cognito (or this server) refuses.
    ``can_encrypt``: the server has a code encrypter for the custom senders."""
    lambdas: Mapping[str, Any] = config.get("LambdaConfig") or {}
    if not lambdas:
        return
    token_config: Mapping[str, Any] = lambdas.get("PreTokenGenerationConfig") or {}
    plain, versioned = lambdas.get("PreTokenGeneration"), token_config.get("LambdaArn")
    if plain and versioned and plain != versioned:
        raise InvalidParameterException(
            "PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must name the same Lambda function.")
    version = token_config.get("LambdaVersion")
    if version in ADVANCED_TOKEN_VERSIONS and config.get("UserPoolTier") == "LITE":
        raise FeatureUnavailableInTierException(
            f"Pre token generation LambdaVersion {version} requires the Essentials tier or higher.")
    senders = [name for name in SENDERS if lambdas.get(name)]
    if not senders:
        return
    named, one = " and ".join(senders), len(senders) == 1
    if not lambdas.get("KMSKeyID"):
        raise InvalidParameterException(
            f"{named} {'requires' if one else 'require'} KMSKeyID: the KMS key that encrypts the codes sent to "
            f"{'it' if one else 'them'}.")
    if not can_encrypt:
        raise InvalidParameterException(
            f"{named} {'needs' if one else 'need'} the server to encrypt codes with the AWS Encryption SDK, which "
            "is not installed here: pip install 'userpool[aws]' (and give the server KMS access, or --kms-endpoint).")
