// The console UI: plain modules, no framework and no build step (docs/console.md, "UI").
const API = "/console/api";
const main = document.getElementById("main");
const banner = document.getElementById("banner");

// ---------- small helpers ----------
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
async function api(path, body) {
  const init = body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const res = await fetch(API + path, { credentials: "same-origin", ...init });
  if (res.status === 401) {
    location.href = "/console/login";
    throw new Error("login required");
  }
  const data = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
  return data;
}
const fmtTime = (ms) => (ms ? new Date(ms).toLocaleString() : "");
const fmtMs = (v) => (v === null || v === undefined ? "" : `${Math.round(v * 10) / 10} ms`);
const fmtSize = (n) =>
  n === null || n === undefined
    ? ""
    : n > 1048576
      ? `${(n / 1048576).toFixed(1)} MiB`
      : n > 1024
        ? `${(n / 1024).toFixed(1)} KiB`
        : `${n} B`;
const badge = (v) => h("span", { class: `badge ${v || ""}` }, v || "—");
function errorBox(e) {
  return h("p", { class: "error-box", role: "alert" }, String(e.message || e));
}
function setView(title, ...nodes) {
  document.title = `${title} · misp-modules-ts console`;
  main.replaceChildren(h("h1", {}, title), ...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
  main.focus({ preventScroll: true });
  for (const a of document.querySelectorAll("header nav a"))
    a.toggleAttribute(
      "aria-current",
      location.hash.startsWith(a.getAttribute("href")) &&
        (a.getAttribute("href") !== "#/" || location.hash === "#/" || location.hash === ""),
    );
  for (const a of document.querySelectorAll("header nav a[aria-current]")) a.setAttribute("aria-current", "page");
}
let fieldSeq = 0;
/** A labelled control; the label is beside it (not around it) so its name stays just the text. */
function field(text, control) {
  if (!control.id) control.id = `f${++fieldSeq}`;
  return h("span", { class: "field" }, h("label", { for: control.id }, text), control);
}
function debounce(fn, ms) {
  let t;
  return (...a) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}

// ---------- JSON viewer: collapsed, lazy, searchable, bounded ----------
const MAX_CHILDREN = 200;
function jsonTree(value, open = 1) {
  const root = h("div", { class: "tree" });
  root.append(node(undefined, value, open));
  return root;
  function node(key, v, depth) {
    const label = key === undefined ? [] : [h("span", { class: "k" }, JSON.stringify(key)), ": "];
    if (v === null || typeof v !== "object") {
      const cls = typeof v === "string" ? "s" : "n";
      const text = JSON.stringify(v);
      return h("div", {}, ...label, h("span", { class: cls }, text.length > 2000 ? text.slice(0, 2000) + "…" : text));
    }
    const entries = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    const d = h("details", depth > 0 ? { open: true } : {});
    d.append(h("summary", {}, ...label, Array.isArray(v) ? `[${entries.length}]` : `{${entries.length}}`));
    let filled = false;
    const fill = () => {
      if (filled) return;
      filled = true;
      const ul = h("ul");
      for (const [k, x] of entries.slice(0, MAX_CHILDREN)) ul.append(h("li", {}, node(k, x, depth - 1)));
      if (entries.length > MAX_CHILDREN) ul.append(h("li", { class: "muted" }, `… ${entries.length - MAX_CHILDREN} more (use search)`));
      d.append(ul);
    };
    if (depth > 0) fill();
    else d.addEventListener("toggle", fill, { once: true });
    return d;
  }
}
/** A payload: size, a collapsed tree for moderate sizes, and a text search that never renders it all. */
function payloadView(title, text, meta = {}) {
  const box = h("section", { "aria-label": title });
  box.append(
    h(
      "h2",
      {},
      title,
      " ",
      h(
        "span",
        { class: "muted" },
        fmtSize(meta.size ?? (text ? text.length : 0)),
        meta.truncated ? " — truncated copy (over the payload cap)" : "",
      ),
    ),
  );
  if (text === null || text === undefined) {
    box.append(h("p", { class: "muted" }, "not captured (capture mode metadata, or removed by retention)"));
    return box;
  }
  const results = h("div");
  const search = h("input", { type: "search", placeholder: "search in payload", "aria-label": `Search in ${title}` });
  search.addEventListener(
    "input",
    debounce(() => {
      const q = search.value.toLowerCase();
      results.replaceChildren();
      if (q.length < 2) return;
      const lower = text.toLowerCase();
      let idx = 0,
        n = 0;
      const list = h("ul", { class: "mono" });
      while ((idx = lower.indexOf(q, idx)) >= 0 && n < 100) {
        const from = Math.max(0, idx - 60),
          to = Math.min(text.length, idx + q.length + 60);
        list.append(
          h("li", {}, text.slice(from, idx), h("mark", { class: "hit" }, text.slice(idx, idx + q.length)), text.slice(idx + q.length, to)),
        );
        idx += q.length;
        n++;
      }
      results.append(h("p", { class: "muted" }, n >= 100 ? "first 100 matches" : `${n} match${n === 1 ? "" : "es"}`), list);
    }, 200),
  );
  box.append(search, results);
  const body = h("div");
  if (text.length <= 3_000_000 && !meta.truncated) {
    try {
      body.append(jsonTree(JSON.parse(text), 1));
    } catch {
      body.append(h("pre", {}, text.slice(0, 65536)));
    }
  } else body.append(h("pre", {}, text.slice(0, 65536) + (text.length > 65536 ? "\n… (first 64 KiB shown; use search)" : "")));
  box.append(body);
  return box;
}

// ---------- status banner ----------
async function refreshStatus() {
  try {
    const s = await api("/status");
    const parts = [];
    if (!s.journal.enabled)
      parts.push(s.journal.reason ? `Journal off: ${s.journal.reason}` : `Journal off (capture mode ${s.journal.capture}).`);
    if (s.receiver.dropped) parts.push(`${s.receiver.dropped} debug post(s) dropped under load.`);
    if (s.store.droppedWrites) parts.push(`${s.store.droppedWrites} journal write(s) dropped.`);
    if (s.debugListenError) parts.push(`Debug listener not started: ${s.debugListenError}.`);
    banner.hidden = parts.length === 0;
    banner.textContent = parts.join(" ");
    return s;
  } catch (e) {
    banner.hidden = false;
    banner.textContent = String(e.message);
    return null;
  }
}

// ---------- views ----------
async function home() {
  const s = await refreshStatus();
  if (!s) return setView("Console", errorBox("status unavailable"));
  const copy = (text) => h("button", { type: "button", onclick: () => navigator.clipboard?.writeText(text) }, "Copy");
  setView(
    "Console",
    h(
      "p",
      {},
      "To see MISP's workflow runs here, set this value in MISP (Administration → Server settings → Plugin) and enable debug on the workflow:",
    ),
    h(
      "dl",
      {},
      s.debugListen
        ? [
            h(
              "dt",
              {},
              "Plugin.Workflow_debug_url (recommended: a listener on a thread of its own, it answers at once even while MISP sends queries",
              s.debugListen === "http://127.0.0.1:27051" ? "; it is MISP's default value, nothing to change" : "",
              ")",
            ),
            h("dd", {}, h("code", { id: "debug-listen" }, s.debugListen), " ", copy(s.debugListen)),
            h("dt", {}, "or, on the main port"),
          ]
        : h("dt", {}, "Plugin.Workflow_debug_url"),
      h("dd", {}, h("code", { id: "debug-url" }, s.debugUrl), " ", copy(s.debugUrl)),
    ),
    s.debugListenError
      ? h(
          "p",
          { class: "error-box", role: "alert" },
          `The separate debug listener did not start (${s.debugListenError}); use the main-port value above, or free that port and restart.`,
        )
      : null,
    s.debugListen || s.debugListenError
      ? null
      : h(
          "p",
          { class: "muted" },
          "Under /query load the main port answers debug posts after the queries ahead of them; start the server with --debug-listen 127.0.0.1:27051 (MISP's default debug URL; the default of `npm start`) for a receiver on a thread of its own.",
        ),
    h(
      "p",
      { class: "muted" },
      "MISP aborts a workflow when its debug URL does not answer; this receiver always answers 200 at once. MISP sends node parameters in clear on that stream: they are masked before they are stored.",
    ),
    h("h2", {}, "State"),
    h(
      "table",
      {},
      h(
        "tbody",
        {},
        h(
          "tr",
          {},
          h("th", {}, "Journal"),
          h("td", {}, s.journal.enabled ? `on, capture ${s.journal.capture}` : `off ${s.journal.reason ?? ""}`),
        ),
        h("tr", {}, h("th", {}, "Queries recorded since start"), h("td", {}, s.journal.recorded)),
        h(
          "tr",
          {},
          h("th", {}, "Store"),
          h(
            "td",
            {},
            `${fmtSize(s.store.sizeBytes)} of ${fmtSize(s.store.maxBytes)}, ${s.store.retentionDays} days kept, payload cap ${fmtSize(s.store.payloadCap)}`,
          ),
        ),
        h(
          "tr",
          {},
          h("th", {}, "Debug posts"),
          h("td", {}, `${s.receiver.received} received, ${s.receiver.malformed} malformed, ${s.receiver.dropped} dropped`),
        ),
        h("tr", {}, h("th", {}, "Access"), h("td", {}, s.auth === "token" ? "token required" : "loopback clients only")),
      ),
    ),
  );
}

async function runsList(params) {
  const form = h(
    "form",
    { class: "filters", role: "search" },
    field("Trigger", h("input", { name: "trigger", value: params.get("trigger") || "" })),
    field(
      "Outcome",
      h(
        "select",
        { name: "outcome" },
        ...["", "success", "failure", "blocked", "child"].map((o) =>
          h("option", { value: o, selected: params.get("outcome") === o }, o || "any"),
        ),
      ),
    ),
    field("Since", h("input", { name: "since", placeholder: "1h, 7d", value: params.get("since") || "" })),
    h("button", { type: "submit" }, "Filter"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    location.hash = "#/runs?" + new URLSearchParams([...new FormData(form)].filter(([, v]) => v));
  });
  try {
    const q = new URLSearchParams([...params].filter(([, v]) => v));
    const data = await api("/runs?" + q);
    const rows = data.items.map((r) =>
      h(
        "tr",
        { class: "row" },
        h("td", {}, h("a", { href: `#/runs/${r.id}` }, `#${r.id}`)),
        h("td", {}, fmtTime(r.started)),
        h("td", {}, r.trigger),
        h("td", {}, r.kind === "child" ? "concurrent task" : r.blocking ? "blocking" : r.blocking === false ? "non-blocking" : ""),
        h("td", {}, r.nodes),
        h("td", {}, r.errors),
        h("td", {}, badge(r.outcome || (r.ended ? "" : "running"))),
      ),
    );
    setView(
      "Runs",
      form,
      rows.length
        ? h(
            "table",
            {},
            h(
              "thead",
              {},
              h("tr", {}, ...["Run", "Started", "Trigger", "Type", "Nodes", "Errors", "Outcome"].map((t) => h("th", { scope: "col" }, t))),
            ),
            h("tbody", {}, rows),
          )
        : h(
            "p",
            { class: "muted" },
            "No runs yet. Point Plugin.Workflow_debug_url at this server (see Home) and enable debug on a workflow.",
          ),
    );
  } catch (e) {
    setView("Runs", form, errorBox(e));
  }
}

async function runDetail(id) {
  try {
    const r = await api(`/runs/${id}`);
    const byId = new Map(r.queries.map((q) => [q.id, q]));
    const nodes = r.posts.map((p) => {
      const q = p.queryId ? byId.get(p.queryId) : undefined;
      const title =
        p.phase === "exec"
          ? [p.moduleId, " ", h("span", { class: "muted" }, `node ${p.nodeId ?? "?"}`), " ", badge(p.result)]
          : p.phase === "init"
            ? ["init ", h("span", { class: "muted" }, r.blocking ? "blocking" : "non-blocking")]
            : p.phase === "end"
              ? ["end ", badge(p.outcome)]
              : [p.phase];
      return h(
        "article",
        { class: "node", "aria-label": `${p.phase} ${p.moduleId || ""}` },
        h(
          "h3",
          {},
          ...title,
          " ",
          h("span", { class: "muted" }, fmtTime(p.ts), p.durationMs !== null ? ` · ${fmtMs(p.durationMs)} since previous post` : ""),
        ),
        p.message ? h("p", { class: "error" }, "Exception: ", p.message) : null,
        p.errors?.length ? h("ul", { class: "error" }, ...p.errors.map((e) => h("li", {}, e))) : null,
        p.params && Object.keys(p.params).length ? h("details", {}, h("summary", {}, "Parameters"), jsonTree(p.params, 1)) : null,
        p.filters && Object.values(p.filters).some((v) => v !== "")
          ? h("details", {}, h("summary", {}, "Filters"), jsonTree(p.filters, 1))
          : null,
        p.dataHash ? h("details", { "data-hash": p.dataHash }, h("summary", {}, `Data seen (${fmtSize(p.dataSize)})`)) : null,
        q
          ? h(
              "p",
              {},
              "Our /query: ",
              h("a", { href: `#/queries/${q.id}` }, `#${q.id}`),
              " ",
              badge(q.outcome),
              " ",
              fmtMs(q.durationMs),
              q.error ? h("span", { class: "error" }, " ", q.error) : "",
              q.outbound.length
                ? h(
                    "span",
                    { class: "muted" },
                    ` · outbound: ${q.outbound.map((o) => `${o.method} ${o.host} ${o.status ?? o.error} ${fmtMs(o.durationMs)}`).join("; ")}`,
                  )
                : "",
            )
          : null,
      );
    });
    for (const d of nodes.flatMap((n) => [...n.querySelectorAll("details[data-hash]")])) {
      d.addEventListener(
        "toggle",
        async () => {
          if (d.dataset.loaded) return;
          d.dataset.loaded = "1";
          try {
            const p = await api(`/payloads/${d.dataset.hash}`);
            d.append(payloadView("Data", p.text, p));
          } catch (e) {
            d.append(errorBox(e));
          }
        },
        { once: true },
      );
    }
    setView(
      `Run #${r.id} · ${r.trigger}`,
      h(
        "p",
        {},
        badge(r.outcome || (r.ended ? "" : "running")),
        " ",
        r.kind === "child"
          ? "concurrent-task child (MISP sends no init or end for these)"
          : r.blocking
            ? "blocking trigger"
            : "non-blocking trigger",
        ` · started ${fmtTime(r.started)}`,
        r.ended ? ` · took ${r.ended - r.started} ms` : "",
        ` · ${r.nodes} node(s), ${r.errors} not successful`,
      ),
      ...nodes,
    );
  } catch (e) {
    setView(`Run #${id}`, errorBox(e));
  }
}

async function queriesList(params) {
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter queries" },
    field("Module", h("input", { name: "module", value: params.get("module") || "" })),
    field(
      "Outcome",
      h(
        "select",
        { name: "outcome" },
        ...["", "ok", "error", "timeout", "crash", "unknown_module"].map((o) =>
          h("option", { value: o, selected: params.get("outcome") === o }, o || "any"),
        ),
      ),
    ),
    field("Since", h("input", { name: "since", placeholder: "1h, 7d or a date", value: params.get("since") || "" })),
    field("Text", h("input", { name: "q", type: "search", value: params.get("q") || "" })),
    h("button", { type: "submit", class: "primary" }, "Filter"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    location.hash = "#/queries?" + new URLSearchParams([...new FormData(form)].filter(([, v]) => v));
  });
  try {
    const q = new URLSearchParams([...params].filter(([, v]) => v));
    const data = await api("/queries?" + q);
    const rows = data.items.map((r) =>
      h(
        "tr",
        { class: "row" },
        h("td", {}, h("a", { href: `#/queries/${r.id}` }, `#${r.id}`)),
        h("td", {}, fmtTime(r.ts)),
        h("td", {}, r.module),
        h("td", {}, badge(r.outcome)),
        h("td", {}, fmtMs(r.durationMs)),
        h("td", {}, r.outbound.length || ""),
        h("td", {}, r.runId ? h("a", { href: `#/runs/${r.runId}` }, `run #${r.runId}`) : ""),
        h("td", { class: "error" }, (r.error || "").slice(0, 200)),
      ),
    );
    const more = data.next
      ? h("p", {}, h("a", { href: "#/queries?" + new URLSearchParams([...q, ["before", data.next]]) }, "Older →"))
      : null;
    setView(
      "Queries",
      form,
      rows.length
        ? h(
            "table",
            { "aria-label": "Recorded queries" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ...["Id", "Time", "Module", "Outcome", "Duration", "Outbound", "Run", "Error"].map((t) => h("th", { scope: "col" }, t)),
              ),
            ),
            h("tbody", {}, rows),
          )
        : h("p", { class: "muted" }, "No recorded query matches."),
      more,
    );
  } catch (e) {
    setView("Queries", form, errorBox(e));
  }
}

function shellQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

async function queryDetail(id) {
  try {
    const q = await api(`/queries/${id}`);
    const paramsBox = h("div", { class: "params" });
    const edits = {};
    for (const [k, v] of Object.entries(q.params || {})) {
      const input = h("input", { name: k, value: typeof v === "string" ? v : JSON.stringify(v), size: 50, "aria-label": `Parameter ${k}` });
      input.addEventListener("input", () => {
        edits[k] = input.value;
      });
      paramsBox.append(field(k, input));
    }
    const result = h("div", { "aria-live": "polite" });
    const replay = h("button", { type: "button", class: "primary", id: "replay" }, "Replay");
    replay.addEventListener("click", async () => {
      result.replaceChildren(h("p", { class: "muted" }, "Replaying…"));
      try {
        const r = await api(`/queries/${id}/replay`, { params: edits });
        result.replaceChildren(
          h(
            "div",
            { class: "cols" },
            h("section", {}, h("h2", {}, "Recorded reply"), jsonTree(r.old, 3)),
            h("section", {}, h("h2", {}, `Replay reply (HTTP ${r.status})`), jsonTree(r.new, 3)),
          ),
        );
        result.scrollIntoView({ block: "nearest" });
      } catch (e) {
        result.replaceChildren(errorBox(e));
      }
    });
    const origin = location.origin;
    const body = q.request?.text ?? "";
    const curl = `curl -sS -X POST ${origin}/query -H 'Content-Type: application/json' --data-binary ${shellQuote(body)}`;
    const copyBtn = (label, text) =>
      h("button", { type: "button", onclick: () => navigator.clipboard?.writeText(typeof text === "function" ? text() : text) }, label);
    setView(
      `Query #${q.id} · ${q.module}`,
      h(
        "p",
        {},
        badge(q.outcome),
        ` ${fmtTime(q.ts)} · ${fmtMs(q.durationMs)}`,
        q.runId ? [" · ", h("a", { href: `#/runs/${q.runId}` }, `run #${q.runId}`)] : "",
        q.replayOf ? [" · replay of ", h("a", { href: `#/queries/${q.replayOf}` }, `#${q.replayOf}`)] : "",
      ),
      q.error ? h("p", { class: "error-box" }, q.error) : null,
      q.outbound.length
        ? [
            h("h2", {}, "Outbound calls"),
            h(
              "table",
              {},
              h(
                "tbody",
                {},
                ...q.outbound.map((o) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, o.method),
                    h("td", {}, o.host),
                    h("td", {}, o.status ?? o.error),
                    h("td", {}, fmtMs(o.durationMs)),
                  ),
                ),
              ),
            ),
          ]
        : null,
      h("h2", {}, "Replay"),
      h("p", { class: "muted" }, "Masked values are reused by the server unless you type a new one."),
      paramsBox,
      h(
        "div",
        { class: "bar" },
        replay,
        copyBtn("Copy as curl", curl),
        copyBtn(
          "Copy as misp-modules-ts command",
          () =>
            `misp-modules-ts replay ${id} --url ${origin}` +
            Object.entries(edits)
              .map(([k, v]) => ` --param ${shellQuote(`${k}=${v}`)}`)
              .join(""),
        ),
      ),
      result,
      h("details", {}, h("summary", {}, "Request headers"), jsonTree(q.headers || {}, 1)),
      payloadView("Request", q.request?.text, q.request || {}),
      payloadView("Reply", q.reply?.text, q.reply || {}),
    );
  } catch (e) {
    setView(`Query #${id}`, errorBox(e));
  }
}

/** Where playground data comes from: a recorded query, a paste or a file. The text is sent as is. */
function dataSource(onChange) {
  let text = "{}";
  const info = h("span", { class: "muted" }, "");
  const area = h("textarea", { "aria-label": "Data (JSON)", spellcheck: "false" }, text);
  const set = (t, label) => {
    text = t;
    info.textContent = label;
    area.value = t.length > 200000 ? t.slice(0, 200000) + "\n… (large data: not editable here, sent whole)" : t;
    area.readOnly = t.length > 200000;
    onChange();
  };
  area.addEventListener(
    "input",
    debounce(() => {
      text = area.value;
      info.textContent = "";
      onChange();
    }, 250),
  );
  const qid = h("input", { size: 6, placeholder: "query id", "aria-label": "Recorded query id" });
  const load = h("button", { type: "button" }, "Use recorded query data");
  load.addEventListener("click", async () => {
    try {
      const q = await api(`/queries/${qid.value.trim()}`);
      const body = JSON.parse(q.request.text);
      set(JSON.stringify(body.data ?? body, null, 2), `data of query #${q.id}`);
    } catch (e) {
      info.textContent = String(e.message);
    }
  });
  const file = h("input", { type: "file", accept: ".json,application/json", "aria-label": "Upload JSON" });
  file.addEventListener("change", async () => {
    const f = file.files[0];
    if (f) set(await f.text(), `${f.name} (${fmtSize(f.size)})`);
  });
  const fixtures = h("select", { "aria-label": "Bundled roaming fixture" }, h("option", { value: "" }, "bundled fixture…"));
  api("/fixtures")
    .then((r) => {
      for (const n of r.items) fixtures.append(h("option", { value: n }, n));
    })
    .catch(() => {});
  fixtures.addEventListener("change", async () => {
    if (!fixtures.value) return;
    try {
      const r = await api(`/fixtures/${encodeURIComponent(fixtures.value)}`);
      set(r.text, r.name);
    } catch (e) {
      info.textContent = String(e.message);
    }
  });
  return { el: h("section", { "aria-label": "Data" }, h("div", { class: "bar" }, fixtures, qid, load, file, info), area), get: () => text };
}

function templateView() {
  const out = h("pre", { id: "render-output", "aria-live": "polite" });
  const err = h("div", { id: "render-error", "aria-live": "polite" });
  const tpl = h("textarea", { id: "template", "aria-label": "Jinja template", spellcheck: "false" }, "{{ Event.info }}");
  let seq = 0;
  const render = debounce(async () => {
    const my = ++seq;
    try {
      const r = await api("/render", { template: tpl.value, dataText: data.get() });
      if (my !== seq) return;
      if (r.ok) {
        out.textContent = r.text;
        err.replaceChildren();
      } else
        err.replaceChildren(h("p", { class: "error-box", role: "alert" }, r.line ? `Line ${r.line}, column ${r.column}: ` : "", r.error));
    } catch (e) {
      err.replaceChildren(errorBox(e));
    }
  }, 300);
  const data = dataSource(render);
  tpl.addEventListener("input", render);
  setView(
    "Template playground",
    h("p", { class: "muted" }, "Renders exactly what jinja_template_rendering gives MISP, as you type."),
    h(
      "div",
      { class: "cols" },
      h("section", {}, h("h2", {}, "Template"), tpl, err, h("h2", {}, "Output"), out),
      h("section", {}, h("h2", {}, "Data"), data.el),
    ),
  );
  render();
}

function hashpathView() {
  const path = h("input", { id: "hp-path", size: 60, value: "Event._AttributeFlattened.{n}.value", "aria-label": "Hash path" });
  const selector = h("input", { size: 40, value: "Event._AttributeFlattened.{n}", "aria-label": "Filter selector" });
  const fpath = h("input", { size: 30, value: "type", "aria-label": "Filter path" });
  const op = h(
    "select",
    { "aria-label": "Filter operator" },
    ...["in", "not_in", "equals", "not_equals", "any_value", "in_or", "in_and", "not_in_or", "not_in_and"].map((o) =>
      h("option", { value: o }, o),
    ),
  );
  const value = h("input", { size: 30, value: "ip-dst", "aria-label": "Filter value" });
  const extractOut = h("div", { "aria-live": "polite" });
  const filterOut = h("div", { "aria-live": "polite" });
  const run = debounce(async () => {
    try {
      const r = await api("/extract", { path: path.value, dataText: data.get() });
      extractOut.replaceChildren(
        r.ok ? jsonTree(r.result, 2) : h("p", { class: "error-box" }, r.error),
        ...(r.warnings || []).map((w) => h("p", { class: "muted" }, "PHP warning: ", w)),
      );
    } catch (e) {
      extractOut.replaceChildren(errorBox(e));
    }
    try {
      let v = value.value;
      if (op.value.includes("_or") || op.value.includes("_and")) v = v.split(",").map((s) => s.trim());
      const r = await api("/filter", { selector: selector.value, path: fpath.value, operator: op.value, value: v, dataText: data.get() });
      filterOut.replaceChildren(
        r.ok
          ? h(
              "div",
              {},
              h(
                "p",
                {},
                `${r.kept.length} item(s) survive`,
                r.kept.length === 0 ? " — MISP then sends the whole data as filteredItems" : "",
              ),
              ...r.kept
                .slice(0, 200)
                .map((k) => h("div", { class: "kept" }, h("strong", {}, `key ${JSON.stringify(k.key)}`), jsonTree(k.item, 0))),
            )
          : h("p", { class: "error-box" }, r.error),
      );
    } catch (e) {
      filterOut.replaceChildren(errorBox(e));
    }
  }, 300);
  const data = dataSource(run);
  for (const el of [path, selector, fpath, op, value]) el.addEventListener("input", run);
  setView(
    "Hash paths and filters",
    h(
      "div",
      { class: "cols" },
      h(
        "section",
        {},
        h("h2", {}, "Extraction"),
        field("Path", path),
        extractOut,
        h("h2", {}, "MISP node filter"),
        h(
          "div",
          { class: "bar" },
          field("Selector", selector),
          field("Path", fpath),
          field("Operator", op),
          field("Value (comma-separated for lists)", value),
        ),
        filterOut,
      ),
      h("section", {}, h("h2", {}, "Data"), data.el),
    ),
  );
  run();
}

async function modulesView(name) {
  try {
    const { modules, failures } = await api("/modules");
    if (name) {
      const m = modules.find((x) => x.name === name);
      if (!m) return setView("Module", errorBox(`no module ${name}`));
      const inputs = {};
      const form = h("form", { class: "try" });
      for (const p of m.params) {
        inputs[p.name] = h("input", {
          name: p.name,
          placeholder: p.placeholder,
          type: p.secret ? "password" : "text",
          size: 50,
          "aria-label": p.label,
        });
        form.append(
          field(
            `${p.label} (id ${p.id})${p.secret ? " — secret" : ""}${p.jinja ? " — Jinja" : ""}${p.hashPath ? " — hash path" : ""}`,
            inputs[p.name],
          ),
        );
      }
      const attr =
        m.kind === "expansion"
          ? {
              type: h("input", { value: "ip-dst", "aria-label": "Attribute type" }),
              value: h("input", { value: "", "aria-label": "Attribute value" }),
            }
          : null;
      if (attr) form.append(h("div", { class: "bar" }, field("Attribute type", attr.type), field("Attribute value", attr.value)));
      const data = m.kind === "action" ? dataSource(() => {}) : null;
      const out = h("div", { "aria-live": "polite" });
      const go = async (dryRun) => {
        try {
          const params = Object.fromEntries(
            Object.entries(inputs)
              .filter(([, i]) => i.value !== "")
              .map(([k, i]) => [k, i.value]),
          );
          const body =
            m.kind === "action"
              ? { params, dataText: data.get(), dryRun }
              : { attribute: { type: attr.type.value, value: attr.value.value }, dryRun };
          const r = await api(`/modules/${encodeURIComponent(m.name)}/try`, body);
          out.replaceChildren(
            h(
              "div",
              { class: "cols" },
              h("section", {}, h("h2", {}, "Request MISP would send"), jsonTree(r.request, 2)),
              h(
                "section",
                {},
                h("h2", {}, r.status === null ? "Not sent" : `Reply (HTTP ${r.status})`),
                r.reply === null ? "" : jsonTree(r.reply, 3),
              ),
            ),
          );
        } catch (e) {
          out.replaceChildren(errorBox(e));
        }
      };
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        go(false);
      });
      form.append(
        h(
          "div",
          { class: "bar" },
          h("button", { type: "submit", class: "primary" }, "Run"),
          h("button", { type: "button", onclick: () => go(true) }, "Build request only"),
        ),
      );
      return setView(
        `Module ${m.name}`,
        h("p", {}, m.description),
        h(
          "p",
          {},
          badge(m.state),
          ` ${m.kind} · ${m.source}`,
          m.nodeId ? ` · MISP node id ${m.nodeId}` : "",
          m.blocking ? " · blocking" : "",
          m.supportFilters ? " · supports filters" : "",
          m.expectMispCoreFormat ? " · expects MISP core format" : "",
        ),
        m.error ? h("p", { class: "error-box" }, m.error) : null,
        m.settings.length
          ? [
              h("h2", {}, "Settings"),
              h(
                "ul",
                {},
                ...m.settings.map((s) => h("li", {}, h("code", {}, s.name), ` — ${s.description}${s.secret ? " (secret)" : ""}`)),
              ),
            ]
          : null,
        h("h2", {}, "Try it"),
        form,
        data ? data.el : null,
        out,
      );
    }
    const rows = modules.map((m) =>
      h(
        "tr",
        { class: "row" },
        h("td", {}, h("a", { href: `#/modules/${encodeURIComponent(m.name)}` }, m.name)),
        h("td", {}, m.kind),
        h("td", {}, m.source),
        h("td", {}, badge(m.state === "ready" ? "ok" : m.state)),
        h("td", {}, m.params.length || m.settings.length || ""),
        h("td", {}, (m.description || "").slice(0, 140)),
      ),
    );
    setView(
      "Modules",
      failures.length
        ? [h("h2", {}, "Load errors"), h("ul", {}, ...failures.map((f) => h("li", { class: "error" }, `${f.file}: ${f.error}`)))]
        : null,
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h("tr", {}, ...["Module", "Kind", "Source", "State", "Params", "Description"].map((t) => h("th", { scope: "col" }, t))),
        ),
        h("tbody", {}, rows),
      ),
    );
  } catch (e) {
    setView("Modules", errorBox(e));
  }
}

// ---------- outbox (docs/delivery.md) ----------
const fmtAge = (ms) =>
  ms === null || ms === undefined ? "—" : ms < 60000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60000)} min`;
async function outboxView(params) {
  const state = params.get("state") || "waiting";
  const form = h(
    "form",
    { class: "filters", role: "search" },
    field(
      "State",
      h(
        "select",
        { name: "state" },
        ...["waiting", "leased", "delivered", "dead"].map((o) => h("option", { value: o, selected: state === o }, o)),
      ),
    ),
    h("button", { type: "submit" }, "Show"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    location.hash = "#/outbox?" + new URLSearchParams([...new FormData(form)]);
  });
  const retry = async (id, button) => {
    button.disabled = true;
    try {
      const r = await api(`/outbox/${encodeURIComponent(id)}/retry`, {});
      button.replaceWith(h("span", { class: "muted" }, `queued again (${r.retried})`));
    } catch (e) {
      button.replaceWith(errorBox(e));
    }
  };
  try {
    const data = await api("/outbox?" + new URLSearchParams({ state, limit: "100" }));
    const st = data.stats;
    if (st.backend === "off")
      return setView("Outbox", h("p", { class: "muted" }, "The outbox is off (outbox.backend: off): every node delivers synchronously."));
    const summary = h(
      "p",
      {},
      `Backend ${st.backend} · ${st.depth} waiting · oldest ${fmtAge(st.oldestPendingAgeMs)} · ${st.dead} dead letters`,
      st.dead ? [" ", h("button", { type: "button", onclick: (e) => retry("all-dead", e.currentTarget) }, "Retry all dead letters")] : "",
    );
    const perModule = st.modules?.length
      ? h(
          "table",
          {},
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ...["Module", "Waiting", "In flight", "Delivered", "Dead", "Attempts", "Oldest"].map((t) => h("th", { scope: "col" }, t)),
            ),
          ),
          h(
            "tbody",
            {},
            st.modules.map((m) =>
              h(
                "tr",
                {},
                h("td", {}, m.module),
                h("td", {}, m.pending),
                h("td", {}, m.inFlight),
                h("td", {}, m.delivered),
                h("td", {}, m.dead),
                h("td", {}, m.attempts),
                h("td", {}, fmtAge(m.oldestPendingAgeMs)),
              ),
            ),
          ),
        )
      : null;
    const rows = data.jobs.map((j) =>
      h(
        "tr",
        { class: "row" },
        h("td", {}, h("code", {}, j.id)),
        h("td", {}, j.module),
        h("td", {}, j.destination),
        h("td", {}, badge(j.state)),
        h("td", {}, j.attempts),
        h("td", {}, fmtTime(j.createdAt)),
        h("td", {}, j.state === "pending" ? fmtTime(j.nextAt) : fmtTime(j.finishedAt)),
        h(
          "td",
          {},
          j.lastError || "",
          j.history?.length
            ? h(
                "details",
                {},
                h("summary", {}, `${j.history.length} attempt(s)`),
                h(
                  "ol",
                  {},
                  j.history.map((a) =>
                    h(
                      "li",
                      {},
                      `${fmtTime(a.at)} · ${a.result}${a.status ? ` · HTTP ${a.status}` : ""} · ${fmtMs(a.durationMs)}${a.error ? ` · ${a.error}` : ""}${a.excerpt ? ` · “${a.excerpt}”` : ""}`,
                    ),
                  ),
                ),
              )
            : "",
        ),
        h("td", {}, j.state === "dead" ? h("button", { type: "button", onclick: (e) => retry(j.id, e.currentTarget) }, "Retry") : ""),
      ),
    );
    setView(
      "Outbox",
      summary,
      perModule,
      form,
      rows.length
        ? h(
            "table",
            {},
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ...["Delivery id", "Module", "Destination", "State", "Attempts", "Queued", "Next / finished", "Last error", ""].map((t) =>
                  h("th", { scope: "col" }, t),
                ),
              ),
            ),
            h("tbody", {}, rows),
          )
        : h("p", { class: "muted" }, `No ${state} deliveries. Nodes whose Delivery is "queued" appear here.`),
    );
  } catch (e) {
    setView("Outbox", form, errorBox(e));
  }
}

// ---------- routing and theme ----------
async function route() {
  const [path, qs] = (location.hash.slice(1) || "/").split("?");
  const params = new URLSearchParams(qs || "");
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "runs" && parts[1]) return runDetail(parts[1]);
  if (parts[0] === "runs") return runsList(params);
  if (parts[0] === "queries" && parts[1]) return queryDetail(parts[1]);
  if (parts[0] === "queries") return queriesList(params);
  if (parts[0] === "template") return templateView();
  if (parts[0] === "hashpath") return hashpathView();
  if (parts[0] === "outbox") return outboxView(params);
  if (parts[0] === "modules") return modulesView(parts[1] ? decodeURIComponent(parts[1]) : undefined);
  return home();
}
const themeBtn = document.getElementById("theme");
const saved = localStorage.getItem("console-theme");
if (saved) document.documentElement.classList.add(saved);
themeBtn.addEventListener("click", () => {
  const dark =
    document.documentElement.classList.contains("dark") ||
    (!document.documentElement.classList.contains("light") && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.classList.remove("dark", "light");
  document.documentElement.classList.add(dark ? "light" : "dark");
  localStorage.setItem("console-theme", dark ? "light" : "dark");
});
window.addEventListener("hashchange", route);
refreshStatus();
setInterval(refreshStatus, 15000);
route();
