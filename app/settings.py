"""Configuration: one Settings object read from the environment (prefix ``SITREP_``).

``DATABASE_URL`` is also read without the prefix, as deployment platforms set it.
With no database URL, Sitrep starts an embedded PostgreSQL in ``data_dir``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything Sitrep can be configured with. See README "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="SITREP_", env_file=".env", extra="ignore")

    environment: str = Field("development", description="development | test | production")
    database_url: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DATABASE_URL", "SITREP_DATABASE_URL"),
        description="postgresql://user:pass@host:port/db; unset = embedded PostgreSQL",
    )
    data_dir: Path = Field(Path(".sitrep"), description="Where the embedded PostgreSQL keeps data")
    host: str = "127.0.0.1"
    port: int = 8000
    pool_min_size: int = Field(2, ge=1)
    pool_max_size: int = Field(10, ge=1)
    statement_timeout_ms: int = Field(15_000, ge=100, description="Per-statement timeout")

    default_page_size: int = Field(20, ge=1)
    max_page_size: int = Field(100, ge=1)
    max_query_depth: int = Field(12, ge=2)
    max_aliases: int = Field(30, ge=1)
    max_tokens: int = Field(5_000, ge=100)
    document_cache_size: int = Field(
        256, ge=1, description="Parsed and validated GraphQL documents kept in memory"
    )
    max_ids_per_lookup: int = Field(100, ge=1, description="Upper bound for nodes(ids:)")

    planner: bool = Field(
        True,
        description="Answer reads with one planned SQL statement (the fast path); false = "
        "always the resolvers",
    )
    graphiql: bool = Field(True, description="Serve the GraphiQL explorer at /graphql")
    require_key_for_reads: bool = Field(
        False, description="Refuse anonymous requests (401); by default they read published data"
    )
    max_upload_bytes: int = Field(
        200 * 1024 * 1024, ge=1, description="Largest file accepted by the import endpoints"
    )
    push: bool = Field(
        True, description="Serve subscriptions (one LISTEN connection per process) and webhooks"
    )
    push_multiplex: bool = Field(
        True,
        description="One execution for identical incidentEvents subscriptions (same document, "
        "variables and visibility level)",
    )
    push_queue_size: int = Field(
        1000, ge=1, description="Events a subscription may fall behind before it is dropped"
    )
    push_keepalive_seconds: float = Field(
        15, gt=0, description="Server pings on idle subscription WebSockets"
    )
    push_max_connections_per_key: int = Field(
        100, ge=1, description="Subscription WebSockets per API key (per process)"
    )
    push_max_subscriptions_per_connection: int = Field(
        100, ge=1, description="Subscriptions on one WebSocket"
    )
    webhook_timeout_seconds: float = Field(10, gt=0, description="Per webhook POST")
    webhook_retry_base_seconds: float = Field(
        2, gt=0, description="First retry delay; doubles with every failed attempt"
    )
    webhook_retry_max_seconds: float = Field(3600, gt=0, description="Longest retry delay")
    webhook_max_attempts: int = Field(12, ge=1, description="Attempts before FAILED")
    webhook_poll_seconds: float = Field(
        2, gt=0, description="How often idle senders look for due deliveries"
    )
    webhook_allowed_networks: list[str] = Field(
        default_factory=list,
        description="CIDRs webhooks may reach although not public (e.g. 10.0.0.0/8); "
        "empty = public addresses only",
    )
    log_level: str = "INFO"
    log_json: bool = False

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.default_page_size > self.max_page_size:
            raise ValueError("default_page_size must not exceed max_page_size")
        if self.pool_min_size > self.pool_max_size:
            raise ValueError("pool_min_size must not exceed pool_max_size")
        if self.environment == "production" and self.database_url is None:
            raise ValueError("production requires DATABASE_URL (no embedded PostgreSQL)")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
