"""Configuration: command-line flags, environment variables (``USERPOOL_*``), defaults.

Every setting has one name in each place: ``--db`` / ``USERPOOL_DB``, and so on. The
embedded default is a SQLite file in the data directory, listening on 127.0.0.1:9229.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from urllib.parse import urlsplit

ENV_PREFIX = "USERPOOL_"
# Settings held as lists: a comma-separated value in the environment, a JSON list in the settings file.
_LISTS = ("admin_credentials", "cors_origins", "cors_admin_origins", "trusted_proxies", "quota", "lambda_function")
_FLAGS = ("insecure_accept_any_signature",)
_INTS = ("port", "workers", "smtp_port")
_FLOATS = ("smtp_timeout", "webhook_timeout", "webhook_max_time")
EMAIL_DELIVERY = ("outbox", "smtp", "webhook", "ses")
SMS_DELIVERY = ("outbox", "webhook", "sns")
SMTP_SECURITY = ("starttls", "tls", "none")
#: Cognito's sender when a pool names no ``EmailConfiguration.From``.
DEFAULT_FROM = "no-reply@verificationemail.com"


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1 (brackets allowed); any other name or address is not."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


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
    log_format: str = "text"  # one line per record: "text" or "json" (observability/logs.py)
    metrics: str = "on"  # GET /metrics, unauthenticated: "on" or "off"
    # Accept-any SigV4 (no admin credentials) off loopback: refused unless this is set.
    insecure_accept_any_signature: bool = False
    cors_origins: tuple[str, ...] = ("*",)  # browser origins allowed to call the public operations
    cors_admin_origins: tuple[str, ...] = ()  # browser origins also allowed to sign admin calls
    trusted_proxies: tuple[str, ...] = ()  # CIDRs whose X-Forwarded-Host/-Proto are believed
    quotas: str = "on"  # request-rate quotas (spec §9.2): "on" or "off"
    quota: tuple[str, ...] = ()  # "CATEGORY=RATE[/BURST]" overrides of the default quotas
    # Message delivery (README "Delivering messages"): one way per medium.
    email_delivery: str = "outbox"  # outbox | smtp | webhook | ses
    sms_delivery: str = "outbox"  # outbox | webhook | sns
    smtp_host: str | None = None
    smtp_port: int | None = None  # default by security: 587 starttls, 465 tls, 25 none
    smtp_security: str = "starttls"  # starttls | tls (implicit) | none
    smtp_user: str | None = None
    smtp_password: str | None = None  # secret: reaches workers only through the 0600 settings file
    smtp_password_file: str | None = None  # read at start into smtp_password
    smtp_from: str = DEFAULT_FROM  # when the pool's EmailConfiguration has no From
    smtp_timeout: float = 10.0
    webhook_url: str | None = None
    webhook_secret: str | None = None  # secret (HMAC key of X-Userpool-Signature)
    webhook_secret_file: str | None = None  # read at start into webhook_secret
    webhook_timeout: float = 3.0  # one attempt
    webhook_max_time: float = 5.0  # all attempts of one message, back-off included
    ses_region: str | None = None
    ses_endpoint_url: str | None = None
    ses_configuration_set: str | None = None
    sns_region: str | None = None
    sns_endpoint_url: str | None = None
    sns_sender_id: str | None = None
    lambda_endpoint: str | None = None  # Lambda Invoke API endpoint; default AWS Lambda in the ARN's region
    lambda_function: tuple[str, ...] = ()  # "NAME=module:function": trigger functions run in-process
    kms_endpoint: str | None = None  # KMS endpoint for the custom senders' codes; default AWS KMS
    seed: str | None = None  # a seed file (JSON / YAML) applied at start (seed/)
    progress: str = "auto"  # progress of --seed on stderr: auto (when a terminal), on, off

    @property
    def rate_table_path(self) -> str:
        """The request-rate buckets shared by this server's workers (``storage/rate_table.py``)."""
        return os.path.join(os.path.abspath(self.data_dir), "rate-buckets.bin")

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

    def admin_api_refusal(self) -> str | None:
        """Why ``serve`` must not start (issue 9 item 3): accept-any SigV4 reachable from the
        network. None when admin credentials are set, the host is loopback, or the insecure
        override is given."""
        if self.admin_credentials or self.insecure_accept_any_signature or is_loopback(self.host):
            return None
        return (
            f"refusing to listen on {self.host} without --admin-credentials: the admin API would accept "
            "any well-formed SigV4 signature from the network. Configure --admin-credentials "
            "ACCESS_KEY:SECRET (or USERPOOL_ADMIN_CREDENTIALS), listen on 127.0.0.1, or, knowingly, pass "
            "--insecure-accept-any-signature."
        )

    def check_trusted_proxies(self) -> None:
        """Raise ValueError naming the first entry of ``trusted_proxies`` that is not an address or CIDR."""
        for cidr in self.trusted_proxies:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ValueError(f"--trusted-proxies: {cidr!r} is not an IP address or CIDR block") from None

    def read_secret_files(self) -> Settings:
        """The settings with ``--smtp-password-file`` / ``--webhook-secret-file`` read into the
        secrets they name (trailing newline dropped); OSError when a file cannot be read."""
        values: dict[str, str | None] = {}
        for secret in ("smtp_password", "webhook_secret"):
            path = getattr(self, f"{secret}_file")
            if path:
                with open(path, encoding="utf-8") as handle:
                    values[secret] = handle.read().rstrip("\r\n")
                values[f"{secret}_file"] = None
        return replace(self, **values) if values else self  # type: ignore[arg-type]

    def delivery_refusal(self) -> str | None:
        """Why ``serve`` must not start with this delivery configuration, or None."""
        if self.email_delivery not in EMAIL_DELIVERY:
            return f"--email-delivery must be one of {', '.join(EMAIL_DELIVERY)}, got {self.email_delivery!r}"
        if self.sms_delivery not in SMS_DELIVERY:
            return f"--sms-delivery must be one of {', '.join(SMS_DELIVERY)}, got {self.sms_delivery!r}"
        uses = {self.email_delivery, self.sms_delivery}
        if "smtp" in uses:
            refusal = self._smtp_refusal()
            if refusal:
                return refusal
        elif self.smtp_host:
            return "--smtp-host is set but --email-delivery is not smtp (add --email-delivery smtp)"
        if "webhook" in uses:
            url = urlsplit(self.webhook_url or "")
            if url.scheme not in ("http", "https") or not url.hostname or url.username or url.password:
                return "webhook delivery needs --webhook-url http(s)://host[:port]/path (no user:password@)"
            if not self.webhook_secret:
                return ("webhook delivery needs a signing secret: --webhook-secret-file PATH or "
                        "USERPOOL_WEBHOOK_SECRET")
            if not (self.webhook_timeout > 0 and self.webhook_max_time > 0):
                return "--webhook-timeout and --webhook-max-time must be positive numbers of seconds"
        elif self.webhook_url:
            return "--webhook-url is set but neither --email-delivery nor --sms-delivery is webhook"
        for kind, flag in (("ses", "--email-delivery ses"), ("sns", "--sms-delivery sns")):
            if kind in uses and importlib.util.find_spec("boto3") is None:
                return f"{flag} needs boto3, which is not installed: pip install 'userpool[aws]'"
        return None

    def _smtp_refusal(self) -> str | None:
        if not self.smtp_host:
            return "--email-delivery smtp needs --smtp-host"
        if self.smtp_security not in SMTP_SECURITY:
            return f"--smtp-security must be one of {', '.join(SMTP_SECURITY)}, got {self.smtp_security!r}"
        if self.smtp_port is not None and not 0 < self.smtp_port < 65536:
            return f"--smtp-port must be 1-65535, got {self.smtp_port}"
        if not self.smtp_timeout > 0:
            return "--smtp-timeout must be a positive number of seconds"
        if bool(self.smtp_user) != bool(self.smtp_password):
            return ("SMTP login needs both --smtp-user and a password (--smtp-password-file or "
                    "USERPOOL_SMTP_PASSWORD)")
        if self.smtp_user and self.smtp_security == "none" and not is_loopback(self.smtp_host):
            return (f"refusing to send the SMTP password in clear to {self.smtp_host}: use --smtp-security "
                    "starttls or tls")
        return None

    def delivery_summary(self) -> str:
        """One line for the start banner: where e-mail and SMS go (no secrets)."""
        def way(kind: str) -> str:
            if kind == "smtp":
                port = self.smtp_port or {"starttls": 587, "tls": 465}.get(self.smtp_security, 25)
                return f"smtp {self.smtp_host}:{port} ({self.smtp_security})"
            if kind == "webhook":  # host and port only: a path or query may hold a token
                parts = urlsplit(self.webhook_url or "")
                return f"webhook {parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
            return kind
        return f"e-mail -> {way(self.email_delivery)}; SMS -> {way(self.sms_delivery)}"

    def lambda_functions(self) -> dict[str, str]:
        """Function name → ``module:function`` of ``--lambda-function`` (ValueError for a bad entry)."""
        functions: dict[str, str] = {}
        for item in self.lambda_function:
            name, sep, spec = item.partition("=")
            name, spec = name.strip(), spec.strip()
            if not sep or not name or not spec:
                raise ValueError(f"--lambda-function must look like NAME=module:function, got {item!r}")
            if name in functions:
                raise ValueError(f"--lambda-function: function {name!r} is mapped twice")
            functions[name] = spec
        return functions

    def check_lambda_endpoint(self) -> None:
        """ValueError when ``--lambda-endpoint`` is not an http(s) URL with a host."""
        if self.lambda_endpoint is None:
            return
        parts = urlsplit(self.lambda_endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--lambda-endpoint must be an http:// or https:// URL, got {self.lambda_endpoint!r}")

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Settings:
        raw = json.loads(text)
        for name in _LISTS:
            if name in raw:
                raw[name] = tuple(raw[name] or ())
        return cls(**raw)


def from_environment(env: Mapping[str, str]) -> dict[str, object]:
    """Settings named by ``USERPOOL_*`` variables (flags override them)."""
    out: dict[str, object] = {}
    for name in Settings.__dataclass_fields__:
        value = env.get(ENV_PREFIX + name.upper())
        if value is None or value == "":
            continue
        if name in _INTS:
            out[name] = int(value)
        elif name in _FLOATS:
            out[name] = float(value)
        elif name in _LISTS:
            out[name] = split_list(value)
        elif name in _FLAGS:
            out[name] = value.strip().lower() in ("1", "true", "yes", "on")
        else:
            out[name] = value
    return out


def split_list(value: str) -> tuple[str, ...]:
    """``a, b;c`` -> ``("a", "b", "c")``: list settings given as one string."""
    return tuple(part.strip() for part in value.replace(";", ",").split(",") if part.strip())
