"""Python SDK of the Reports API (v1).

    from reports_sdk import Client, Target
    client = Client()                      # REPORTS_BASE_URL, REPORTS_API_KEY
    media = client.media.create_from_file("call.vtt")
    job = client.reports.create(media_id=media.media_id, template="sales_playbook", target=Target.dominant())
    report = job.wait()
"""

from reports_sdk import webhooks
from reports_sdk._version import __version__
from reports_sdk.client import AsyncClient, Client
from reports_sdk.errors import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    Conflict,
    ErrorDetail,
    InvalidRequest,
    JobCanceled,
    JobFailed,
    JobTimeout,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReportsError,
    ServerError,
    ServiceUnavailable,
    Unauthorized,
)
from reports_sdk.handles import AsyncJobHandle, JobHandle
from reports_sdk.models import (
    ActionItem,
    ActionsSection,
    AuditRecord,
    Coverage,
    CreateReportJobRequest,
    CreateReportJobResponse,
    Entity,
    Job,
    JobError,
    JobEvent,
    JobResolution,
    JobCall,
    JobUsage,
    Media,
    MediaRef,
    OutputSpec,
    ParagraphSection,
    PromptRef,
    Quote,
    RenderInfo,
    Report,
    ReportDocument,
    ReportEntity,
    ReportEvidence,
    ReportMedia,
    ReportMeta,
    ReportOutput,
    Resolution,
    ResolvedEntity,
    Section,
    SectionEvidence,
    Span,
    Speaker,
    SpeakerAnalytics,
    Target,
    Timerange,
    TraitsSection,
    Usage,
    UsageFigures,
    UsageGroup,
    Webhook,
    WebhookState,
)
from reports_sdk.pagination import AsyncPager, Page, SyncPager
from reports_sdk.webhooks import WebhookVerificationError

__all__ = [
    "APIConnectionError", "APITimeoutError", "ActionItem", "ActionsSection", "AuditRecord", "Coverage", "AsyncClient", "AsyncJobHandle",
    "AsyncPager", "Client", "ConfigurationError", "Conflict", "CreateReportJobRequest", "CreateReportJobResponse",
    "Entity", "ErrorDetail", "InvalidRequest", "Job", "JobCanceled", "JobError", "JobEvent", "JobFailed",
    "JobCall", "JobHandle", "JobResolution", "JobTimeout", "JobUsage", "Media", "MediaRef", "NotFound", "OutputSpec", "Page",
    "ParagraphSection", "PermissionDenied", "PromptRef", "Quote", "RateLimited", "RenderInfo", "Report",
    "ReportDocument", "ReportEntity", "ReportEvidence", "ReportMedia", "ReportMeta", "ReportOutput", "ReportsError",
    "ResolvedEntity", "Resolution", "Section", "SectionEvidence", "ServerError", "ServiceUnavailable", "Span",
    "Speaker", "SpeakerAnalytics", "SyncPager", "Target", "Timerange", "TraitsSection", "Unauthorized", "Usage",
    "UsageFigures", "UsageGroup", "Webhook",
    "WebhookState", "WebhookVerificationError", "__version__", "webhooks",
]
