// A report as a page: the contract's JSON, its evidence (quotes per section, coverage, analytics)
// and the recording's speakers. All of it is text from an LLM or a transcript: built with h().

import { analyticsGrid, colorOf, talkTime } from "./charts.js";
import { h, icon, paragraphs } from "./dom.js";
import { clock, dateOnly, duration, percent, plural, templateName, speakerName } from "./format.js";

function quoteList(quotes) {
  return h("div", { class: "quotes" },
    quotes.map((q) => h("figure", { class: "quote" },
      h("blockquote", null, q.text),
      h("figcaption", null,
        h("time", { class: "time", title: `Said in the turn from ${clock(q.start)} to ${clock(q.end)}` }, clock(q.start))))));
}

function evidencePill(entry) {
  if (!entry) return null;
  if (entry.status === "supported") {
    return h("span", { class: "pill ok", title: "Quotes checked against the speaker's own words" },
      icon("check", "icon sm"), plural(entry.quotes.length, "quote"));
  }
  return h("span", { class: "pill warn", title: "No verbatim quote supports this section" },
    icon("alert", "icon sm"), "Unsupported");
}

function sectionBlock(section, evidence) {
  const entry = evidence?.sections?.find((e) => e.key === section.key);
  const parts = [
    h("header", { class: "rsec-head" }, h("h2", null, section.title), evidencePill(entry)),
  ];
  parts.push(...paragraphs(section.body, { class: "body" }));
  if (section.kind === "actions" && section.items?.length) {
    parts.push(h("ol", { class: "actions" }, section.items.map((item, i) =>
      h("li", null,
        h("span", { class: "action-n" }, String(i + 1)),
        h("div", null, h("h3", null, item.title), ...paragraphs(item.context, { class: "action-ctx" }))))));
  }
  if (entry?.quotes?.length) parts.push(quoteList(entry.quotes));
  else if (entry?.status === "unsupported") {
    parts.push(h("p", { class: "note" }, "Nothing the speaker said supports this section verbatim; read it with care."));
  }
  return h("section", { class: `rsec kind-${section.kind}`, id: `sec-${section.key}`, dataset: { key: section.key } }, parts);
}

function coverageBanner(coverage) {
  if (!coverage || coverage.sufficient !== false) return null;
  return h("div", { class: "banner warn", role: "note" }, icon("alert"),
    h("div", null, coverage.note || [h("b", null, "Thin evidence. "),
      `The report rests on ${duration(coverage.targetSeconds)} and ${plural(coverage.targetWords, "word")} from this speaker.`]));
}

function contents(sections) {
  return h("nav", { class: "card toc", "aria-label": "Sections" },
    h("h3", { class: "card-title" }, "Contents"),
    h("ol", null, sections.map((sec) => h("li", null,
      h("button", { type: "button", class: "link", onclick: () => document.getElementById(`sec-${sec.key}`)?.scrollIntoView({ behavior: "smooth", block: "start" }) }, sec.title)))));
}

function coverageCard(coverage) {
  if (!coverage) return null;
  return h("section", { class: "card" },
    h("h3", { class: "card-title with-pill" }, "Evidence coverage",
      coverage.sufficient === false ? h("span", { class: "pill warn" }, "Thin") : h("span", { class: "pill ok" }, "Enough speech")),
    h("dl", { class: "stats two" },
      h("div", { class: "stat" }, h("dt", null, "Their speech"), h("dd", null, duration(coverage.targetSeconds))),
      h("div", { class: "stat" }, h("dt", null, "Their words"), h("dd", null, String(coverage.targetWords))),
      h("div", { class: "stat" }, h("dt", null, "Share of talk"), h("dd", null, percent(coverage.share))),
      h("div", { class: "stat" }, h("dt", null, "Speaker match"), h("dd", null, percent(coverage.confidence)))));
}

function renderCard(report) {
  const meta = report.json?.meta || {};
  const rows = [];
  if (meta.prompt) rows.push(["Prompt", `${meta.prompt.name} v${meta.prompt.version}`]);
  if (meta.render) rows.push(["Model", `${meta.render.model} (${meta.render.provider})`], ["LLM calls", String(meta.render.attempts)]);
  rows.push(["Report", report.id]);
  return h("section", { class: "card meta" },
    h("h3", { class: "card-title" }, "How it was made"),
    h("dl", null, rows.map(([k, v]) => h("div", null, h("dt", null, k), h("dd", null, v)))));
}

function markdownBlock(markdown) {
  const pre = h("pre", { class: "markdown" }, markdown);
  const copy = h("button", { type: "button", class: "btn ghost sm", onclick: async () => {
    try {
      await navigator.clipboard.writeText(markdown);
      copy.lastChild.textContent = "Copied";
    } catch {
      copy.lastChild.textContent = "Copy failed";
    }
  } }, icon("copy", "icon sm"), h("span", null, "Copy"));
  return h("details", { class: "md" }, h("summary", null, "Markdown", copy), pre);
}

/**
 * evidence: the evidence resource, or null when the server has none for this report
 * (then sections show without quotes and the page says so).
 */
export function reportView({ report, media = null, evidence = null, evidenceError = null }) {
  const doc = report.json || {};
  const sections = doc.sections || [];
  const traits = sections.find((sec) => sec.kind === "traits");
  const entities = media?.entities || [];
  const target = entities.find((e) => e.id === report.entity.id);
  const analytics = evidence?.analytics || target || null;
  const subject = report.entity.label || speakerName(target) || report.entity.id;

  const head = h("header", { class: "report-head" },
    h("div", { class: "eyebrow" }, h("span", { class: `dot ${colorOf(entities, report.entity.id)}` }),
      templateName(report.output?.template), " · ", subject),
    h("h1", { class: "report-title" }, doc.title || "Report"),
    h("p", { class: "lead" }, doc.summary || ""),
    traits?.phrases?.length ? h("ul", { class: "chips big", "aria-label": "Dominating traits" },
      traits.phrases.map((p) => h("li", { class: "chip" }, p))) : null,
    h("p", { class: "byline" },
      media ? h("span", null, icon("file", "icon sm"), media.title || "Untitled recording") : null,
      report.label ? h("span", { class: "tag" }, report.label) : null,
      // meta.render.model names the model; the dev LLM's reports are placeholders, and say so here too
      String(doc.meta?.render?.model || "").startsWith("dev-llm")
        ? h("span", { class: "tag dev-model", title: "Written by rules from the call's statistics and quotes; configure OpenAI or Anthropic for a real report" }, "dev LLM placeholder")
        : doc.meta?.render?.model ? h("span", null, `by ${doc.meta.render.model}`) : null,
      report.createdAt ? h("span", null, dateOnly(report.createdAt)) : null,
      evidence ? h("span", null, `${evidence.sections.filter((e) => e.status === "supported").length} of ${sections.length} sections backed by quotes`) : null));

  let evidenceNote = null;
  if (!evidence) {
    evidenceNote = h("p", { class: "note subtle evidence-missing" }, evidenceError
      ? `Supporting quotes could not be loaded: ${evidenceError}`
      : "Supporting quotes are not available for this report.");
  }

  const main = h("article", { class: "report", "aria-label": "Report" },
    head,
    coverageBanner(evidence?.coverage),
    evidenceNote,
    sections.map((sec) => sectionBlock(sec, evidence)),
    report.markdown ? markdownBlock(report.markdown) : null);

  const rail = h("aside", { class: "rail" },
    entities.length ? h("section", { class: "card" },
      h("h3", { class: "card-title" }, "Talk time"),
      talkTime(entities, { targetId: report.entity.id })) : null,
    analytics ? h("section", { class: "card" },
      h("h3", { class: "card-title" }, `How ${subject} talks`),
      analyticsGrid(analytics, { omit: ["share"] })) : null,
    coverageCard(evidence?.coverage),
    sections.length > 3 ? contents(sections) : null,
    renderCard(report));

  return h("div", { class: "report-layout" }, main, rail);
}
