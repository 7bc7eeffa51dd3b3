"""Renderer.RenderReport: the job path's report writing, for internal callers."""

from __future__ import annotations

from collections.abc import Callable

import grpc
from google.protobuf import json_format

from reports.v1 import renderer_pb2, renderer_pb2_grpc, resolver_pb2, store_pb2, store_pb2_grpc
from services.common.report_codec import document_from_json
from services.common.rpc_errors import ServiceError, invalid
from services.common.servicer import rpc
from services.renderer.errors import InvalidRenderRequest, LlmEnded, LlmInvalidOutput, LlmUnavailable
from services.renderer.job_runner import evidence_input
from services.renderer.llm import Llm
from services.renderer.pipeline import write_report


class RendererServicer(renderer_pb2_grpc.RendererServicer):
    def __init__(self, store: store_pb2_grpc.StoreAsyncStub, llm: Llm) -> None:
        self._store = store
        self._llm = llm

    @rpc
    async def RenderReport(
        self,
        request: renderer_pb2.RenderReportRequest,
        context: grpc.aio.ServicerContext[renderer_pb2.RenderReportRequest, renderer_pb2.RenderReportResponse],
    ) -> renderer_pb2.RenderReportResponse:
        if not request.entity.id or not request.evidence:
            raise invalid("invalid_request", "entity and evidence are required")
        prompt = await self._store.GetPrompt(
            store_pb2.GetPromptRequest(name=request.template, label="production"), timeout=10.0
        )
        resolution = resolver_pb2.Resolution(
            entity=request.entity,
            evidence=request.evidence,
            media_title=request.media_title,
            media_duration_sec=request.media_duration_sec,
            entities=[request.entity],
        )
        label = request.entity.label if request.entity.HasField("label") else None
        try:
            written = await write_report(
                self._llm,
                prompt,
                request.template,
                evidence_input(resolution, label),
                json_format.MessageToDict(request.template_params),
            )
        except InvalidRenderRequest as exc:
            raise invalid("invalid_request", str(exc)) from None
        except LlmUnavailable as exc:
            raise ServiceError(grpc.StatusCode.UNAVAILABLE, "llm_unavailable", str(exc)) from None
        except LlmEnded as exc:
            raise ServiceError(grpc.StatusCode.FAILED_PRECONDITION, exc.code, str(exc)) from None
        except LlmInvalidOutput as exc:
            raise ServiceError(grpc.StatusCode.INTERNAL, "llm_invalid_output", str(exc)) from None
        return renderer_pb2.RenderReportResponse(
            document=document_from_json(written.document), markdown=written.markdown
        )


def register(servicer: RendererServicer) -> Callable[[grpc.aio.Server], None]:
    return lambda server: renderer_pb2_grpc.add_RendererServicer_to_server(servicer, server)
