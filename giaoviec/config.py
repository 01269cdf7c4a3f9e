"""Settings, from the environment (and an optional .env file), in one place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    mode: Literal["dev", "production"] = Field("dev", validation_alias=_env("GIAOVIEC_MODE"))
    data_dir: Path = Field(Path("data"), validation_alias=_env("GIAOVIEC_DATA_DIR"))
    host: str = Field("127.0.0.1", validation_alias=_env("GIAOVIEC_HOST"))
    port: int = Field(8000, validation_alias=_env("GIAOVIEC_PORT"))
    database_url: str | None = Field(None, validation_alias=_env("DATABASE_URL"))
    # Connections each process may hold on PostgreSQL (the pool, and more on demand).
    db_pool_size: int = Field(10, ge=1, le=200, validation_alias=_env("GIAOVIEC_DB_POOL_SIZE"))
    db_max_overflow: int = Field(20, ge=0, le=200,
                                 validation_alias=_env("GIAOVIEC_DB_MAX_OVERFLOW"))

    # None means "start the embedded Temporal dev server" for `giaoviec dev`.
    temporal_address: str | None = Field(None, validation_alias=_env("TEMPORAL_ADDRESS"))
    temporal_namespace: str = Field("default", validation_alias=_env("TEMPORAL_NAMESPACE"))
    task_queue: str = Field("giaoviec", validation_alias=_env("GIAOVIEC_TASK_QUEUE"))
    # Where `giaoviec dev` runs its embedded Temporal dev server (when TEMPORAL_ADDRESS is unset).
    temporal_dev_port: int = Field(7233, validation_alias=_env("TEMPORAL_DEV_PORT"))
    temporal_ui_port: int = Field(8233, validation_alias=_env("TEMPORAL_UI_PORT"))

    # Yearly calendar overrides: YAML with `extra_days_off` and `extra_working_days` lists.
    calendar_file: Path | None = Field(None, validation_alias=_env("GIAOVIEC_CALENDAR_FILE"))

    # Authentication: dev tokens are HS256 with this secret, or (unset) with one made per
    # install in the data directory (giaoviec/dev_secret.py); production uses OIDC.
    jwt_secret: str | None = Field(None, validation_alias=_env("GIAOVIEC_JWT_SECRET"))
    token_ttl_hours: int = Field(12, validation_alias=_env("GIAOVIEC_TOKEN_TTL_HOURS"))
    oidc_issuer: str | None = Field(None, validation_alias=_env("GIAOVIEC_OIDC_ISSUER"))
    oidc_audience: str | None = Field(None, validation_alias=_env("GIAOVIEC_OIDC_AUDIENCE"))
    oidc_jwks_url: str | None = Field(None, validation_alias=_env("GIAOVIEC_OIDC_JWKS_URL"))
    oidc_username_claim: str = Field(
        "preferred_username", validation_alias=_env("GIAOVIEC_OIDC_USERNAME_CLAIM")
    )
    # The dashboard's sign-in (authorization code + PKCE): its client at the provider, and the
    # secret that signs the short-lived sign-in cookie (defaults to the JWT secret).
    oidc_client_id: str = Field("giaoviec", validation_alias=_env("GIAOVIEC_OIDC_CLIENT_ID"))
    oidc_client_secret: str | None = Field(
        None, validation_alias=_env("GIAOVIEC_OIDC_CLIENT_SECRET"))
    oidc_scope: str = Field("openid profile", validation_alias=_env("GIAOVIEC_OIDC_SCOPE"))
    session_secret: str | None = Field(None, validation_alias=_env("GIAOVIEC_SESSION_SECRET"))

    # Mail: nothing is sent unless SMTP_HOST is set; notifications are always kept in-app.
    smtp_host: str | None = Field(None, validation_alias=_env("SMTP_HOST"))
    smtp_port: int = Field(25, validation_alias=_env("SMTP_PORT"))
    smtp_username: str | None = Field(None, validation_alias=_env("SMTP_USERNAME"))
    smtp_password: str | None = Field(None, validation_alias=_env("SMTP_PASSWORD"))
    smtp_starttls: bool = Field(False, validation_alias=_env("SMTP_STARTTLS"))
    smtp_sender: str = Field(
        "giaoviec@localhost", validation_alias=_env("SMTP_SENDER", "SMTP_FROM")
    )
    digest_every_minutes: int = Field(10, validation_alias=_env("GIAOVIEC_DIGEST_MINUTES"))
    # The weekly kiểm đếm: ISO weekday (1 = Monday), hour and minute, Asia/Ho_Chi_Minh.
    tally_weekday: int = Field(1, ge=1, le=7, validation_alias=_env("GIAOVIEC_TALLY_WEEKDAY"))
    tally_hour: int = Field(6, ge=0, le=23, validation_alias=_env("GIAOVIEC_TALLY_HOUR"))
    tally_minute: int = Field(30, ge=0, le=59, validation_alias=_env("GIAOVIEC_TALLY_MINUTE"))
    # Links in mails and notifications; unset, this server's own http://host:port (see below).
    public_url: str = Field("", validation_alias=_env("GIAOVIEC_PUBLIC_URL"))
    # Reverse proxies (comma-separated IPs/CIDRs) whose X-Forwarded-* headers are believed.
    trusted_proxies: str = Field("", validation_alias=_env("GIAOVIEC_TRUSTED_PROXIES"))
    # Per minute (0 turns one off): failed token checks per client address, GraphQL mutations
    # per official; in one store for all processes with redis_url, else per process (at most
    # rate_max_keys addresses/officials remembered).
    rate_auth_failures_per_minute: int = Field(
        10, ge=0, validation_alias=_env("GIAOVIEC_RATE_AUTH_FAILURES_PER_MINUTE"))
    rate_mutations_per_minute: int = Field(
        60, ge=0, validation_alias=_env("GIAOVIEC_RATE_MUTATIONS_PER_MINUTE"))
    rate_max_keys: int = Field(10_000, ge=1, validation_alias=_env("GIAOVIEC_RATE_MAX_KEYS"))
    # Dev mode answers only Host: localhost, 127.0.0.1 or [::1], and these (comma-separated).
    dev_allowed_hosts: str = Field("", validation_alias=_env("GIAOVIEC_DEV_ALLOWED_HOSTS"))
    # One store of rate-limit buckets for every API process (redis://host:port/db); unset,
    # each process counts alone (`make run`: one process).
    redis_url: str | None = Field(None, validation_alias=_env("GIAOVIEC_REDIS_URL"))
    # Reads whose cost reaches api.cost.EXPENSIVE, per minute per official (0: unlimited).
    rate_expensive_reads_per_minute: int = Field(
        10, ge=0, validation_alias=_env("GIAOVIEC_RATE_EXPENSIVE_READS_PER_MINUTE"))
    # Per official, per minute (0: unlimited): the summed cost (api.cost) of his GraphQL
    # operations; and the refusals (RATE_LIMITED, QUERY_TOO_COSTLY) after which his requests
    # are refused at the door, before their body is read, until the budget refills.
    rate_cost_per_minute: int = Field(
        15_000, ge=0, validation_alias=_env("GIAOVIEC_RATE_COST_PER_MINUTE"))
    rate_refusals_per_minute: int = Field(
        10, ge=0, validation_alias=_env("GIAOVIEC_RATE_REFUSALS_PER_MINUTE"))
    # The dashboard's home page waits at most this long (ms) for the viewer's first figures
    # to paint them with the HTML (api/dashboard/first_paint.py); then it goes out without
    # them, its scripts asking. 0: never painted with the HTML.
    dashboard_first_paint_ms: int = Field(
        300, ge=0, validation_alias=_env("GIAOVIEC_DASHBOARD_FIRST_PAINT_MS"))

    # Operators: `json` logs one JSON object a line with request and task ids (the cluster,
    # containers); the worker answers /metrics and /health/* on metrics_port (0: not at all);
    # the Temporal SDK exports its metrics on a loopback port (unset: a free one). 9464, not
    # 9100: node_exporter holds that one on most hosts.
    log_format: Literal["text", "json"] = Field(
        "text", validation_alias=_env("GIAOVIEC_LOG_FORMAT"))
    log_level: str = Field("INFO", validation_alias=_env("GIAOVIEC_LOG_LEVEL"))
    metrics_port: int = Field(9464, ge=0, validation_alias=_env("GIAOVIEC_METRICS_PORT"))
    temporal_metrics_port: int | None = Field(
        None, validation_alias=_env("GIAOVIEC_TEMPORAL_METRICS_PORT"))

    @model_validator(mode="after")
    def _default_public_url(self) -> Settings:
        # Computed from host and port when not given, so GIAOVIEC_PORT=9000 alone gives right
        # links; a field (not a property) so that every reader keeps a plain str.
        if not self.public_url:
            host = f"[{self.host}]" if ":" in self.host else self.host
            self.public_url = f"http://{host}:{self.port}"
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'giaoviec.db').resolve()}"

    @property
    def resolved_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_dev_port}"

    @property
    def is_dev(self) -> bool:
        return self.mode == "dev"


@lru_cache
def get_settings() -> Settings:
    return Settings()
