"""`GET /v1/openapi.json` and `GET /docs`, a self-hosted reference page that renders it (no CDN).

Neither needs an API key. The page is plain HTML and a small script (`/docs/docs.js`) that fetches
the document and builds the reference from it with DOM calls (no innerHTML of document text).
"""

from __future__ import annotations

import json
from functools import cache

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.gateway import openapi

_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@cache
def _document_bytes() -> bytes:
    return json.dumps(openapi.document(), separators=(",", ":")).encode()


async def openapi_json(_request: Request) -> Response:
    return Response(_document_bytes(), media_type="application/json", headers={"Cache-Control": "public, max-age=300"})


async def docs_page(_request: Request) -> Response:
    return Response(PAGE, media_type="text/html; charset=utf-8", headers=_SECURITY_HEADERS)


async def docs_script(_request: Request) -> Response:
    return Response(
        SCRIPT,
        media_type="text/javascript; charset=utf-8",
        headers={**_SECURITY_HEADERS, "Cache-Control": "public, max-age=300"},
    )


routes = [
    Route("/v1/openapi.json", openapi_json, methods=["GET"]),
    Route("/docs", docs_page, methods=["GET"]),
    Route("/docs/docs.js", docs_script, methods=["GET"]),
]


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Reports API reference</title>
<style>
  :root { --fg:#1d2330; --muted:#5b6475; --line:#e3e6ec; --bg:#f7f8fa; --code:#f1f3f6; --link:#2454c5; }
  * { box-sizing: border-box; }
  body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); }
  code, pre, .mono { font-family: ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:13px; }
  a { color:var(--link); text-decoration:none; } a:hover { text-decoration:underline; }
  #layout { display:grid; grid-template-columns: 280px 1fr; min-height:100vh; }
  nav { background:var(--bg); border-right:1px solid var(--line); padding:16px; position:sticky; top:0;
        height:100vh; overflow:auto; }
  nav h2 { font-size:12px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:18px 0 6px; }
  nav a { display:block; padding:2px 0; font-size:13px; overflow-wrap:anywhere; }
  main { padding:24px 40px; max-width:1100px; }
  h1 { margin:0 0 4px; } .version { color:var(--muted); }
  .description p { margin:.4em 0; }
  section.op { border:1px solid var(--line); border-radius:8px; margin:18px 0; padding:14px 18px; }
  .op-head { display:flex; gap:10px; align-items:center; flex-wrap:wrap; }
  .method { font-weight:700; text-transform:uppercase; font-size:12px; padding:2px 8px; border-radius:4px;
            color:#fff; background:#6b7280; }
  .method.get { background:#2563eb; } .method.post { background:#059669; } .method.delete { background:#dc2626; }
  .method.put, .method.patch { background:#d97706; }
  .path { font-weight:600; }
  .badge { font-size:11px; color:var(--muted); border:1px solid var(--line); border-radius:10px; padding:0 7px; }
  table { border-collapse:collapse; width:100%; margin:6px 0; }
  th, td { text-align:left; vertical-align:top; padding:4px 8px; border-bottom:1px solid var(--line); font-size:14px; }
  th { color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase; }
  h3 { font-size:13px; text-transform:uppercase; letter-spacing:.05em; color:var(--muted); margin:14px 0 4px; }
  .schema { font-size:13px; }
  .schema ul { list-style:none; margin:0; padding-left:18px; border-left:1px dotted var(--line); }
  .prop { font-weight:600; } .type { color:#7c3aed; } .req { color:#dc2626; font-size:11px; }
  .constraint { color:var(--muted); }
  details > summary { cursor:pointer; }
  .example { margin:8px 0; } .example > summary { color:var(--muted); font-size:13px; }
  .example pre { background:var(--code); padding:10px 12px; border-radius:6px; overflow-x:auto; margin:6px 0 0; }
  .status { font-weight:700; } .status.ok { color:#059669; } .status.err { color:#b91c1c; }
  #error { color:#b91c1c; }
</style>
</head>
<body>
<div id="layout">
  <nav id="nav"><strong>Reports API</strong></nav>
  <main id="main"><p>Loading <a href="/v1/openapi.json">/v1/openapi.json</a>&hellip;</p></main>
</div>
<script src="/docs/docs.js"></script>
</body>
</html>
"""

SCRIPT = r"""
"use strict";
(function () {
  const main = document.getElementById("main"), nav = document.getElementById("nav");
  let spec = null;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // A small, safe subset of Markdown: paragraphs and `code`, built as DOM nodes.
  function inline(text, tag) {
    return el(tag || "span", {}, String(text || "").split(/(`[^`]+`)/).map((part) =>
      part.length > 1 && part.startsWith("`") && part.endsWith("`") ? el("code", {}, part.slice(1, -1)) : part));
  }
  function prose(text) {
    return el("div", {class: "description"},
      String(text || "").split(/\n\s*\n/).filter((p) => p.trim()).map((p) => inline(p, "p")));
  }

  function refName(ref) { return ref.split("/").pop(); }
  function resolve(obj) {
    let seen = 0;
    while (obj && obj.$ref && seen++ < 10) {
      obj = obj.$ref.split("/").slice(1).reduce((o, k) => (o ? o[k] : undefined), spec);
    }
    return obj || {};
  }

  function typeLabel(s) {
    if (s.$ref) return null;
    if (s.const !== undefined) return "const " + JSON.stringify(s.const);
    if (s.type === "array") return "array";
    return Array.isArray(s.type) ? s.type.join(" | ") : (s.type || (s.anyOf ? "any of" : s.oneOf ? "one of" : "any"));
  }

  function constraints(s) {
    const out = [];
    if (s.enum) out.push("one of " + s.enum.map((v) => JSON.stringify(v)).join(", "));
    for (const k of ["format", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
                     "minItems", "maxItems", "pattern", "default"]) {
      if (s[k] !== undefined) out.push(k + " " + JSON.stringify(s[k]));
    }
    if (s.additionalProperties === false) out.push("no other fields");
    return out.length ? el("span", {class: "constraint"}, " (" + out.join("; ") + ")") : null;
  }

  function schemaView(s, depth) {
    s = s || {};
    if (depth > 12) return el("span", {class: "constraint"}, "…");
    if (s.$ref) {
      const name = refName(s.$ref);
      const d = el("details", {}, el("summary", {}, el("a", {href: "#schema-" + name}, name)));
      d.addEventListener("toggle", () => {
        if (d.open && d.children.length === 1) d.append(schemaView(resolve(s), depth + 1));
      }, {once: false});
      return d;
    }
    const label = typeLabel(s);
    const box = el("div", {class: "schema"}, label ? [el("span", {class: "type"}, label), constraints(s)] : null,
                   s.description ? el("div", {class: "constraint"}, inline(s.description)) : null);
    const variants = s.anyOf || s.oneOf;
    if (variants) {
      box.append(el("ul", {}, variants.map((v) => el("li", {}, schemaView(v, depth + 1)))));
    }
    if (s.properties) {
      const required = new Set(s.required || []);
      box.append(el("ul", {}, Object.entries(s.properties).map(([name, prop]) =>
        el("li", {}, el("span", {class: "prop mono"}, name), " ",
           required.has(name) ? el("span", {class: "req"}, "required") : null, " ",
           schemaView(prop, depth + 1)))));
    }
    if (s.type === "array" && (s.items || s.prefixItems)) {
      const items = s.prefixItems ? s.prefixItems : [s.items];
      box.append(el("ul", {}, items.map((item) => el("li", {}, el("span", {class: "constraint"}, "items: "),
                                                   schemaView(item, depth + 1)))));
    }
    if (s.contentSchema) {
      box.append(el("ul", {}, el("li", {}, el("span", {class: "constraint"}, (s.contentMediaType || "content") + ": "),
                                 schemaView(s.contentSchema, depth + 1))));
    }
    if (s.additionalProperties && typeof s.additionalProperties === "object" &&
        Object.keys(s.additionalProperties).length) {
      box.append(el("ul", {}, el("li", {}, el("span", {class: "constraint"}, "values: "),
                                 schemaView(s.additionalProperties, depth + 1))));
    }
    return box;
  }

  function parametersView(params) {
    if (!params || !params.length) return null;
    return [el("h3", {}, "Parameters"), el("table", {},
      el("tr", {}, el("th", {}, "name"), el("th", {}, "in"), el("th", {}, "schema"), el("th", {}, "description")),
      params.map(resolve).map((p) => el("tr", {},
        el("td", {}, el("span", {class: "mono prop"}, p.name), p.required ? el("span", {class: "req"}, " required") : null),
        el("td", {}, p.in), el("td", {}, schemaView(p.schema, 0),
           p.allowEmptyValue ? el("div", {class: "constraint"}, "may be empty (= left out)") : null),
        el("td", {}, inline(p.description)))))];
  }

  function responsesView(responses) {
    const rows = Object.entries(responses || {}).map(([status, r]) => {
      const name = r.$ref ? refName(r.$ref) : null;
      r = resolve(r);
      const content = r.content || {};
      const media = Object.keys(content);
      return el("tr", {},
        el("td", {}, el("span", {class: "status " + (status < "400" ? "ok" : "err")}, status)),
        el("td", {}, name ? el("span", {class: "mono"}, name + ": ") : null, inline(r.description),
           r.headers ? el("div", {class: "constraint"}, "headers: " + Object.keys(r.headers).join(", ")) : null),
        el("td", {}, media.map((m) => el("div", {}, el("span", {class: "constraint mono"}, m),
                                          content[m].schema ? schemaView(content[m].schema, 0) : null))));
    });
    return [el("h3", {}, "Responses"),
            el("table", {}, el("tr", {}, el("th", {}, "status"), el("th", {}, "meaning"), el("th", {}, "body")), rows)];
  }

  function operationView(path, method, op) {
    const id = "op-" + (op.operationId || method + path);
    const pub = op.security && op.security.length === 0;
    const body = op.requestBody ? resolve(op.requestBody) : null;
    return el("section", {class: "op", id: id},
      el("div", {class: "op-head"}, el("span", {class: "method " + method}, method),
         el("span", {class: "path mono"}, path), inline(op.summary),
         el("span", {class: "badge"}, pub ? "no API key" : "Bearer API key")),
      op.description ? prose(op.description) : null,
      parametersView(op.parameters),
      body ? [el("h3", {}, "Request body"), Object.entries(body.content || {}).map(([m, c]) =>
        el("div", {}, el("span", {class: "constraint mono"}, m), schemaView(c.schema, 0), examplesView(c.examples)))]
        : null,
      responsesView(op.responses),
      Object.values(op.responses || {}).map((r) => examplesView(((resolve(r).content || {})["application/json"] || {}).examples)));
  }

  function examplesView(examples) {
    return Object.values(examples || {}).map((x) => el("details", {class: "example", open: ""},
      el("summary", {}, "Example: " + (x.summary || "")),
      el("pre", {class: "mono"}, JSON.stringify(x.value, null, 2))));
  }

  function render() {
    main.textContent = "";
    const info = spec.info || {};
    main.append(el("h1", {}, info.title || "API"),
                el("div", {class: "version"}, "version " + (info.version || "?") + " · OpenAPI " + spec.openapi +
                   " · ", el("a", {href: "/v1/openapi.json"}, "openapi.json")),
                prose(info.description));
    const byTag = new Map((spec.tags || []).map((t) => [t.name, {tag: t, ops: []}]));
    for (const [path, item] of Object.entries(spec.paths || {})) {
      for (const [method, op] of Object.entries(item)) {
        if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
        const tag = (op.tags || ["other"])[0];
        if (!byTag.has(tag)) byTag.set(tag, {tag: {name: tag}, ops: []});
        byTag.get(tag).ops.push([path, method, op]);
      }
    }
    for (const {tag, ops} of byTag.values()) {
      if (!ops.length) continue;
      if (tag.name === "pages") {  // served beside the API, not part of it: named, not listed as endpoints
        main.append(el("p", {class: "description"}, inline(tag.description + " " +
          ops.map(([path]) => "`" + path + "`").join(", ") + ".")));
        continue;
      }
      nav.append(el("h2", {}, tag.name));
      main.append(el("h2", {id: "tag-" + tag.name}, tag.name), prose(tag.description));
      for (const [path, method, op] of ops) {
        nav.append(el("a", {href: "#op-" + (op.operationId || method + path), class: "mono"},
                      method.toUpperCase() + " " + path));
        main.append(operationView(path, method, op));
      }
    }
    const schemas = (spec.components || {}).schemas || {};
    nav.append(el("h2", {}, "schemas"));
    main.append(el("h2", {id: "schemas"}, "Schemas"));
    for (const [name, schema] of Object.entries(schemas)) {
      nav.append(el("a", {href: "#schema-" + name, class: "mono"}, name));
      main.append(el("section", {class: "op", id: "schema-" + name}, el("div", {class: "op-head"},
        el("span", {class: "path mono"}, name)), schemaView(schema, 0)));
    }
    if (location.hash) { const target = document.getElementById(location.hash.slice(1)); if (target) target.scrollIntoView(); }
  }

  fetch("/v1/openapi.json").then((r) => {
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.json();
  }).then((doc) => { spec = doc; render(); }).catch((err) => {
    main.textContent = "";
    main.append(el("p", {id: "error"}, "Could not load /v1/openapi.json: " + err.message));
  });
})();
"""
