"""`reports`: the command-line client of the Reports API.

Exit codes: 0 success; 1 the job failed or was canceled; 2 a usage error or a request the API
refused (4xx); 3 the API or the network failed (5xx, no connection); 130 interrupted.
Results go to stdout (ids first, so `$(reports ...)` works); progress and errors go to stderr.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol, TextIO

from reports_sdk import __version__
from reports_sdk._calls import TargetLike
from reports_sdk.client import Client
from reports_sdk.errors import ConfigurationError, JobFailed, RateLimited, ReportsError
from reports_sdk.handles import JobHandle
from reports_sdk.models import Job, JobEvent, JobStage, Media, Resolution, Speaker, Target, Timerange, Usage

EXIT_OK, EXIT_JOB_FAILED, EXIT_USAGE, EXIT_API = 0, 1, 2, 3
TEMPLATES = ("sales_playbook", "general_report")
STRATEGIES = ("dominant", "timerange", "entity_id", "magic_hint")
STATUSES = ("queued", "running", "succeeded", "failed", "canceled")
FORMATS = ("segments", "webvtt", "srt", "whisperx", "assemblyai", "deepgram")


# arguments


def _speaker(text: str) -> Speaker:
    ident, sep, name = text.partition("=")
    if not sep or not ident.strip() or not name.strip():
        raise argparse.ArgumentTypeError(f'expected ID="Name", got {text!r}')
    return Speaker(id=ident.strip(), label=name.strip())


def _param(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    return key.strip(), value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("seconds cannot be negative")
    return value


def _limit(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def _add_target_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("target (who the report is about; default: who spoke most)")
    group.add_argument(
        "--strategy", choices=STRATEGIES, help="how to find the person (default: from the options below, else dominant)"
    )
    group.add_argument("--entity", metavar="ID", help="a speaker id, as `reports media show` lists them")
    group.add_argument("--hint", help='a description, e.g. "the CFO" or a name')
    group.add_argument("--from", dest="start", type=_seconds, metavar="SECONDS", help="time range start")
    group.add_argument("--to", dest="end", type=_seconds, metavar="SECONDS", help="time range end")
    group.add_argument(
        "--on-miss",
        choices=("error", "fallback_dominant"),
        default="error",
        help="when nobody matches: fail, or fall back to who spoke most (default: error)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reports",
        description="Command-line client of the Reports API.",
        epilog="Exit codes: 0 success, 1 the job failed or was canceled, 2 usage error or a request "
        "the API refused (4xx), 3 the API or the network failed.",
    )
    parser.add_argument("--base-url", help="the API's URL (default: $REPORTS_BASE_URL, else http://127.0.0.1:8080)")
    parser.add_argument("--api-key", help="the API key (default: $REPORTS_API_KEY)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request (default: 60)")
    parser.add_argument("--version", action="version", version=f"reports {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    media = commands.add_parser("media", help="register and read media (recordings with transcripts)")
    media_commands = media.add_subparsers(dest="media_command", required=True, metavar="SUBCOMMAND")
    add = media_commands.add_parser("add", help="register a transcript file (.vtt, .srt, or a JSON export)")
    add.add_argument("file", help="the transcript file")
    add.add_argument(
        "--speaker",
        action="append",
        type=_speaker,
        default=[],
        metavar='ID="Name"',
        help="a speaker's display name; repeat for each",
    )
    add.add_argument("--title", help="the media's title (default: the file's name)")
    add.add_argument("--format", choices=FORMATS, help="the transcript format (default: from the file)")
    add.add_argument("--url", help="the recording's URL")
    add.add_argument("--json", action="store_true", help="print the media as JSON")
    add.add_argument("-q", "--quiet", action="store_true", help="print only the media id")
    show_media = media_commands.add_parser("show", help="a media and its speakers")
    show_media.add_argument("media_id")
    show_media.add_argument("--json", action="store_true", help="print the media as JSON")
    list_media = media_commands.add_parser("list", help="media, newest first")
    list_media.add_argument("--limit", type=_limit, default=20, help="at most this many (default: 20)")
    resolve = media_commands.add_parser("resolve", help="which speaker a target picks, without a job")
    resolve.add_argument("media_id")
    _add_target_arguments(resolve)
    resolve.add_argument("--json", action="store_true", help="print the resolution as JSON")

    create = commands.add_parser("create", help="create a report job")
    create.add_argument("media_id", metavar="MEDIA_ID")
    create.add_argument("--template", required=True, choices=TEMPLATES)
    _add_target_arguments(create)
    create.add_argument("--label", help="a label for the job and its report")
    create.add_argument("--entity-label", help="the person's name as the report should use it")
    create.add_argument(
        "--param",
        action="append",
        type=_param,
        default=[],
        metavar="KEY=VALUE",
        help="a template parameter (VALUE may be JSON); repeat for each",
    )
    create.add_argument("--webhook", metavar="URL", help="POST the job's end to this URL, signed")
    create.add_argument("--idempotency-key", help="a key that makes retrying this command safe")
    create.add_argument(
        "--wait",
        action="store_true",
        help="follow the job to its end, with progress on stderr, and print only the report "
        "id on stdout (the job id goes to stderr)",
    )

    show = commands.add_parser("show", help="print a report")
    show.add_argument("report_id", metavar="REPORT_ID")
    show.add_argument("--format", choices=("md", "json"), default="md", help="Markdown or JSON (default: md)")

    jobs = commands.add_parser("jobs", help="list jobs, newest first")
    jobs.add_argument("--status", choices=STATUSES)
    jobs.add_argument("--limit", type=_limit, default=20, help="at most this many (default: 20)")
    jobs.add_argument("--json", action="store_true", help="one JSON object per line")

    job = commands.add_parser("job", help="one job, as JSON")
    job.add_argument("job_id", metavar="JOB_ID")

    watch = commands.add_parser("watch", help="follow a job to its end; exit 1 if it fails")
    watch.add_argument("job_id", metavar="JOB_ID")

    cancel = commands.add_parser("cancel", help="cancel a queued or running job")
    cancel.add_argument("job_id", metavar="JOB_ID")

    delete = commands.add_parser("delete", help="delete a media (with its jobs and reports), a job, or a report")
    delete.add_argument("kind", choices=("media", "job", "report"))
    delete.add_argument("resource_id", metavar="ID")

    audit = commands.add_parser("audit", help="the audit log of deletions, newest first")
    audit.add_argument("--limit", type=_limit, default=20, help="at most this many (default: 20)")
    audit.add_argument("--json", action="store_true", help="one JSON object per line")
    usage = commands.add_parser("usage", help="LLM usage and cost of the jobs that ended, by day or model")
    usage.add_argument(
        "--from", dest="from_", help="a date (YYYY-MM-DD, UTC) or a time with its offset; default: 30 days before --to"
    )
    usage.add_argument("--to", help="the end, exclusive (same forms); default: now")
    usage.add_argument("--by", choices=["day", "model"], default="day", help="group by UTC day (default) or model")
    usage.add_argument("--json", action="store_true", help="the API's JSON answer")
    return parser


def _target(args: argparse.Namespace, parser: argparse.ArgumentParser) -> TargetLike:
    given = {
        "entity_id": args.entity is not None,
        "magic_hint": args.hint is not None,
        "timerange": args.start is not None or args.end is not None,
    }
    strategy = args.strategy
    if strategy is None:
        chosen = [name for name, present in given.items() if present]
        if len(chosen) > 1:
            parser.error("--entity, --hint and --from/--to pick different strategies: give one, or --strategy")
        strategy = chosen[0] if chosen else "dominant"
    timerange = Timerange(start_seconds=args.start, end_seconds=args.end) if given["timerange"] else None
    # Sent as given: the API checks what each strategy needs and names the missing field.
    return Target(strategy=strategy, on_miss=args.on_miss, entity_id=args.entity, hint=args.hint, timerange=timerange)


# output


class _Deletes(Protocol):
    """A resource collection of the client: media, jobs or reports."""

    def delete(self, resource_id: str, /) -> None: ...


class Progress:
    """One line on stderr: the job's status, stage and elapsed time. Redrawn in place (and ticking)
    on a terminal; a plain line per change otherwise."""

    def __init__(self, job_id: str, out: TextIO) -> None:
        self.job_id = job_id
        self.out = out
        self.tty = out.isatty()
        self.started = time.monotonic()
        self.status: str = "connecting"
        self.stage: JobStage | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if self.tty:
            self._ticker = threading.Thread(target=self._tick, daemon=True, name="reports-progress")
            self._ticker.start()

    def line(self) -> str:
        return f"{self.job_id}  {self.status:<9}  {self.stage or '-':<9}  {time.monotonic() - self.started:6.1f}s"

    def update(self, event: JobEvent) -> None:
        with self._lock:
            self.status, self.stage = event.status, event.stage
            self._draw()

    def _draw(self) -> None:
        if self.tty:
            self.out.write("\r" + self.line() + "\x1b[K")
        else:
            self.out.write(self.line() + "\n")
        self.out.flush()

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            with self._lock:
                self._draw()

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self.out.write("\n")
            self.out.flush()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def _follow(handle: JobHandle, out: TextIO, err: TextIO) -> int:
    progress = Progress(handle.id, err)
    try:
        for event in handle.stream():
            progress.update(event)
    finally:
        progress.close()
    try:
        report = handle.wait()
    except JobFailed as failure:
        err.write(f"job {handle.id} {failure.job.status}: {failure.code}: {failure.message}\n")
        return EXIT_JOB_FAILED
    out.write(report.id + "\n")
    err.write(f"job {handle.id} succeeded in {progress.elapsed:.1f}s; `reports show {report.id}` prints it\n")
    return EXIT_OK


def plural(count: float, noun: str) -> str:
    """ "1 turn", "2 turns", "0 questions"."""
    return f"{count:g} {noun}" if count == 1 else f"{count:g} {noun}s"


def _print_media(media: Media, out: TextIO) -> None:
    out.write(f"{media.media_id}\n")
    out.write(
        f"  title: {media.title}\n  format: {media.transcript_format}  duration: {media.duration_sec:.1f}s"
        f"  {plural(len(media.entities), 'speaker')}\n"
    )
    for e in media.entities:
        name = f" ({e.label})" if e.label else ""
        role = f", {e.description}" if e.description else ""
        out.write(
            f"  speaker {e.id}{name}{role}: {e.share:.0%} of talk, {plural(e.turns, 'turn')}, "
            f"{plural(e.words, 'word')}, {plural(e.questions, 'question')}\n"
        )


def _print_resolution(resolution: Resolution, out: TextIO) -> None:
    entity = resolution.entity
    name = f" ({entity.label})" if entity.label else ""
    how = "fell back to who spoke most" if resolution.fell_back else f"by {resolution.strategy}"
    spoken = sum(span.end - span.start for span in resolution.evidence)
    out.write(f"{entity.id}{name}: picked {how}, {resolution.confidence:.0%} confidence\n")
    out.write(f"  why: {resolution.reason}\n")
    out.write(
        f"  evidence: {plural(len(resolution.evidence), 'passage')}, {spoken:.0f} s of their speech "
        f"(--json lists them)\n"
    )


def _job_row(job: Job) -> list[str]:
    outcome = job.report_id or (f"{job.error.code}" if job.error else "")
    return [job.job_id, job.status, job.stage or "-", job.template, job.created_at, outcome]


def _table(rows: list[list[str]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n")


def _print_usage(usage: Usage, out: TextIO) -> None:
    out.write(f"from {usage.from_} to {usage.to}\n")
    rows = [
        [g.group, str(g.jobs), str(g.input_tokens), str(g.output_tokens), f"{g.cost_usd:.6f}"] for g in usage.groups
    ]
    total = usage.total
    _table(
        [
            [usage.group_by.upper(), "JOBS", "INPUT TOKENS", "OUTPUT TOKENS", "COST USD"],
            *rows,
            ["total", str(total.jobs), str(total.input_tokens), str(total.output_tokens), f"{total.cost_usd:.6f}"],
        ],
        out,
    )


def _print_error(error: ReportsError, err: TextIO) -> None:
    status = f" {error.status}" if error.status is not None else ""
    err.write(f"reports: error{status} {error.code}: {error.message}\n")
    if isinstance(error, RateLimited) and error.retry_after is not None:
        err.write(f"  retry after {error.retry_after:g} s (the API's Retry-After)\n")
    for detail in error.details:
        # The message already names the first problem ("/path: what"): print the others only.
        if detail.message in error.message:
            continue
        err.write(f"  at {detail.path or '/'}: {detail.message}\n")


# commands


def run(args: argparse.Namespace, parser: argparse.ArgumentParser, out: TextIO, err: TextIO) -> int:
    with Client(args.base_url, args.api_key, timeout=args.timeout) as client:
        if args.command == "media":
            if args.media_command == "add":
                media = client.media.create_from_file(
                    args.file, speakers=args.speaker or None, title=args.title, format=args.format, url=args.url
                )
            elif args.media_command == "show":
                media = client.media.get(args.media_id)
            elif args.media_command == "list":
                for item in itertools.islice(client.media.list(page_size=min(args.limit, 100)), args.limit):
                    out.write(f"{item.media_id}  {item.created_at}  {item.duration_sec:8.1f}s  {item.title}\n")
                return EXIT_OK
            else:
                resolution = client.media.resolve(args.media_id, _target(args, parser))
                if args.json:
                    out.write(json.dumps(resolution.raw, indent=2) + "\n")
                else:
                    _print_resolution(resolution, out)
                return EXIT_OK
            if getattr(args, "json", False):
                out.write(json.dumps(media.raw, indent=2) + "\n")
            elif getattr(args, "quiet", False):
                out.write(media.media_id + "\n")
            else:
                _print_media(media, out)
            return EXIT_OK
        if args.command == "create":
            handle = client.reports.create(
                media_id=args.media_id,
                template=args.template,
                target=_target(args, parser),
                label=args.label,
                entity_label=args.entity_label,
                template_params=dict(args.param) or None,
                webhook=args.webhook,
                idempotency_key=args.idempotency_key,
            )
            if not args.wait:
                out.write(handle.id + "\n")
                return EXIT_OK
            err.write(f"job {handle.id} created\n")
            return _follow(handle, out, err)
        if args.command == "watch":
            return _follow(client.jobs.handle(args.job_id), out, err)
        if args.command == "show":
            report = client.reports.get(args.report_id)
            if args.format == "json":
                out.write(json.dumps(report.raw, indent=2, ensure_ascii=False) + "\n")
            else:
                out.write((report.markdown or "").rstrip("\n") + "\n")
            return EXIT_OK
        if args.command == "jobs":
            jobs = list(
                itertools.islice(client.jobs.list(status=args.status, page_size=min(args.limit, 100)), args.limit)
            )
            if args.json:
                for job in jobs:
                    out.write(json.dumps(job.raw) + "\n")
            elif jobs:
                _table(
                    [["JOB", "STATUS", "STAGE", "TEMPLATE", "CREATED", "REPORT/ERROR"], *(_job_row(j) for j in jobs)],
                    out,
                )
            return EXIT_OK
        if args.command == "delete":
            collections: dict[str, _Deletes] = {"media": client.media, "job": client.jobs, "report": client.reports}
            collections[args.kind].delete(args.resource_id)
            err.write(f"deleted {args.kind} {args.resource_id}\n")
            return EXIT_OK
        if args.command == "audit":
            records = list(itertools.islice(client.audit.list(page_size=min(args.limit, 100)), args.limit))
            if args.json:
                for record in records:
                    out.write(json.dumps(record.raw) + "\n")
            elif records:
                _table(
                    [
                        ["WHEN", "DELETED", "ID", "WHY", "WITH", "BY KEY"],
                        *(
                            [
                                r.at,
                                r.object_type,
                                r.object_id,
                                r.reason,
                                ", ".join(f"{n} {what}" for what, n in r.derived.items() if n) or "-",
                                r.api_key_id or "-",
                            ]
                            for r in records
                        ),
                    ],
                    out,
                )
            return EXIT_OK
        if args.command == "usage":
            usage = client.usage(args.from_, args.to, group_by=args.by)
            if args.json:
                out.write(json.dumps(usage.raw, indent=2) + "\n")
            else:
                _print_usage(usage, out)
            return EXIT_OK
        job = client.jobs.get(args.job_id) if args.command == "job" else client.jobs.cancel(args.job_id)
        out.write(json.dumps(job.raw, indent=2) + "\n")
        return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out, err = sys.stdout, sys.stderr
    try:
        code = run(args, parser, out, err)
        out.flush()  # here, so that a reader gone away is a BrokenPipeError we handle
        return code
    except ConfigurationError as error:
        err.write(f"reports: {error.message}\n")
        return EXIT_USAGE
    except ReportsError as error:
        _print_error(error, err)
        return EXIT_USAGE if error.status is not None and 400 <= error.status < 500 else EXIT_API
    except BrokenPipeError:
        # `reports ... | head -1`: the reader has what it wanted. Say nothing, and point stdout at
        # /dev/null so that Python's own flush at exit does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:  # a file that cannot be read
        err.write(f"reports: {error.strerror or error}: {getattr(error, 'filename', '')}\n")
        return EXIT_USAGE
    except UnicodeDecodeError as error:
        err.write(f"reports: the file is not UTF-8 text: {error.reason}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
