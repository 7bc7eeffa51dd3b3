from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reports.v1 import store_pb2
from services.gateway import convert, pages, params
from services.gateway.calls import call


async def get_report(request: Request) -> JSONResponse:
    c = call(request)
    report = await c.backends.store.GetReport(
        store_pb2.GetReportRequest(tenant=c.tenant, report_id=params.resource_id(request, "report_id", "report")),
        timeout=c.timeout,
        metadata=c.metadata,
    )
    return pages.resource_response("report", convert.report_json(report))


async def report_evidence(request: Request) -> JSONResponse:
    """Per section, the target's own words that support it, with their times; and coverage."""
    c = call(request)
    report = await c.backends.store.GetReport(
        store_pb2.GetReportRequest(tenant=c.tenant, report_id=params.resource_id(request, "report_id", "report")),
        timeout=c.timeout,
        metadata=c.metadata,
    )
    return JSONResponse(convert.evidence_json(report))


async def report_by_job(request: Request) -> JSONResponse:
    """The job's report, or JSON null while the job has not succeeded."""
    c = call(request)
    reply = await c.backends.store.GetReportByJob(
        store_pb2.GetReportByJobRequest(tenant=c.tenant, job_id=params.resource_id(request, "job_id", "job")),
        timeout=c.timeout,
        metadata=c.metadata,
    )
    return JSONResponse(convert.report_json(reply.report) if reply.HasField("report") else None)


async def list_reports(request: Request) -> JSONResponse:
    c = call(request)
    page = await c.backends.store.ListReports(
        store_pb2.ListReportsRequest(tenant=c.tenant, limit=params.limit(request), cursor=params.cursor(request)),
        timeout=c.timeout,
        metadata=c.metadata,
    )
    return pages.page_response("report", page.items, convert.report_json, page.next_cursor)


routes = [
    Route("/v1/reports", list_reports, methods=["GET"]),
    Route("/v1/reports/by-job/{job_id}", report_by_job, methods=["GET"]),
    Route("/v1/reports/{report_id}", get_report, methods=["GET"]),
    Route("/v1/reports/{report_id}/evidence", report_evidence, methods=["GET"]),
]
