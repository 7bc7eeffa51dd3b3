// Starting a report job: template, who it is about (any target strategy), and a live preview of
// who that target picks, asked of POST /v1/media/{id}/resolve as the inputs change.

import { timeline, colorOf } from "./charts.js";
import { h, fill, icon } from "./dom.js";
import { STRATEGIES, TEMPLATES, clock, matchText, parseClock, percent, speakerName } from "./format.js";

const DEBOUNCE_MS = 300;

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function radios(name, options, selected, { cls = "seg", describe = null } = {}) {
  return h("div", { class: cls, role: "radiogroup" }, Object.entries(options).map(([value, label]) =>
    h("label", { class: "seg-opt" },
      h("input", { type: "radio", name, value, checked: value === selected }),
      h("span", { class: "seg-text" }, h("span", { class: "seg-label" }, label),
        describe ? h("span", { class: "seg-desc" }, describe(value)) : null))));
}

export function jobForm(ctx, media) {
  const entities = [...media.entities].sort((a, b) => b.speakingSec - a.speakingSec);
  const uid = Math.random().toString(36).slice(2, 8);
  const field = (id, label, control, help) =>
    h("div", { class: "field" }, h("label", { for: `${id}-${uid}` }, label), control, help ? h("p", { class: "help" }, help) : null);

  const templateGroup = radios("template", Object.fromEntries(Object.entries(TEMPLATES).map(([k, v]) => [k, v.name])),
    "sales_playbook", { cls: "cards", describe: (k) => TEMPLATES[k].blurb });
  const strategyGroup = radios("strategy", STRATEGIES, "dominant");
  const entitySelect = h("select", { id: `entity-${uid}`, name: "entity_id" },
    entities.map((e) => h("option", { value: e.id }, `${speakerName(e)}${e.label ? ` (${e.id})` : ""} · ${percent(e.share)}`)));
  const hintInput = h("input", { id: `hint-${uid}`, name: "hint", type: "text", maxLength: 1024, autocomplete: "off",
    placeholder: "e.g. the CFO, or Ben from Acme" });
  const fromInput = h("input", { id: `from-${uid}`, name: "start", type: "text", inputMode: "decimal", placeholder: "00:00", autocomplete: "off" });
  const toInput = h("input", { id: `to-${uid}`, name: "end", type: "text", inputMode: "decimal", placeholder: clock(media.durationSec), autocomplete: "off" });
  const onMissSelect = h("select", { id: `onmiss-${uid}`, name: "on_miss" },
    h("option", { value: "error" }, "Stop: fail the job"),
    h("option", { value: "fallback_dominant" }, "Fall back to the main speaker"));
  const labelInput = h("input", { id: `label-${uid}`, name: "label", type: "text", maxLength: 64, autocomplete: "off",
    placeholder: "e.g. Q3 renewal" });

  const entityField = field("entity", "Speaker", entitySelect);
  const hintField = field("hint", "Who is it?", hintInput, "A role, a name or a company, as people said it in the call.");
  const rangeField = h("div", { class: "field" }, h("label", { for: `from-${uid}` }, "When do they speak?"),
    h("div", { class: "range" }, fromInput, h("span", { class: "muted" }, "to"), toInput),
    h("p", { class: "help" }, "mm:ss or seconds; leave one side open if you like."));
  const onMissField = field("onmiss", "If no one matches", onMissSelect);
  const preview = h("div", { class: "preview", "aria-live": "polite", dataset: { state: "idle" } });
  const submit = h("button", { type: "submit", class: "btn primary" }, icon("play", "icon sm"), "Write the report");
  const formError = h("div");

  const form = h("form", { class: "job-form", novalidate: true },
    h("fieldset", null, h("legend", null, "Report"), templateGroup),
    h("fieldset", null, h("legend", null, "About whom"), strategyGroup,
      h("div", { class: "strategy-fields" }, entityField, hintField, rangeField, onMissField)),
    h("div", { class: "preview-wrap" }, h("p", { class: "preview-title" }, "Who will be picked"), preview),
    field("label", "Label (optional)", labelInput),
    formError,
    h("div", { class: "actions-row" }, submit));

  const value = (name) => form.querySelector(`input[name="${name}"]:checked`)?.value;

  function target() {
    const strategy = value("strategy");
    const t = { strategy, on_miss: onMissSelect.value };
    if (strategy === "entity_id") t.entity_id = entitySelect.value;
    if (strategy === "magic_hint") {
      const hint = hintInput.value.trim();
      if (!hint) return { problem: "Describe the person to look for." };
      t.hint = hint;
    }
    if (strategy === "timerange") {
      const start = parseClock(fromInput.value);
      const end = parseClock(toInput.value);
      if (Number.isNaN(start) || Number.isNaN(end)) return { problem: "Times are mm:ss, h:mm:ss or seconds." };
      if (start === null && end === null) return { problem: "Give a start, an end, or both." };
      if (start !== null && end !== null && start >= end) return { problem: "The end must come after the start." };
      t.timerange = { start_seconds: start, end_seconds: end };
    }
    return { target: t };
  }

  function showFields() {
    const strategy = value("strategy");
    entityField.hidden = strategy !== "entity_id";
    hintField.hidden = strategy !== "magic_hint";
    rangeField.hidden = strategy !== "timerange";
    onMissField.hidden = strategy === "dominant";
  }

  let timer = null;
  let inflight = null;

  function setPreview(state, ...children) {
    preview.dataset.state = state;
    fill(preview, ...children);
  }

  async function runPreview() {
    inflight?.abort();
    const { target: t, problem } = target();
    if (problem) return setPreview("problem", h("p", { class: "muted" }, problem));
    const controller = new AbortController();
    inflight = controller;
    setPreview("loading", h("p", { class: "muted" }, h("span", { class: "spinner" }), "Looking…"));
    try {
      const r = await ctx.api.resolve(media.mediaId, t, controller.signal);
      if (controller.signal.aborted) return;
      const entity = media.entities.find((e) => e.id === r.entity.id);
      const spans = r.evidence || [];
      setPreview(r.fellBack ? "fallback" : "ok",
        h("div", { class: "pick" },
          h("span", { class: `avatar ${colorOf(media.entities, r.entity.id)}` }, speakerName(r.entity).slice(0, 1).toUpperCase()),
          h("div", null,
            h("p", { class: "pick-name" }, speakerName(r.entity),
              entity?.description ? h("span", { class: "muted" }, ` · ${entity.description}`) : null),
            h("p", { class: "pick-why" },
              r.fellBack ? h("b", null, "No match, falling back to the main speaker. ") : null,
              matchText(r) ? `${matchText(r)[0].toUpperCase()}${matchText(r).slice(1)}. ` : "", r.reason || ""))),
        spans.length ? timeline(media.durationSec, spans, colorOf(media.entities, r.entity.id)) : null);
    } catch (error) {
      if (controller.signal.aborted) return;
      const miss = error.code === "target_not_found";
      setPreview(miss ? "miss" : "error",
        h("p", null, h("b", null, miss ? "No one matches. " : "Could not check. "), error.message),
        miss && t.on_miss === "error" ? h("p", { class: "muted" }, "A job with this target would fail; choose “Fall back to the main speaker” to go ahead anyway.") : null);
    }
  }

  function schedule() {
    showFields();
    clearTimeout(timer);
    timer = setTimeout(runPreview, DEBOUNCE_MS);
  }

  ctx.signal.addEventListener("abort", () => { clearTimeout(timer); inflight?.abort(); }, { once: true });
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { target: t, problem } = target();
    fill(formError);
    if (problem) return fill(formError, h("div", { class: "banner error" }, icon("alert"), h("div", null, problem)));
    const body = { media: { mediaId: media.mediaId }, output: { template: value("template") }, target: t, idempotencyKey: newKey() };
    const label = labelInput.value.trim();
    if (label) body.label = label;
    submit.disabled = true;
    try {
      const job = await ctx.api.createJob(body);
      ctx.jobsChanged();
      ctx.navigate(`#/jobs/${encodeURIComponent(job.jobId)}`);
    } catch (error) {
      fill(formError, h("div", { class: "banner error", role: "alert" }, icon("alert"), h("div", null, h("b", null, error.code), " ", error.message)));
      submit.disabled = false;
    }
  });

  showFields();
  runPreview();
  return form;
}
