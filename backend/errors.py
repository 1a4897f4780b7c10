"""One error hierarchy. Library code raises these; `backend.http_errors` maps them to HTTP."""

from __future__ import annotations

from typing import Any


class AuroraError(Exception):
    """Base of every error Aurora reports to a caller."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def headers(self) -> dict[str, str]:
        return {}


class BadRequest(AuroraError):
    status, code = 400, "bad_request"


class Unauthenticated(AuroraError):
    status, code = 401, "unauthenticated"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(AuroraError):
    status, code = 403, "forbidden"


class NotFound(AuroraError):
    status, code = 404, "not_found"


class Conflict(AuroraError):
    status, code = 409, "conflict"


class PayloadTooLarge(AuroraError):
    status, code = 413, "payload_too_large"


class InvalidQuery(AuroraError):
    status, code = 422, "invalid_query"

    def __init__(self, message: str, *, path: str | None = None, **kw: Any) -> None:
        details = kw.pop("details", None) or ([{"path": path, "message": message}] if path else [])
        super().__init__(message, details=details)
        self.path = path


class UnknownColumn(InvalidQuery):
    pass


class QueryTooComplex(AuroraError):
    """The compiled query would be over its size budget (`backend.query.budget`); refused
    before it is built whole, let alone rendered or run."""

    status, code = 422, "query_too_complex"


class QueryTooExpensive(AuroraError):
    status, code = 422, "query_too_expensive"


class RowLimitExceeded(AuroraError):
    status, code = 422, "row_limit_exceeded"


class ExportTooLarge(AuroraError):
    status, code = 422, "export_too_large"


class InvalidUpload(AuroraError):
    status, code = 422, "invalid_upload"


class TooManyRequests(AuroraError):
    status, code = 429, "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class QuotaExceeded(AuroraError):
    """A per-user quota (`backend.jobs.quotas`). 429 with Retry-After when waiting frees it
    (exports still running, the day's export bytes), else 422: only the user's own change
    (fewer schedules, a sparser cron) does."""

    status, code = 422, "quota_exceeded"

    def __init__(self, message: str, *, limit: str, retry_after: int | None = None) -> None:
        super().__init__(message, details=[{"limit": limit}])
        self.retry_after = retry_after
        if retry_after is not None:
            self.status = 429

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class ServiceBusy(TooManyRequests):
    status, code = 503, "service_busy"


class Overloaded(TooManyRequests):
    """A query waited QUERY_QUEUE_WAIT_S for a database worker and got none."""

    status, code = 503, "overloaded"


class QueryTimeout(AuroraError):
    status, code = 504, "query_timeout"


class QueryCancelled(AuroraError):
    status, code = 499, "query_cancelled"


class DatabaseError(AuroraError):
    """The database refused a statement we built: our bug or its outage, never user input.
    Callers get `REFUSED`, never the database's words (they can hold row values); those go
    to the server log under the request id."""

    status, code = 502, "database_error"
    REFUSED = (
        "The database could not run this query. Try again; if it keeps failing, "
        "simplify the query and tell your administrator."
    )
