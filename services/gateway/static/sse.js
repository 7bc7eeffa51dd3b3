// Server-sent events over fetch(), so the request can carry an Authorization header.
//
// Browsers' EventSource cannot send headers, and the API key must never go into a URL. So the
// viewer reads GET /v1/jobs/{id}/events with fetch() and parses the text/event-stream body itself,
// by the HTML standard's rules, and reconnects with Last-Event-ID when the connection drops.

import { isTransient, sleep } from "./api.js";

/** Parses a text/event-stream body into {id, event, data} messages. */
export async function* readEventStream(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let data = [];
  let event = "";
  let lastId = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      // A CR at the very end may be half of a CRLF split across chunks: keep it for the next one.
      const cut = buffer.endsWith("\r") ? buffer.length - 1 : buffer.length;
      const lines = buffer.slice(0, cut).split(/\r\n|\r|\n/);
      buffer = lines.pop() + buffer.slice(cut);
      for (const line of lines) {
        if (line === "") {
          if (data.length) yield { id: lastId, event: event || "message", data: data.join("\n") };
          data = [];
          event = "";
          continue;
        }
        if (line.startsWith(":")) continue; // a comment: the server's keep-alive ping
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        let val = colon === -1 ? "" : line.slice(colon + 1);
        if (val.startsWith(" ")) val = val.slice(1);
        if (field === "data") data.push(val);
        else if (field === "event") event = val;
        else if (field === "id" && !val.includes("\0")) lastId = val;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

const TERMINAL = new Set(["succeeded", "failed", "canceled"]);

/**
 * Follows a job's status events until it ends or `signal` aborts. Calls onEvent(data) for each
 * status event and onConnection("live" | "reconnecting") as the connection comes and goes.
 * Resumes after the last event seen, so nothing is missed or repeated across reconnects.
 */
export async function followJob(api, jobId, { signal, onEvent, onConnection = () => {} }) {
  let lastEventId = null;
  let backoff = 500;
  while (!signal.aborted) {
    try {
      const response = await api.openStream(`/v1/jobs/${encodeURIComponent(jobId)}/events`, { signal, lastEventId });
      onConnection("live");
      backoff = 500;
      for await (const message of readEventStream(response.body)) {
        if (message.id) lastEventId = message.id;
        if (message.event !== "status") continue;
        const data = JSON.parse(message.data);
        onEvent(data);
        if (TERMINAL.has(data.status)) return data;
      }
    } catch (error) {
      if (signal.aborted) return null;
      // A client error (404, 401) will not get better by retrying; a dropped connection or a 503 may.
      if (!isTransient(error)) throw error;
    }
    if (signal.aborted) return null;
    onConnection("reconnecting");
    await sleep(backoff, signal);
    backoff = Math.min(backoff * 2, 8000);
  }
  return null;
}
