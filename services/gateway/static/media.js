// A recording's page: its speakers and their talk time, a form to start a report, and its jobs.

import { analyticsGrid, talkTime } from "./charts.js";
import { h, icon } from "./dom.js";
import { FORMATS, ago, clock, jobTitle, plural, speakerName } from "./format.js";
import { statusBadge } from "./job.js";
import { jobForm } from "./jobform.js";

function speakerTable(entities) {
  const sorted = [...entities].sort((a, b) => b.speakingSec - a.speakingSec);
  return h("details", { class: "speaker-details" },
    h("summary", null, "Analytics per speaker"),
    h("div", { class: "speaker-cards" }, sorted.map((e) =>
      h("div", { class: "speaker-card" }, h("h4", null, speakerName(e)), analyticsGrid(e)))));
}

/** Deletes the recording with its transcript, jobs and reports, once the user confirms. */
function deleteButton(ctx, media, jobs) {
  const button = h("button", { type: "button", class: "btn ghost sm danger", onclick: async () => {
    const what = jobs.length ? ` and its ${plural(jobs.length, "report job")}` : "";
    if (!window.confirm(`Delete "${media.title || "Untitled recording"}"${what}? This cannot be undone.`)) return;
    button.disabled = true;
    try {
      await ctx.api.deleteMedia(media.mediaId);
      ctx.toast("Recording deleted.");
      await ctx.jobsChanged();
      ctx.navigate("#/");
    } catch (error) {
      ctx.toast(error.message, "error");
      button.disabled = false;
    }
  } }, icon("trash", "icon sm"), "Delete recording");
  return button;
}

export async function renderMedia(main, ctx, mediaId) {
  const media = await ctx.api.getMedia(mediaId, ctx.signal);
  ctx.mediaLoaded(media);
  const jobs = ctx.jobsFor(mediaId);
  const page = h("div", { class: "page media-page", dataset: { media: mediaId } },
    h("header", { class: "page-head" },
      h("div", null,
        h("p", { class: "eyebrow" }, "Recording"),
        h("h1", null, media.title || "Untitled recording"),
        h("p", { class: "sub" }, [
          clock(media.durationSec),
          plural(media.entities.length, "speaker"),
          FORMATS[media.transcriptFormat] || media.transcriptFormat,
          `added ${ago(media.createdAt)}`,
          media.expiresAt ? `deleted ${new Date(media.expiresAt).toLocaleDateString()}` : null,
        ].filter(Boolean).join(" · "))),
      deleteButton(ctx, media, jobs)),
    h("div", { class: "two-col" },
      h("section", { class: "card" },
        h("h2", { class: "card-title" }, "New report"),
        jobForm(ctx, media)),
      h("div", { class: "col" },
        h("section", { class: "card" },
          h("h2", { class: "card-title" }, "Talk time"),
          talkTime(media.entities),
          speakerTable(media.entities)),
        h("section", { class: "card" },
          h("h2", { class: "card-title" }, "Reports on this recording"),
          jobs.length
            ? h("ul", { class: "mini-list" }, jobs.map((j) => h("li", null,
              h("a", { href: `#/jobs/${encodeURIComponent(j.jobId)}` },
                h("span", null, jobTitle(j)),
                statusBadge(j.status)))))
            : h("p", { class: "muted" }, "None yet.")))));
  main.replaceChildren(page);
}
