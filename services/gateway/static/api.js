// The /v1 REST API, with the signed-in API key in the Authorization header of every request.

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const enc = encodeURIComponent;

/** Resolves after `ms`, or as soon as `signal` aborts. */
export const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });

/** A failure worth another try: no answer at all (a restart, a dropped connection), a 5xx or a 429. */
export const isTransient = (error) => !error.status || error.status >= 500 || error.status === 429;

/** fn() again after transient failures, with backoff: for reads that a gateway restart can interrupt. */
export async function retrying(fn, signal, attempts = 6) {
  let delay = 400;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (signal?.aborted || !isTransient(error) || attempt >= attempts) throw error;
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 4000);
    }
  }
}

export class Api {
  constructor(key, { onUnauthorized = () => {} } = {}) {
    this.key = key;
    this.onUnauthorized = onUnauthorized;
  }

  headers(extra = {}) {
    return { Authorization: `Bearer ${this.key}`, ...extra };
  }

  async fail(response) {
    let error = {};
    try {
      error = (await response.json())?.error || {};
    } catch {
      // not JSON: a proxy's page, say
    }
    if (response.status === 401) this.onUnauthorized();
    return new ApiError(response.status, error.code || `http_${response.status}`,
      error.message || response.statusText || "request failed", error.details || []);
  }

  async request(method, path, { body, signal } = {}) {
    const headers = this.headers({ Accept: "application/json" });
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method, headers, signal, cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await this.fail(response);
    return response.status === 204 ? null : response.json();
  }

  /** A streaming GET: the response, whose body the caller reads. */
  async openStream(path, { signal, lastEventId } = {}) {
    const headers = this.headers({ Accept: "text/event-stream" });
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    const response = await fetch(path, { headers, signal, cache: "no-store" });
    if (!response.ok) throw await this.fail(response);
    return response;
  }

  page(path, cursor, limit = 50) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set("cursor", cursor);
    return this.request("GET", `${path}?${query}`);
  }

  listMedia(cursor) { return this.page("/v1/media", cursor); }
  getMedia(id, signal) { return this.request("GET", `/v1/media/${enc(id)}`, { signal }); }
  createMedia(body) { return this.request("POST", "/v1/media", { body }); }
  deleteMedia(id) { return this.request("DELETE", `/v1/media/${enc(id)}`); }
  resolve(id, target, signal) { return this.request("POST", `/v1/media/${enc(id)}/resolve`, { body: target, signal }); }
  listJobs(cursor) { return this.page("/v1/jobs", cursor); }
  getJob(id, signal) { return this.request("GET", `/v1/jobs/${enc(id)}`, { signal }); }
  createJob(body) { return this.request("POST", "/v1/reports/jobs", { body }); }
  cancelJob(id) { return this.request("POST", `/v1/jobs/${enc(id)}/cancel`); }
  getReport(id, signal) { return this.request("GET", `/v1/reports/${enc(id)}`, { signal }); }
  reportByJob(jobId, signal) { return this.request("GET", `/v1/reports/by-job/${enc(jobId)}`, { signal }); }

  /** The report's supporting quotes and coverage, or null where the server has none to give. */
  async evidence(reportId, signal) {
    try {
      return await this.request("GET", `/v1/reports/${enc(reportId)}/evidence`, { signal });
    } catch (error) {
      if (error.status === 404 || error.status === 405) return null;
      throw error;
    }
  }
}
