// A job's page: its progress live over SSE (fetch with the Authorization header), then its report.

import { h, fill, icon } from "./dom.js";
import { clock, dateTime, jobTitle, matchText, templateName } from "./format.js";
import { reportView } from "./report.js";
import { retrying } from "./api.js";
import { followJob } from "./sse.js";

const TERMINAL = new Set(["succeeded", "failed", "canceled"]);
const STEPS = [
  ["queued", "Queued"],
  ["resolving", "Finding the speaker"],
  ["rendering", "Writing the report"],
  ["done", "Done"],
];

function stepIndex(job) {
  if (job.status === "succeeded") return STEPS.length - 1;
  if (job.status === "queued") return 0;
  // a running job waiting its turn in a provider budget is still writing the report
  const stage = job.stage === "waiting" ? "rendering" : job.stage;
  const i = STEPS.findIndex(([key]) => key === stage);
  return i < 0 ? 1 : i;
}

export function statusBadge(status) {
  return h("span", { class: `badge s-${status}` }, status || "unknown");
}

function stepper(job) {
  const current = stepIndex(job);
  const stopped = job.status === "failed" || job.status === "canceled";
  return h("ol", { class: "steps", "aria-label": "Progress" }, STEPS.map(([key, label], i) => {
    let state = i < current ? "done" : i === current ? "active" : "todo";
    if (job.status === "succeeded") state = "done";
    if (stopped && i === current) state = "stopped";
    return h("li", { class: `step ${state}`, dataset: { step: key } },
      h("span", { class: "step-mark" }, state === "done" ? icon("check", "icon sm") : state === "stopped" ? icon("x", "icon sm") : String(i + 1)),
      h("span", { class: "step-label" }, label));
  }));
}

/** Seconds as the progress line shows them: "3.4 s" while short, then "01:12". */
function elapsedText(seconds) {
  return seconds < 60 ? `${seconds.toFixed(1)} s` : clock(seconds);
}

function elapsedOf(job) {
  const start = Date.parse(job.createdAt);
  const end = TERMINAL.has(job.status) ? Date.parse(job.updatedAt) : Date.now();
  return Math.max(0, (end - start) / 1000);
}

const STRATEGY_WORDS = { dominant: "most talk time", entity_id: "by speaker id", magic_hint: "by description",
  timerange: "most talk in the time range" };

function resolutionLine(job, media) {
  const r = job.resolution;
  if (!r) return null;
  const entity = media?.entities?.find((e) => e.id === r.entityId);
  const who = r.entityLabel || entity?.label || r.entityId;
  return h("p", { class: "resolution" }, icon("user", "icon sm"), "Report about ", h("b", null, who),
    ` · ${STRATEGY_WORDS[r.strategy] || r.strategy}${r.fellBack ? " (no match: fell back to most talk time)" : ""}`,
    matchText(r) ? ` · ${matchText(r)}` : "",
    r.reason ? h("span", { class: "muted" }, ` — ${r.reason}`) : null);
}

export async function renderJob(main, ctx, jobId) {
  const { api, signal } = ctx;
  let job = await retrying(() => api.getJob(jobId, signal), signal);
  const media = await ctx.mediaById(job.mediaId, signal).catch(() => null);

  const title = h("h1", null, jobTitle(job));
  const badge = h("span");
  const conn = h("span", { class: "conn" });
  const cancel = h("button", { type: "button", class: "btn ghost sm", onclick: async () => {
    cancel.disabled = true;
    try {
      job = await api.cancelJob(jobId);
      update();
    } catch (error) {
      ctx.toast(error.message, "error");
      cancel.disabled = false;
    }
  } }, icon("x", "icon sm"), "Cancel");
  const stepsSlot = h("div");
  const elapsed = h("span", { class: "elapsed", "aria-live": "off" });
  const elapsedLabel = h("span", null, "Elapsed ");
  const resolution = h("div");
  const log = h("ol", { class: "events" });
  const errorSlot = h("div");
  const reportSlot = h("div", { class: "report-slot" });
  const progress = h("section", { class: "card progress", "aria-label": "Progress" },
    h("div", { class: "progress-top" }, badge, h("span", { class: "progress-elapsed" }, elapsedLabel, elapsed), conn, cancel),
    stepsSlot, resolution, errorSlot,
    h("details", { class: "event-log" }, h("summary", null, "Events"), log));

  fill(main, h("div", { class: "page job-page", dataset: { job: jobId } },
    h("header", { class: "page-head" },
      h("div", null,
        h("p", { class: "eyebrow" }, "Report job"),
        title,
        h("p", { class: "sub" },
          media ? h("a", { href: `#/media/${encodeURIComponent(media.mediaId)}` }, media.title || "Untitled recording") : job.mediaId,
          ` · ${templateName(job.template)} · started ${dateTime(job.createdAt)}`))),
    progress, reportSlot));

  function update() {
    fill(badge, statusBadge(job.status));
    fill(stepsSlot, stepper(job));
    fill(resolution, resolutionLine(job, media));
    elapsed.textContent = elapsedText(elapsedOf(job));
    cancel.hidden = TERMINAL.has(job.status);
    elapsedLabel.textContent = TERMINAL.has(job.status) ? `${job.status === "succeeded" ? "Finished" : "Stopped"} after ` : "Elapsed ";
    // Once a job has succeeded the steps say nothing new: the card shrinks to a line above the report.
    stepsSlot.hidden = job.status === "succeeded";
    progress.classList.toggle("finished", TERMINAL.has(job.status));
    fill(errorSlot, job.error ? h("div", { class: "banner error", role: "alert" }, icon("alert"),
      h("div", null, h("b", null, job.error.code), " ", job.error.message)) : null);
    ctx.jobChanged(job);
  }

  function logEvent(event) {
    log.append(h("li", null, h("time", null, event.at ? new Date(event.at).toLocaleTimeString("en-GB") : ""),
      " ", event.status, event.stage ? ` · ${event.stage}` : ""));
  }

  async function showReport() {
    fill(reportSlot, h("p", { class: "loading" }, "Loading the report…"));
    const report = await retrying(() => (job.reportId ? api.getReport(job.reportId, signal) : api.reportByJob(jobId, signal)), signal);
    if (!report) return fill(reportSlot, h("p", { class: "note" }, "The report is not there yet."));
    let evidence = null;
    let evidenceError = null;
    try {
      evidence = await retrying(() => api.evidence(report.id, signal), signal);
    } catch (error) {
      if (signal.aborted) return;
      evidenceError = error.message;
    }
    fill(reportSlot, reportView({ report, media, evidence, evidenceError }));
  }

  let asked = 0;
  async function refresh() {
    const mine = ++asked;
    try {
      const fresh = await retrying(() => api.getJob(jobId, signal), signal);
      if (mine === asked) { job = fresh; update(); }
    } catch { /* a later event or the final refresh will try again */ }
  }

  update();
  const ticker = setInterval(() => { elapsed.textContent = elapsedText(elapsedOf(job)); }, 200);
  signal.addEventListener("abort", () => clearInterval(ticker), { once: true });

  if (!TERMINAL.has(job.status)) {
    fill(reportSlot, h("div", { class: "placeholder" }, h("span", { class: "spinner" }),
      "The report appears here as soon as it is written."));
    let lastStage = job.stage;
    await followJob(api, jobId, {
      signal,
      onConnection: (state) => {
        conn.textContent = state === "live" ? "Live" : "Reconnecting…";
        conn.className = `conn ${state}`;
      },
      onEvent: async (event) => {
        logEvent(event);
        job = { ...job, status: event.status, stage: event.stage, reportId: event.reportId ?? job.reportId,
          error: event.error, updatedAt: event.at || job.updatedAt };
        update();
        if (event.stage !== lastStage) {
          lastStage = event.stage;
          await refresh(); // the job resource has what events do not carry: who was picked, and why
        }
      },
    });
    conn.textContent = "";
    conn.className = "conn";
    if (signal.aborted) return;
    await refresh();
  }
  if (job.status === "succeeded") await showReport();
  else fill(reportSlot);
}
