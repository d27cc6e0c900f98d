"""Configuration: command-line flags, environment variables (``USERPOOL_*``), defaults.

Every setting has one name in each place: ``--db`` / ``USERPOOL_DB``, and so on. The
embedded default is a SQLite file in the data directory, listening on 127.0.0.1:9229.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

ENV_PREFIX = "USERPOOL_"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 9229
    data_dir: str = "./data"
    db: str | None = None
    region: str = "us-east-1"
    issuer: str = "url"  # "url" or "aws"
    public_url: str | None = None
    workers: int = 1
    admin_credentials: tuple[str, ...] = field(default_factory=tuple)  # "ACCESS_KEY:SECRET"
    server_key: str | None = None  # base64 of 32 bytes; else <data_dir>/server.key
    log_level: str = "info"

    @property
    def database_url(self) -> str:
        if self.db:
            return self.db
        return f"sqlite:///{os.path.abspath(os.path.join(self.data_dir, 'userpool.db'))}"

    @property
    def outbox_path(self) -> str:
        return os.path.join(os.path.abspath(self.data_dir), "outbox.jsonl")

    def credentials(self) -> dict[str, str] | None:
        """Access key → secret; None when no credentials are configured (accept-any mode)."""
        if not self.admin_credentials:
            return None
        pairs: dict[str, str] = {}
        for item in self.admin_credentials:
            key, sep, secret = item.partition(":")
            if not sep or not key or not secret:
                raise ValueError(f"admin credentials must look like ACCESS_KEY:SECRET, got {item!r}")
            pairs[key] = secret
        return pairs

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Settings:
        raw = json.loads(text)
        raw["admin_credentials"] = tuple(raw.get("admin_credentials") or ())
        return cls(**raw)


def from_environment(env: Mapping[str, str]) -> dict[str, object]:
    """Settings named by ``USERPOOL_*`` variables (flags override them)."""
    out: dict[str, object] = {}
    for name in Settings.__dataclass_fields__:
        value = env.get(ENV_PREFIX + name.upper())
        if value is None or value == "":
            continue
        if name in ("port", "workers"):
            out[name] = int(value)
        elif name == "admin_credentials":
            out[name] = tuple(part.strip() for part in value.replace(";", ",").split(",") if part.strip())
        else:
            out[name] = value
    return out
