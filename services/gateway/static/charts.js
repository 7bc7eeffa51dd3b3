// The speakers' talk time and a speaker's analytics, as plain elements and CSS bars.

import { h } from "./dom.js";
import { clock, count, duration, percent, speakerName } from "./format.js";

const PALETTE_SIZE = 8;

/** Each speaker keeps one color across a page: by position in the media's entity list. */
export function colorOf(entities, id) {
  const index = entities.findIndex((e) => e.id === id);
  return `c${(index < 0 ? 0 : index) % PALETTE_SIZE}`;
}

/** One stacked bar of everyone's share, then a row per speaker, most talk time first. */
export function talkTime(entities, { targetId = null } = {}) {
  const sorted = [...entities].sort((a, b) => b.speakingSec - a.speakingSec);
  const stacked = h("div", { class: "stack", role: "img",
    "aria-label": sorted.map((e) => `${speakerName(e)} ${percent(e.share)}`).join(", ") },
  sorted.map((e) => h("span", { class: `stack-part ${colorOf(entities, e.id)}`, style: { width: `${e.share * 100}%` },
    title: `${speakerName(e)}: ${percent(e.share)}` })));
  const rows = sorted.map((e) =>
    h("li", { class: `talk-row${e.id === targetId ? " is-target" : ""}`, dataset: { entity: e.id } },
      h("div", { class: "talk-who" },
        h("span", { class: `dot ${colorOf(entities, e.id)}` }),
        h("span", { class: "talk-name" }, speakerName(e)),
        e.id === targetId ? h("span", { class: "tag" }, "Report subject") : null,
        e.description ? h("span", { class: "talk-desc" }, e.description) : null),
      h("div", { class: "bar" },
        h("span", { class: `bar-fill ${colorOf(entities, e.id)}`, style: { width: `${Math.max(e.share * 100, 0.5)}%` } })),
      h("div", { class: "talk-num" }, h("b", null, percent(e.share)), " · ", clock(e.speakingSec))));
  return h("div", { class: "talk" }, stacked, h("ul", { class: "talk-rows" }, rows));
}

/** The numbers behind how someone talks. */
export function analyticsGrid(a, { omit = [] } = {}) {
  const items = [
    ["Talk time", duration(a.speakingSec)],
    ["Share", percent(a.share), "share"],
    ["Turns", count(a.turns)],
    ["Words", count(a.words)],
    ["Pace", `${Math.round(a.wordsPerMinute || 0)} wpm`],
    ["Questions", count(a.questions)],
    ["Longest monologue", duration(a.longestMonologueSec)],
    ["Mean turn", duration(a.meanTurnSec)],
    ["Interruptions", count(a.interruptions)],
  ];
  return h("dl", { class: "stats" }, items.filter(([, , key]) => !omit.includes(key)).map(([k, v]) => h("div", { class: "stat" }, h("dt", null, k), h("dd", null, v))));
}

/** Where in the recording something happened: spans on a track as long as the media. */
export function timeline(durationSec, spans, colorClass = "c0") {
  const total = Math.max(Number(durationSec) || 0, ...spans.map((sp) => sp.end), 1);
  return h("div", { class: "timeline" },
    h("div", { class: "timeline-track" },
      spans.map((sp) => h("span", {
        class: `timeline-span ${colorClass}`,
        style: { left: `${(sp.start / total) * 100}%`, width: `${Math.max(((sp.end - sp.start) / total) * 100, 0.6)}%` },
        title: `${clock(sp.start)}–${clock(sp.end)}`,
      }))),
    h("div", { class: "timeline-scale" }, h("span", null, clock(0)), h("span", null, clock(total))));
}
