// The report viewer: sign in with an API key (kept in sessionStorage), then hash routes:
//   #/            overview and a way in      #/upload      add a recording
//   #/media/{id}  a recording, start a report #/jobs/{id}    a job's progress and its report

import { Api } from "./api.js";
import { h, fill, icon } from "./dom.js";
import { ago, clock, jobTitle, plural } from "./format.js";
import { renderJob, statusBadge } from "./job.js";
import { renderMedia } from "./media.js";
import { renderUpload } from "./upload.js";

const KEY_SLOT = "reports.apiKey";
const ACTIVE = new Set(["queued", "running"]);
const root = document.getElementById("app");

const state = {
  api: null,
  media: new Map(), // mediaId → media, newest first
  jobs: new Map(),  // jobId → job, newest first
  view: null,       // the current view's AbortController
  poll: null,
};

// ---- sign in ---------------------------------------------------------------------------------

function signInPage(message = "") {
  const input = h("input", { type: "password", id: "api-key", name: "apiKey", autocomplete: "off", spellcheck: false,
    placeholder: "Bearer key", required: true });
  const error = h("p", { class: "signin-error", role: "alert" }, message);
  const button = h("button", { type: "submit", class: "btn primary wide" }, "Sign in");
  const form = h("form", { class: "signin-card" },
    h("div", { class: "brand big" }, h("span", { class: "logo" }, "R"), "Reports"),
    h("p", { class: "muted" }, "Personality reports from recorded conversations, with the evidence behind every claim."),
    h("label", { for: "api-key" }, "API key"), input, error, button,
    h("p", { class: "fine" }, "The key stays in this tab's session storage and is sent only in the Authorization header."));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    button.disabled = true;
    const api = new Api(key);
    try {
      await api.listMedia();
      sessionStorage.setItem(KEY_SLOT, key);
      start(key);
    } catch (e) {
      error.textContent = e.status === 401 ? "That key was not accepted." : `Could not reach the API: ${e.message}`;
      button.disabled = false;
    }
  });
  fill(root, h("main", { class: "signin" }, form));
  input.focus();
}

function signOut(message = "") {
  sessionStorage.removeItem(KEY_SLOT);
  state.view?.abort();
  clearInterval(state.poll);
  state.api = null;
  state.media.clear();
  state.jobs.clear();
  signInPage(message);
}

// ---- the shell: top bar, sidebar lists, main area --------------------------------------------

const mediaList = h("ul", { class: "nav-list", id: "media-list" });
const jobList = h("ul", { class: "nav-list", id: "job-list" });
const main = h("main", { class: "main", id: "main" });
const toasts = h("div", { class: "toasts", "aria-live": "polite" });

function shell(key) {
  const masked = key.length > 4 ? `••••${key.slice(-4)}` : "••••";
  return h("div", { class: "shell" },
    h("header", { class: "topbar" },
      h("a", { class: "brand", href: "#/" }, h("span", { class: "logo" }, "R"), "Reports"),
      h("div", { class: "topbar-right" },
        h("span", { class: "key", title: "Signed in with this API key" }, icon("user", "icon sm"), masked),
        h("button", { type: "button", class: "btn ghost sm", id: "sign-out", onclick: () => signOut() }, icon("logout", "icon sm"), "Sign out"))),
    h("nav", { class: "sidebar", "aria-label": "Recordings and jobs" },
      h("div", { class: "side-head" }, h("h2", null, "Recordings"),
        h("a", { class: "btn ghost sm", href: "#/upload", id: "add-media" }, icon("plus", "icon sm"), "Add")),
      mediaList,
      h("div", { class: "side-head" }, h("h2", null, "Jobs"),
        h("button", { type: "button", class: "btn ghost sm icon-only", title: "Refresh", "aria-label": "Refresh", onclick: refreshLists }, icon("refresh", "icon sm"))),
      jobList),
    main, toasts);
}

function toast(message, kind = "info") {
  const el = h("div", { class: `toast ${kind}` }, message);
  toasts.append(el);
  setTimeout(() => el.remove(), 5000);
}

function renderLists() {
  const here = location.hash;
  fill(mediaList, state.media.size ? [...state.media.values()].map((m) => {
    const href = `#/media/${encodeURIComponent(m.mediaId)}`;
    return h("li", null, h("a", { href, class: here === href ? "current" : "" },
      h("span", { class: "nav-title" }, h("span", null, m.title || "Untitled recording")),
      h("span", { class: "nav-sub" }, `${clock(m.durationSec)} · ${plural(m.entities.length, "speaker")} · ${ago(m.createdAt)}`)));
  }) : h("li", { class: "empty" }, "No recordings yet."));
  fill(jobList, state.jobs.size ? [...state.jobs.values()].map((j) => {
    const href = `#/jobs/${encodeURIComponent(j.jobId)}`;
    const media = state.media.get(j.mediaId);
    return h("li", null, h("a", { href, class: here === href ? "current" : "" },
      h("span", { class: "nav-title" }, h("span", null, jobTitle(j)), statusBadge(j.status)),
      h("span", { class: "nav-sub" }, `${media?.title || "Recording"} · ${ago(j.createdAt)}`)));
  }) : h("li", { class: "empty" }, "No jobs yet."));
}

async function refreshLists() {
  if (!state.api) return;
  try {
    const [media, jobs] = await Promise.all([state.api.listMedia(), state.api.listJobs()]);
    state.media = new Map(media.items.map((m) => [m.mediaId, m]));
    state.jobs = new Map(jobs.items.map((j) => [j.jobId, j]));
    renderLists();
  } catch (e) {
    if (e.status !== 401) toast(`Could not refresh: ${e.message}`, "error");
  }
}

// ---- routes ----------------------------------------------------------------------------------

function home(mainEl) {
  const recent = [...state.media.values()].slice(0, 6);
  mainEl.replaceChildren(h("div", { class: "page home" },
    h("header", { class: "page-head" }, h("div", null,
      h("p", { class: "eyebrow" }, "Overview"),
      h("h1", null, "Reports on the people in your conversations"),
      h("p", { class: "sub" }, "Add a transcript, pick the person, and read a report whose every section points at what they actually said."))),
    h("div", { class: "home-grid" },
      h("a", { class: "card cta", href: "#/upload" }, icon("upload", "icon lg"),
        h("h2", null, "Add a recording"), h("p", { class: "muted" }, "WebVTT, SRT or JSON transcripts with speakers.")),
      recent.map((m) => h("a", { class: "card media-tile", href: `#/media/${encodeURIComponent(m.mediaId)}` },
        h("h2", null, m.title || "Untitled recording"),
        h("p", { class: "muted" }, `${clock(m.durationSec)} · ${plural(m.entities.length, "speaker")} · ${ago(m.createdAt)}`))))));
}

function context(signal) {
  return {
    api: state.api,
    signal,
    toast,
    navigate: (hash) => { location.hash = hash; },
    mediaById: async (id, sig) => state.media.get(id)?.entities ? state.media.get(id) : state.api.getMedia(id, sig),
    mediaLoaded: (media, { isNew = false } = {}) => {
      if (isNew) state.media = new Map([[media.mediaId, media], ...state.media]);
      else state.media.set(media.mediaId, media);
      renderLists();
    },
    jobsFor: (mediaId) => [...state.jobs.values()].filter((j) => j.mediaId === mediaId),
    jobChanged: (job) => {
      if (state.jobs.has(job.jobId)) state.jobs.set(job.jobId, job);
      else state.jobs = new Map([[job.jobId, job], ...state.jobs]);
      renderLists();
    },
    jobsChanged: refreshLists,
  };
}

async function route() {
  if (!state.api) return;
  state.view?.abort();
  const controller = new AbortController();
  state.view = controller;
  const [, kind, id] = location.hash.replace(/^#\/?/, "/").split("/");
  renderLists();
  const ctx = context(controller.signal);
  main.scrollTop = 0;
  window.scrollTo(0, 0);
  fill(main, h("p", { class: "loading" }, h("span", { class: "spinner" }), "Loading…"));
  try {
    if (kind === "upload") renderUpload(main, ctx);
    else if (kind === "media" && id) await renderMedia(main, ctx, decodeURIComponent(id));
    else if (kind === "jobs" && id) await renderJob(main, ctx, decodeURIComponent(id));
    else home(main);
  } catch (e) {
    if (controller.signal.aborted) return;
    fill(main, h("div", { class: "page" }, h("div", { class: "banner error", role: "alert" }, icon("alert"),
      h("div", null, h("b", null, e.status === 404 ? "Not found. " : "Something went wrong. "), e.message))));
  }
}

async function start(key) {
  state.api = new Api(key, { onUnauthorized: () => signOut("Your key is no longer accepted; sign in again.") });
  fill(root, shell(key));
  const view = state.view;
  await refreshLists();
  clearInterval(state.poll);
  state.poll = setInterval(() => {
    if ([...state.jobs.values()].some((j) => ACTIVE.has(j.status))) refreshLists();
  }, 5000);
  // A click while the lists loaded has routed already: routing again would redraw that page and
  // lose what was put in it (a chosen transcript file).
  if (state.view === view) route();
}

window.addEventListener("hashchange", route);
const saved = sessionStorage.getItem(KEY_SLOT);
if (saved) start(saved);
else signInPage();
