"""The contract's report `json` document ⇄ the typed protobuf `ReportDocument`."""

from __future__ import annotations

from typing import Any

from reports.v1 import report_pb2


def document_to_json(doc: report_pb2.ReportDocument) -> dict[str, Any]:
    return {
        "template": doc.template,
        "schemaVersion": doc.schema_version,
        "title": doc.title,
        "summary": doc.summary,
        "sections": [section_to_json(s) for s in doc.sections],
        "meta": {
            "prompt": {
                "name": doc.meta.prompt.name,
                "version": doc.meta.prompt.version,
                "labels": list(doc.meta.prompt.labels),
            },
            "render": {
                "attempts": doc.meta.render.attempts,
                "model": doc.meta.render.model,
                "provider": doc.meta.render.provider,
            },
        },
    }


def section_to_json(section: report_pb2.Section) -> dict[str, Any]:
    kind = section.WhichOneof("content")
    base: dict[str, Any] = {"key": section.key, "kind": kind, "title": section.title}
    if kind == "paragraph":
        base["body"] = section.paragraph.body
    elif kind == "traits":
        base["body"] = section.traits.body
        base["phrases"] = list(section.traits.phrases)
    elif kind == "actions":
        base["items"] = [{"title": i.title, "context": i.context} for i in section.actions.items]
    return base


def document_from_json(doc: dict[str, Any]) -> report_pb2.ReportDocument:
    meta = doc["meta"]
    return report_pb2.ReportDocument(
        template=doc["template"],
        schema_version=int(doc["schemaVersion"]),
        title=doc["title"],
        summary=doc["summary"],
        sections=[section_from_json(s) for s in doc["sections"]],
        meta=report_pb2.ReportMeta(
            prompt=report_pb2.PromptRef(**meta["prompt"]),
            render=report_pb2.RenderInfo(**meta["render"]),
        ),
    )


def section_from_json(section: dict[str, Any]) -> report_pb2.Section:
    message = report_pb2.Section(key=section["key"], title=section["title"])
    kind = section["kind"]
    if kind == "paragraph":
        message.paragraph.body = section["body"]
    elif kind == "traits":
        message.traits.body = section["body"]
        message.traits.phrases.extend(section["phrases"])
    elif kind == "actions":
        message.actions.items.extend(report_pb2.ActionItem(**i) for i in section["items"])
    else:
        raise ValueError(f"unknown section kind {kind!r}")
    return message
