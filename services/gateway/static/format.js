// Numbers, times and names as people read them.

const pad = (n) => String(n).padStart(2, "0");

/** 754.2 → "12:34"; 3725 → "1:02:05". */
export function clock(seconds) {
  const total = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${pad(m)}:${pad(sec)}`;
}

/** "75", "1:15", "01:01:15", "75.5" → seconds; "" → null; anything else → NaN. */
export function parseClock(text) {
  const value = String(text ?? "").trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const match = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(value);
  if (!match) return NaN;
  const [, h, m, sec] = match;
  if (Number(sec) >= 60 || (h !== undefined && Number(m) >= 60)) return NaN;
  return Number(h || 0) * 3600 + Number(m) * 60 + Number(sec);
}

/** 50 → "50 s"; 151.9 → "2 min 31 s" (whole seconds, as `clock` counts them); 3725 → "1 h 2 min". */
export function duration(seconds) {
  const total = Math.max(0, Math.floor(Number(seconds) || 0));
  if (total < 60) return `${total} s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  if (h) return `${h} h ${m} min`;
  const sec = total % 60;
  return sec ? `${m} min ${sec} s` : `${m} min`;
}

/** 33 → "33 bytes"; 2446 → "2.4 KB"; 3.5e6 → "3.3 MB". */
export function fileSize(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} ${n === 1 ? "byte" : "bytes"}`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * How sure the resolver is of its pick, in words that cannot be read as a talk-time share:
 * "hint match 90%" for a description, nothing for most-talk-time and time-range picks (their
 * "confidence" is the speaker's share, already shown as such).
 */
export function matchText(resolution) {
  if (!resolution || resolution.fellBack) return "";
  if (resolution.strategy === "magic_hint") return `hint match ${percent(resolution.confidence)}`;
  if (resolution.strategy === "entity_id") return "chosen by id";
  return "";
}

/** A job as lists name it: its label, else its template and who it is about. */
export function jobTitle(job) {
  if (job.label) return job.label;
  const who = job.resolution?.entityLabel || job.resolution?.entityId;
  return who ? `${templateName(job.template)}: ${who}` : templateName(job.template);
}

export const percent = (share, digits = 0) => `${(Number(share || 0) * 100).toFixed(digits)}%`;
export const count = (n) => Number(n || 0).toLocaleString("en-US");
export const plural = (n, one, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** "just now", "4 min ago", "3 h ago", "12 Mar". */
export function ago(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const sec = Math.max(0, Math.round((now - then) / 1000));
  if (sec < 45) return "just now";
  if (sec < 3600) return `${Math.round(sec / 60)} min ago`;
  if (sec < 86400) return `${Math.round(sec / 3600)} h ago`;
  return dateOnly(iso);
}

export const dateOnly = (iso) =>
  new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });

export const dateTime = (iso) =>
  new Date(iso).toLocaleString("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

export const TEMPLATES = {
  sales_playbook: { name: "Sales playbook", blurb: "How to sell to them" },
  general_report: { name: "General report", blurb: "How they think, operate and connect" },
};

export const templateName = (t) => TEMPLATES[t]?.name || String(t || "Report");

export const STRATEGIES = {
  dominant: "Most talk time",
  entity_id: "A speaker",
  magic_hint: "A description",
  timerange: "A time range",
};

export const FORMATS = {
  "": "Detect automatically",
  webvtt: "WebVTT (.vtt)",
  srt: "SubRip (.srt)",
  segments: "Segments JSON",
  whisperx: "WhisperX JSON",
  assemblyai: "AssemblyAI JSON",
  deepgram: "Deepgram JSON",
};

/** The format a file's name suggests, or "" to let the server detect it. */
export function formatFromName(name) {
  const ext = String(name).toLowerCase().split(".").pop();
  return { vtt: "webvtt", webvtt: "webvtt", srt: "srt" }[ext] || "";
}

export const speakerName = (entity) => entity?.label || entity?.id || "Unknown";
