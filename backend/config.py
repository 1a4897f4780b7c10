"""Every setting in one place. Each field names its environment variable and has a description.

Secrets have no default: `AURORA_SECRET_KEY` unset means a key is generated once and kept
under the data folder (see `backend.security.secret`), never a constant in the code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

T = TypeVar("T")


def _env(name: str, default: T, description: str) -> T:
    # Field() is typed Any; returning T lets mypy check each default against its annotation.
    field: T = Field(default=default, validation_alias=name, description=description)
    return field


class Settings(BaseSettings):
    """Aurora's configuration, read from the environment and an optional `.env` file."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, frozen=True
    )

    data_dir: Path = _env(
        "AURORA_DATA_DIR", Path("./data/warehouse"), "DuckDB warehouse folder of Parquet datasets"
    )
    db: Literal["duckdb", "postgres", "oracle"] = _env(
        "AURORA_DB", "duckdb", "Database adapter: duckdb, postgres or oracle"
    )
    db_url: SecretStr | None = _env(
        "AURORA_DB_URL", None, "PostgreSQL URL or Oracle DSN when AURORA_DB is not duckdb"
    )
    db_schema: str | None = _env(
        "AURORA_DB_SCHEMA", None, "Schema whose tables and views are datasets (postgres/oracle)"
    )
    oracle_pool_min: int = _env(
        "AURORA_ORACLE_POOL_MIN", 1, "Oracle session pool: sessions opened at start"
    )
    oracle_pool_max: int = _env(
        "AURORA_ORACLE_POOL_MAX", 8, "Oracle session pool: most sessions at once"
    )
    oracle_pool_increment: int = _env(
        "AURORA_ORACLE_POOL_INCREMENT", 1, "Oracle session pool: sessions opened per growth step"
    )
    state_path: Path | None = _env(
        "AURORA_STATE_DIR",
        None,
        "Aurora's own files (metadata SQLite, exports, secrets); default .aurora beside the data",
    )
    metadata_url: str | None = _env(
        "AURORA_METADATA_URL",
        None,
        "SQLAlchemy URL of the metadata store; default SQLite file beside the warehouse",
    )
    secret_key: SecretStr | None = _env(
        "AURORA_SECRET_KEY", None, "JWT signing key; generated once and kept 0600 when unset"
    )
    admin_user: str = _env("AURORA_ADMIN_USER", "admin", "Name of the admin created on first start")
    admin_password: SecretStr | None = _env(
        "AURORA_ADMIN_PASSWORD", None, "Password of the first admin; random and printed once"
    )
    token_ttl_minutes: int = _env("AURORA_TOKEN_TTL_MINUTES", 60, "Lifetime of a login token")
    argon2_profile: Literal["default", "owasp", "fast"] = _env(
        "AURORA_ARGON2_PROFILE",
        "default",
        "Password hashing cost: default (argon2's recommended, RFC 9106), owasp (OWASP's "
        "argon2id minimum, about a fifth of the CPU: for many sign-ins at once; `make run` sets it "
        "when unset) or fast (tests)",
    )
    # Failed-login limits (backend.security.ratelimit), counted over LOGIN_WINDOW_S.
    login_failures_per_pair: int = _env(
        "LOGIN_FAILURES_PER_PAIR", 10, "Failed logins for one user name from one client, per window"
    )
    login_failures_per_client: int = _env(
        "LOGIN_FAILURES_PER_CLIENT", 50, "Failed logins from one client address, per window"
    )
    login_failures_per_user: int = _env(
        "LOGIN_FAILURES_PER_USER", 100, "Failed logins for one user name from anywhere, per window"
    )
    login_window_s: int = _env(
        "LOGIN_WINDOW_S", 300, "Seconds a failed login counts against the limits above"
    )
    # Who may tell the API the caller's address (backend.security.client_address).
    trusted_proxies: str | None = _env(
        "TRUSTED_PROXIES",
        None,
        "Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For the API "
        "believes; none by default",
    )
    ui_secret: SecretStr | None = _env(
        "AURORA_UI_SECRET",
        None,
        "Secret the UI server proves itself with when it forwards the browser's address; "
        "`make run` generates one per run when unset",
    )
    redis_url: str | None = _env(
        "REDIS_URL", None, "Redis for export jobs and the cache; unset runs jobs in-process"
    )
    max_row_limit: int = _env(
        "MAX_ROW_LIMIT", 1_000_000, "Largest result a query page or a non-Excel export may reach"
    )
    export_excel_max_rows: int = _env("EXPORT_EXCEL_MAX_ROWS", 50_000, "Largest XLSX export")
    ui_url: str = _env(
        "AURORA_UI_URL",
        "http://127.0.0.1:3000",
        "Where the export worker (or the API without Redis) reaches the Reflex UI to print a "
        "dashboard as PDF",
    )
    chromium_path: str = _env(
        "AURORA_CHROMIUM", "/usr/bin/chromium", "The Chromium that prints dashboard PDFs"
    )
    pdf_timeout_s: int = _env(
        "AURORA_PDF_TIMEOUT_S", 120, "Longest the headless browser waits for a dashboard's tiles"
    )
    preview_rows: int = _env("PREVIEW_ROWS", 50, "Rows returned by /api/preview at most")
    query_timeout_s: float = _env(
        "QUERY_TIMEOUT_S", 30.0, "Seconds before a running query is interrupted"
    )
    query_workers: int = _env(
        "QUERY_WORKERS", 4, "Queries that run at once; more wait in a fair queue"
    )
    query_queue: int = _env(
        "QUERY_QUEUE",
        1000,
        "Queries that may wait for a worker at once; one more is refused with 503 at once",
    )
    query_queue_wait_s: float = _env(
        "QUERY_QUEUE_WAIT_S",
        10.0,
        "Seconds a query may wait for a worker (fair queue, per user) before 503 Retry-After",
    )
    explain_max_rows: int = _env(
        "EXPLAIN_MAX_ROWS", 200_000_000, "Cost gate: largest estimated intermediate row count"
    )
    explain_max_cost: float = _env(
        "EXPLAIN_MAX_COST", 1e12, "Cost gate: largest planner cost (PostgreSQL, Oracle)"
    )
    count_max_rows: int = _env(
        "COUNT_MAX_ROWS",
        50_000_000,
        "total_rows is counted only when the estimated input is at most this many rows",
    )
    erase_retention_hours: float = _env(
        "ERASE_RETENTION_HOURS",
        0.0,
        "Hours an erase keeps superseded files of a Delta dataset before vacuuming them; 0 "
        "removes them and the log before the erase at once, so no version shows erased rows",
    )
    vacuum_retention_hours: float = _env(
        "VACUUM_RETENTION_HOURS",
        168.0,
        "Hours of past versions a vacuum of a Delta dataset keeps readable when the admin "
        "gives no retention_hours (files and log entries older than that are deleted)",
    )
    cdc_postgres_url: SecretStr | None = _env(
        "CDC_POSTGRES_URL",
        None,
        "PostgreSQL URL the CDC poll reads a registered source through when the source names "
        "no URL of its own (never logged, never shown)",
    )
    upload_table_format: Literal["delta", "parquet"] = _env(
        "UPLOAD_TABLE_FORMAT",
        "delta",
        "Format of a dataset a new upload creates: delta (a Delta table: each upload a version, "
        "with history, as_of, erase and changes) or parquet (plain files); an existing dataset "
        "keeps its format",
    )
    cache_ttl: int = _env(
        "CACHE_TTL", 60, "Seconds a cached result page lives; 0 turns the result cache off"
    )
    result_cache: bool = _env(
        "RESULT_CACHE",
        True,
        "Cache result pages (in memory, or in Redis when REDIS_URL is set); false runs every page",
    )
    page_block_rows: int = _env(
        "PAGE_BLOCK_ROWS",
        1000,
        "Rows fetched and cached per block; pages are cut from blocks (0: each page asks alone)",
    )
    page_prefetch_blocks: int = _env(
        "PAGE_PREFETCH_BLOCKS",
        8,
        "Most blocks one cold query fetches together (runs double from the first page: 1, 2, 4...)",
    )
    cache_ttl_versioned: int = _env(
        "CACHE_TTL_VERSIONED",
        3600,
        "Seconds a cached result of versioned data lives (a new load is a new key anyway)",
    )
    result_cache_max_mb: int = _env(
        "RESULT_CACHE_MAX_MB",
        128,
        "Memory the in-process result cache may hold, counted in the Arrow buffers it keeps "
        "alive (least used go)",
    )
    query_cache_max_mb: int = _env(
        "QUERY_CACHE_MAX_MB",
        64,
        "Memory one API process's compiled-query caches may hold together (least used go): "
        "half for compiled specs (their sqlglot trees, about 500 bytes a node), an eighth "
        "each for rendered SQL, page templates, cost gate decisions and counts",
    )
    upload_max_mb: int = _env("UPLOAD_MAX_MB", 200, "Largest dataset upload")
    upload_max_uncompressed_mb: int = _env(
        "UPLOAD_MAX_UNCOMPRESSED_MB",
        256,
        "Largest an uploaded XLSX workbook may unpack to (its sheets are read whole)",
    )
    upload_max_rows: int = _env(
        "UPLOAD_MAX_ROWS", 10_000_000, "Most data rows of one uploaded file"
    )
    max_json_body_mb: int = _env(
        "MAX_JSON_BODY_MB",
        8,
        "Largest request body but uploads; refused with 413 as it streams in, never read whole",
    )
    export_queue: str = _env(
        "AURORA_EXPORT_QUEUE", "aurora:exports", "ARQ queue the API and export workers share"
    )
    export_timeout_s: int = _env(
        "AURORA_EXPORT_TIMEOUT_S",
        3600,
        "Longest one export may run (the upper bound; a dead worker is noticed by its lease)",
    )
    export_lease_s: int = _env(
        "EXPORT_LEASE_S",
        30,
        "Lease of a running ARQ export, renewed by its worker's heartbeat; a dead worker's "
        "export goes to another worker this long after its last heartbeat (3 attempts at most)",
    )
    export_batch_pause_ms: int = _env(
        "EXPORT_BATCH_PAUSE_MS",
        0,
        "Pause between exported batches, to keep huge exports from crowding interactive queries",
    )
    export_retention_h: int = _env("EXPORT_RETENTION_H", 24, "Hours an export file is kept")
    # Per-user quotas (backend.jobs.quotas); administrators are exempt.
    quota_active_schedules: int = _env(
        "QUOTA_ACTIVE_SCHEDULES", 20, "Enabled schedules one user may have"
    )
    quota_queued_exports: int = _env(
        "QUOTA_QUEUED_EXPORTS", 5, "Exports one user may have queued or running at once"
    )
    quota_export_mb_per_day: int = _env(
        "QUOTA_EXPORT_MB_PER_DAY",
        2048,
        "Export file megabytes one user may produce in 24 hours; past it, new exports wait",
    )
    schedule_min_interval_minutes: int = _env(
        "SCHEDULE_MIN_INTERVAL_MINUTES",
        15,
        "Shortest time between two runs of one user's schedule",
    )
    pivot_max_columns: int = _env("PIVOT_MAX_COLUMNS", 200, "Most pivot result columns")
    # Email delivery of schedules and alerts (backend.delivery.email, docs/delivery.md).
    smtp_host: str | None = _env(
        "SMTP_HOST", None, "SMTP server that sends deliveries by email; unset: no email channel"
    )
    smtp_port: int = _env("SMTP_PORT", 587, "Port of SMTP_HOST")
    smtp_user: str | None = _env("SMTP_USER", None, "SMTP login name, if the server wants one")
    smtp_password: SecretStr | None = _env("SMTP_PASSWORD", None, "Password of SMTP_USER")
    smtp_from: str = _env("SMTP_FROM", "aurora@localhost", "From address of delivery emails")
    smtp_starttls: bool = _env(
        "SMTP_STARTTLS", True, "Upgrade the SMTP connection with STARTTLS before logging in"
    )
    email_attach_max_mb: float = _env(
        "EMAIL_ATTACH_MAX_MB",
        10.0,
        "Largest file attached to a delivery email; a bigger one is sent as a download link",
    )
    delivery_outside_emails: bool = _env(
        "DELIVERY_OUTSIDE_EMAILS",
        False,
        "Allow schedules to email addresses outside Aurora (they receive the owner's view)",
    )
    delivery_link_url: str = _env(
        "DELIVERY_LINK_URL",
        "http://127.0.0.1:8000",
        "The API's address as recipients reach it, for download links in delivery emails",
    )
    # The compile budget (backend.query.budget): how big one compiled query may grow; over
    # it, 422 query_too_complex before the query is built whole.
    query_max_nodes: int = _env(
        "QUERY_MAX_NODES",
        50_000,
        "Compile budget: expression nodes of one query, calculated fields counted at each use",
    )
    query_max_in_values: int = _env(
        "QUERY_MAX_IN_VALUES", 10_000, "Compile budget: values in all IN lists of one query"
    )
    query_max_measures: int = _env(
        "QUERY_MAX_MEASURES", 1_000, "Compile budget: measures of one query (at most 1000)"
    )
    query_max_joins: int = _env(
        "QUERY_MAX_JOINS", 8, "Compile budget: joins of one query (at most 8)"
    )
    query_max_depth: int = _env(
        "QUERY_MAX_DEPTH",
        24,
        "Compile budget: parentheses, functions and subqueries inside one another (at most 30)",
    )
    log_level: str = _env("AURORA_LOG_LEVEL", "INFO", "Log level of the JSON logs")
    environment: Literal["development", "production"] = _env(
        "AURORA_ENV",
        "development",
        "development or production; `python -m backend.serve` (and so `make run`) sets "
        "production unless given",
    )
    public_api_docs: bool | None = _env(
        "PUBLIC_API_DOCS",
        None,
        "Serve /api/openapi.json and /api/docs without credentials; unset: yes in "
        "development, no in production",
    )

    # The production shape (`make run`, `python -m backend.serve`, docs/deploy.md).
    api_workers: int | None = _env(
        "API_WORKERS",
        None,
        "API processes `make run` starts; default: one per CPU core with REDIS_URL (they "
        "share the result cache), one per two cores without",
    )
    duckdb_memory_limit: str | None = _env(
        "DUCKDB_MEMORY_LIMIT",
        None,
        "Memory one process's DuckDB may use (e.g. 2GiB); `make run` defaults it to 60% of "
        "RAM shared by the API processes and the export worker",
    )

    # The optional model engine of /api/ask (backend.ask.llm, docs/ask.md): off unless both
    # the URL and the model are set; the deterministic parser answers whenever it fails.
    llm_url: str | None = _env(
        "AURORA_LLM_URL",
        None,
        "Base URL of an OpenAI-compatible chat-completions endpoint (e.g. http://host:8000/v1) "
        "for /api/ask; unset: the deterministic parser only",
    )
    llm_model: str | None = _env(
        "AURORA_LLM_MODEL", None, "Model name sent to AURORA_LLM_URL; unset: the parser only"
    )
    llm_key: SecretStr | None = _env(
        "AURORA_LLM_KEY", None, "Bearer key for AURORA_LLM_URL, if the endpoint wants one"
    )
    llm_timeout_s: float = _env(
        "AURORA_LLM_TIMEOUT_S",
        10.0,
        "Seconds the model may take for one question, retry included; then the parser answers",
    )
    llm_send_values: bool = _env(
        "AURORA_LLM_SEND_VALUES",
        False,
        "Send the model the values of low-cardinality text columns (only those the asking "
        "user may see under row-level security); off: names, labels, types, synonyms only",
    )

    # Webhook delivery (backend.delivery.webhook, docs/delivery.md).
    webhook_allowed_hosts: str = _env(
        "WEBHOOK_ALLOWED_HOSTS",
        "",
        "Hosts webhooks may post to, comma-separated: names, *.domain wildcards, IP addresses "
        "or networks; a name must resolve to public addresses (or listed ones); empty: none",
    )
    webhook_timeout_s: float = _env(
        "WEBHOOK_TIMEOUT_S", 5.0, "Seconds one webhook request may take before it is retried"
    )

    @property
    def state_dir(self) -> Path:
        """Where Aurora keeps its own files (metadata, exports, secrets)."""
        return self.state_path or self.data_dir.resolve().parent / ".aurora"

    @property
    def api_docs_public(self) -> bool:
        """The API's description names every route and field: an outside caller learns the
        attack surface from it, so a production server keeps it behind credentials.

        >>> Settings(AURORA_ENV="production").api_docs_public
        False
        >>> Settings(AURORA_ENV="production", PUBLIC_API_DOCS=True).api_docs_public
        True
        """
        if self.public_api_docs is not None:
            return self.public_api_docs
        return self.environment != "production"


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_table() -> str:
    """The README's configuration table, generated from the fields above."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for f in Settings.model_fields.values():
        default = "(none)" if f.default is None else f"`{f.default}`"
        rows.append(f"| `{f.validation_alias}` | {default} | {f.description} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
