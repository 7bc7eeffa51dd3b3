"""GET /v1/usage: the tenant's LLM usage (jobs, tokens, cost) over a time range, by day or model."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reports.v1 import store_pb2
from services.common.rpc_errors import FieldProblem
from services.common.strict_json import quote
from services.common.timeutil import iso, to_timestamp, utcnow
from services.gateway import convert
from services.gateway.calls import call
from services.gateway.errors import ApiError

GROUPS = ("day", "model")
DEFAULT_DAYS = 30
MAX_DAYS = 366
_MAX_CHARS = 40


def _bad(name: str, message: str) -> ApiError:
    return ApiError(400, "invalid_request", f"{name} {message}", [FieldProblem(f"?{name}", message)])


def moment(raw: str, name: str) -> datetime:
    """A date (`2026-12-01`: its midnight UTC) or an RFC 3339 time with its offset, in UTC."""
    text = raw.strip()
    if len(text) > _MAX_CHARS or not text.isascii():
        raise _bad(name, "must be a date (YYYY-MM-DD) or a time with its offset (2026-12-01T09:00:00Z)")
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        value = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
        if value.tzinfo is None:
            raise _bad(name, "needs its UTC offset (Z or +hh:mm) when it has a time of day")
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _bad(name, f"is not a date or time: {quote(text)}") from None


def usage_range(request: Request, now: datetime) -> tuple[datetime, datetime, str]:
    """(from, to, groupBy) from the query; `to` defaults to now, `from` to 30 days before `to`."""
    query = request.query_params
    end = moment(query["to"], "to") if query.get("to") else now
    if query.get("from"):
        start = moment(query["from"], "from")
    elif end.year > 1:
        start = end - timedelta(days=DEFAULT_DAYS)
    else:
        raise _bad("to", "is too early")
    if start > end:
        raise _bad("from", "must not be after to")
    if end - start > timedelta(days=MAX_DAYS):
        raise _bad("from", f"must be at most {MAX_DAYS} days before to")
    group_by = query.get("groupBy") or "day"
    if group_by not in GROUPS:
        raise _bad("groupBy", f"must be one of {', '.join(GROUPS)}, got {quote(group_by)}")
    return start, end, group_by


async def get_usage(request: Request) -> JSONResponse:
    c = call(request)
    start, end, group_by = usage_range(request, utcnow())
    reply = await c.backends.store.GetUsage(
        store_pb2.GetUsageRequest(tenant=c.tenant, start=to_timestamp(start), end=to_timestamp(end), group_by=group_by),
        timeout=c.timeout,
        metadata=c.metadata,
    )
    return JSONResponse(
        {
            "from": iso(start),
            "to": iso(end),
            "groupBy": group_by,
            "groups": [{"group": g.group, **convert.usage_figures_json(g)} for g in reply.groups],
            "total": convert.usage_figures_json(reply.total),
        }
    )


routes = [Route("/v1/usage", get_usage, methods=["GET"])]
