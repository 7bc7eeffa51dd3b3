// Adding a recording: a transcript file read as text in the browser and sent to POST /v1/media.

import { h, fill, icon } from "./dom.js";
import { FORMATS, fileSize, formatFromName } from "./format.js";

const PREVIEW_LINES = 14;

export function renderUpload(main, ctx) {
  let file = null;
  let text = "";
  const fileInput = h("input", { type: "file", id: "transcript-file", name: "transcript",
    accept: ".vtt,.srt,.json,.txt,text/vtt,application/json", class: "visually-hidden" });
  const titleInput = h("input", { type: "text", id: "media-title", name: "title", maxLength: 200, autocomplete: "off",
    placeholder: "e.g. Pricing call with Northwind" });
  const formatSelect = h("select", { id: "media-format", name: "format" },
    Object.entries(FORMATS).map(([value, label]) => h("option", { value }, label)));
  const dropLabel = h("span", { class: "drop-main" }, "Drop a transcript here, or choose a file");
  const dropSub = h("span", { class: "drop-sub" }, "WebVTT, SRT, or JSON from WhisperX, AssemblyAI, Deepgram or plain segments");
  const drop = h("label", { class: "drop", for: "transcript-file" }, icon("upload", "icon lg"), dropLabel, dropSub);
  const preview = h("div", { class: "file-preview" });
  const error = h("div");
  const submit = h("button", { type: "submit", class: "btn primary", disabled: true }, icon("upload", "icon sm"), "Add recording");

  async function choose(chosen) {
    if (!chosen) return;
    file = chosen;
    text = await chosen.text();
    if (!titleInput.value.trim() || titleInput.dataset.auto === "1") {
      titleInput.value = chosen.name.replace(/\.[^.]+$/, "");
      titleInput.dataset.auto = "1";
    }
    formatSelect.value = formatFromName(chosen.name);
    drop.classList.add("has-file");
    dropLabel.textContent = chosen.name;
    dropSub.textContent = `${fileSize(chosen.size)} · choose another file to replace it`;
    const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
    fill(preview, h("p", { class: "preview-title" }, "Beginning of the file"),
      h("pre", { class: "file-text" }, lines.slice(0, PREVIEW_LINES).join("\n") + (lines.length > PREVIEW_LINES ? "\n…" : "")));
    submit.disabled = false;
    fill(error);
  }

  fileInput.addEventListener("change", () => choose(fileInput.files[0]));
  titleInput.addEventListener("input", () => { titleInput.dataset.auto = "0"; });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); choose(e.dataTransfer.files[0]); });

  const form = h("form", { class: "upload-form", novalidate: true }, fileInput, drop, preview,
    h("div", { class: "field-row" },
      h("div", { class: "field grow" }, h("label", { for: "media-title" }, "Title"), titleInput),
      h("div", { class: "field" }, h("label", { for: "media-format" }, "Format"), formatSelect)),
    error, h("div", { class: "actions-row" }, submit));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!file) return;
    const format = formatSelect.value;
    let content = text;
    if (/\.json$/i.test(file.name) || ["segments", "whisperx", "assemblyai", "deepgram"].includes(format)) {
      try {
        content = JSON.parse(text.replace(/^\uFEFF/, ""));
      } catch (e) {
        return fill(error, h("div", { class: "banner error", role: "alert" }, icon("alert"),
          h("div", null, h("b", null, "Not valid JSON. "), e.message)));
      }
    }
    const body = { transcript: { content } };
    if (format) body.transcript.format = format;
    const title = titleInput.value.trim();
    if (title) body.title = title;
    submit.disabled = true;
    submit.lastChild.textContent = "Adding…";
    try {
      const media = await ctx.api.createMedia(body);
      ctx.mediaLoaded(media, { isNew: true });
      ctx.navigate(`#/media/${encodeURIComponent(media.mediaId)}`);
    } catch (e) {
      // The message already names the first problem ("/path: what"): list only the others.
      const more = (e.details || []).filter((d) => !String(e.message).includes(d.message));
      fill(error, h("div", { class: "banner error", role: "alert" }, icon("alert"),
        h("div", null, h("b", null, "The server did not take it. "), e.message,
          more.length ? h("ul", { class: "details" }, more.map((d) => h("li", null, h("code", null, d.path || "/"), " ", d.message))) : null)));
      submit.disabled = false;
      submit.lastChild.textContent = "Add recording";
    }
  });

  main.replaceChildren(h("div", { class: "page upload-page" },
    h("header", { class: "page-head" }, h("div", null,
      h("p", { class: "eyebrow" }, "New recording"),
      h("h1", null, "Add a transcript"),
      h("p", { class: "sub" }, "A diarized transcript of a call, an interview or a meeting. The file is read in your browser and sent to the API; speakers and their talk time come back."))),
    h("section", { class: "card narrow" }, form)));
}
