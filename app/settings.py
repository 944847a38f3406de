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
    read_database_urls: SecretStr | None = Field(
        None,
        description="Streaming replicas for reads: one or more postgresql:// URLs, separated "
        "by commas or spaces",
    )
    read_max_lag_seconds: float = Field(
        10.0, gt=0, description="A replica further behind the primary is out of rotation"
    )
    read_your_writes_wait_ms: int = Field(
        500,
        ge=0,
        description="How long a read carrying X-Sitrep-LSN waits for a replica to replay "
        "that position before the primary serves it",
    )
    replica_check_interval_seconds: float = Field(1.0, gt=0, description="Replica health checks")
    pooler: bool = Field(
        False,
        description="DATABASE_URL (and the read URLs) lead to a pooler in transaction mode "
        "(PgBouncer): no named prepared statements, no session settings, no generic-plan pool",
    )
    direct_database_url: SecretStr | None = Field(
        None,
        description="The primary without a pooler, for LISTEN (transaction pooling breaks "
        "LISTEN); unset = DATABASE_URL",
    )
    data_dir: Path | None = Field(
        None,
        description="Where the embedded PostgreSQL keeps data; unset = .sitrep in a source "
        "checkout, else the user data directory (platformdirs)",
    )
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
    max_selections: int = Field(
        1_000, ge=10, description="Fields a document selects once its fragments are expanded"
    )
    max_field_repeats: int = Field(
        20, ge=2, description="Fields of one response key in one selection set"
    )
    max_input_depth: int = Field(
        16, ge=2, description="Nesting of an argument's or a variable's lists and objects"
    )
    max_input_values: int = Field(2_000, ge=10, description="Values the variables hold")
    max_input_objects: int = Field(
        100,
        ge=1,
        description="Input objects in the arguments, counted once per object they apply to",
    )
    max_cost: int = Field(
        50_000, ge=1, description="Static cost budget: field values a response may hold"
    )
    cost_list_size: int = Field(
        5, ge=1, description="Items assumed for a list without a page size, in the cost"
    )
    cost_count: int = Field(
        250, ge=1, description="What a totalCount counts in the cost (it reads every row)"
    )
    max_stats_buckets: int = Field(
        10_000, ge=1, description="Time buckets incidentStats may fill (fillEmpty)"
    )
    operation_timeout_ms: int = Field(
        10_000, ge=10, description="Time budget of a GraphQL query (below the statement timeout)"
    )
    rate_limit: bool = Field(True, description="Charge callers points per window (429 when spent)")
    rate_limit_window_seconds: int = Field(3_600, ge=1)
    rate_limit_cost_per_point: int = Field(
        1_000, ge=1, description="Cost per rate-limit point (a request is at least 1 point)"
    )
    rate_limit_anonymous: int = Field(5_000, ge=1, description="Points per window, by address")
    rate_limit_reader: int = Field(5_000, ge=1, description="Points per window of a reader key")
    rate_limit_editor: int = Field(20_000, ge=1, description="… of an editor key")
    rate_limit_admin: int = Field(20_000, ge=1, description="… of an admin key")
    rate_limit_max_callers: int = Field(
        100_000, ge=1, description="Callers counted per instance (about 200 bytes each)"
    )
    rate_limit_refusal_points: int = Field(
        10,
        ge=0,
        description="Points a refused request costs its caller (a 4xx, or a GraphQL request "
        "error: syntax, validation, a limit, the cost): floods of bad requests meet 429s",
    )
    rate_limit_refusal_delay_ms: int = Field(
        1_000,
        ge=0,
        description="How long an anonymous address out of points waits for its 429 "
        "(one answer per delay per connection for a client that ignores Retry-After)",
    )
    max_in_flight_per_address: int = Field(
        100,
        ge=0,
        description="Requests one client address may have in progress at once, per process; "
        "more get 429 at once (0 = no cap; off with the rate limit)",
    )
    max_active_per_address: int = Field(
        4,
        ge=0,
        description="Requests of one client address executing at once, per process; the "
        "others of its requests in flight wait their turn, first come first served, before "
        "their body is read (0 = no cap; off with the rate limit)",
    )
    max_exports_per_address: int = Field(
        2,
        ge=0,
        description="Exports one client address may stream at once, per process; more get "
        "429 (0 = no cap; off with the rate limit)",
    )
    forwarded_allow_ips: str | None = Field(
        None,
        description="Proxies whose X-Forwarded-For gives the client address (comma-separated "
        'addresses or networks, or "*"); unset = the header is never trusted',
    )
    document_cache_size: int = Field(
        256, ge=1, description="Parsed and validated GraphQL documents kept in memory"
    )
    document_cache_bytes: int = Field(
        32 * 1024 * 1024, ge=1024, description="… and their estimated size in bytes, at most"
    )
    max_ids_per_lookup: int = Field(100, ge=1, description="Upper bound for nodes(ids:)")

    planner: bool = Field(
        True,
        description="Answer reads with one planned SQL statement (the fast path); false = "
        "always the resolvers",
    )
    graphiql: bool = Field(True, description="Serve the GraphiQL explorer at /graphql")
    introspection: bool = Field(True, description="Answer __schema and __type queries")
    field_suggestions: bool | None = Field(
        None, description='"Did you mean …" in error messages; unset = as introspection'
    )
    docs: bool = Field(True, description="Serve Swagger UI at /docs")
    openapi: bool = Field(True, description="Serve /openapi.json (false also turns off both)")
    opentelemetry: bool = Field(
        False,
        description="FastAPI's OpenTelemetry spans, metrics and logs (needs an OpenTelemetry "
        "SDK installed and configured); Sitrep's own metrics are Prometheus, at /metrics",
    )
    cors_origins: list[str] = Field(
        [], description='Origins browsers may call from, JSON: ["https://a.example"] or ["*"]'
    )
    persisted_documents: Path | None = Field(
        None,
        description="Registered documents: a directory of .graphql files or a JSON manifest "
        "(Relay persisted-queries.json, GraphQL Codegen persisted-documents.json)",
    )
    persisted_only: bool = Field(
        False, description="Allow-list mode: run registered documents only"
    )
    apq_cache_bytes: int = Field(
        8 * 1024 * 1024, ge=0, description="Memory for automatic persisted queries, per process"
    )
    persisted_cache_control: str = Field(
        "public, max-age=60",
        description="Cache-Control of anonymous GET responses for a persisted document",
    )
    require_key_for_reads: bool = Field(
        False, description="Refuse anonymous requests (401); by default they read published data"
    )
    max_upload_bytes: int = Field(
        200 * 1024 * 1024, ge=1, description="Largest file accepted by the import endpoints"
    )
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="Largest request body (uploads: max_upload_bytes)"
    )
    max_json_depth: int = Field(
        64, ge=2, description="Deepest nesting of a JSON body, variables or export filter"
    )
    max_concurrent_exports: int = Field(
        8, ge=1, description="Exports streamed at once per process; more get 503"
    )
    export_concurrent_reads: int = Field(
        2,
        ge=1,
        description="Export page statements running at once per process (the rest wait, "
        "so exports starting together leave pooled connections to other requests)",
    )
    export_page_size: int = Field(
        1000, ge=1, description="Most rows an export reads per statement (the first has 100)"
    )
    export_write_timeout_s: float = Field(
        30.0, gt=0, description="An export whose client takes no data for this long is cut"
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

    @property
    def suggestions(self) -> bool:
        """Whether error messages may say "Did you mean …" (as introspection, unless set)."""
        return self.introspection if self.field_suggestions is None else self.field_suggestions

    # `sitrep sync` (README "Live sync"): endpoints, and credentials from the environment.
    acled_base_url: str = Field(
        "https://acleddata.com/api", description="ACLED API base (…/acled/read, …/deleted/read)"
    )
    acled_token_url: str = Field(
        "https://acleddata.com/oauth/token", description="ACLED OAuth token endpoint"
    )
    acled_username: str | None = Field(None, description="myACLED account e-mail")
    acled_password: SecretStr | None = Field(None, description="myACLED account password")
    ucdp_base_url: str = Field(
        "https://ucdpapi.pcr.uu.se/api", description="UCDP API base (…/gedevents/<version>)"
    )
    ucdp_token: SecretStr | None = Field(None, description="UCDP API token (x-ucdp-access-token)")
    sync_timeout_s: float = Field(120.0, gt=0, description="Per-request timeout of the sync")

    def read_urls(self) -> list[str]:
        """SITREP_READ_DATABASE_URLS as a list."""
        if self.read_database_urls is None:
            return []
        return self.read_database_urls.get_secret_value().replace(",", " ").split()

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.default_page_size > self.max_page_size:
            raise ValueError("default_page_size must not exceed max_page_size")
        if self.operation_timeout_ms >= self.statement_timeout_ms:
            raise ValueError("operation_timeout_ms must be below statement_timeout_ms")
        if self.pool_min_size > self.pool_max_size:
            raise ValueError("pool_min_size must not exceed pool_max_size")
        if self.environment == "production" and self.database_url is None:
            raise ValueError("production requires DATABASE_URL (no embedded PostgreSQL)")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
