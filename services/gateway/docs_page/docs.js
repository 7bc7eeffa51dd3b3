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
