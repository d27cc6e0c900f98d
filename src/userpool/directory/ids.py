"""Identifiers in the forms clients depend on (spec §1.8)."""

from __future__ import annotations

from userpool.model.ports import Random

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def random_string(random: Random, alphabet: str, length: int) -> str:
    """Unbiased random string: rejection sampling over single bytes."""
    limit = 256 - (256 % len(alphabet))
    out: list[str] = []
    while len(out) < length:
        for byte in random.bytes(length * 2):
            if byte < limit:
                out.append(alphabet[byte % len(alphabet)])
                if len(out) == length:
                    break
    return "".join(out)


def new_pool_id(random: Random, region: str) -> str:
    """``<region>_<9 alphanumerics>``: exactly one underscore, as clients split on it."""
    return f"{region}_{random_string(random, _ALNUM, 9)}"


def new_client_id(random: Random) -> str:
    return random_string(random, _LOWER_ALNUM, 26)


def new_client_secret(random: Random) -> str:
    return random_string(random, _LOWER_ALNUM, 51)


def new_uuid(random: Random) -> str:
    """A version-4 UUID (RFC 9562 §5.4) from the injected random source, lower case: the 122
    random bits of 16 random bytes, with the version and variant bits set."""
    raw = bytearray(random.bytes(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def pool_arn(region: str, account_id: str, pool_id: str) -> str:
    return f"arn:aws:cognito-idp:{region}:{account_id}:userpool/{pool_id}"


def new_device_key(random: Random, region: str) -> str:
    """A device key as Cognito writes it: ``<region>_<uuid>`` (spec §2.4)."""
    return f"{region}_{new_uuid(random)}"


def new_device_group_key(random: Random) -> str:
    """A device group key as seen in real answers: "-" and 8 alphanumerics (spec §11.2)."""
    return "-" + random_string(random, _ALNUM, 8)
