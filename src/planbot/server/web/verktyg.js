// The plan tools page: Lagkoll, Ansökan (application support) and Jämför (compare), over /api/*.
// Every text from the server is set with textContent, never as HTML.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    }
    for (const c of children) if (c) node.append(c);
    return node;
  }

  // -- API key -----------------------------------------------------------------------------------
  // Kept for this tab only and shared with the chat page's upload panel (PlanbotApi.tabKey in api.js).
  const keyInput = $("vk-key");
  keyInput.value = PlanbotApi.tabKey.get();
  keyInput.addEventListener("input", () => PlanbotApi.tabKey.set(keyInput.value));

  // What to do about a refused key, after the server's own problem detail.
  const KEY_HINTS = {
    401: "Skriv rätt API-nyckel (PLANBOT_API_KEY) i fältet API-nyckel och försök igen.",
    403: "Den här planbot tar inte emot uppladdningar utan nyckel. Be den som driver planbot om API-nyckeln.",
  };

  async function call(url, options) {
    const init = Object.assign({}, options);
    const key = keyInput.value.trim();
    // The key is sent whenever one is typed: it is needed for an upload and also opens a read-keyed planbot.
    if (key) init.headers = Object.assign({}, init.headers, { Authorization: `Bearer ${key}` });
    const res = await fetch(url, init);
    const type = res.headers.get("content-type") || "";
    const body = type.includes("json") ? await res.json() : await res.text();
    if (!res.ok) {
      const problem = new Error((body && body.detail) || `Fel ${res.status}`);
      problem.status = res.status;
      problem.title = (body && body.title) || res.statusText;
      throw problem;
    }
    return body;
  }

  function postJSON(url, data) {
    return call(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(data) });
  }

  function download(url, data, name) {
    postJSON(url, data).then((text) => {
      const link = el("a", { href: URL.createObjectURL(new Blob([text])), download: name });
      document.body.append(link); link.click(); link.remove();
    }).catch((e) => alert(e.message));
  }

  function docLink(documentId, locator, label) {
    const slug = locator.toLowerCase().replace(/[^\p{L}\p{N}_§]+/gu, "-").replace(/^-+|-+$/g, "") || "x";
    return el("a", { href: `/documents/${encodeURIComponent(documentId)}#loc-${slug}`, text: label });
  }

  // -- tabs ------------------------------------------------------------------------------------
  const tabs = ["lagkoll", "support", "compare"];
  function show(name) {
    for (const t of tabs) {
      $(`vk-tab-${t}`).setAttribute("aria-selected", String(t === name));
      $(`vk-${t}`).hidden = t !== name;
    }
    history.replaceState(null, "", `#${name}`);
  }
  for (const t of tabs) $(`vk-tab-${t}`).addEventListener("click", () => show(t));
  for (const b of document.querySelectorAll(".vk-print")) b.addEventListener("click", () => window.print());

  // -- documents --------------------------------------------------------------------------------
  function checkboxes(container, docs, name) {
    container.replaceChildren(...docs.map((d) => el("label", {},
      el("input", { type: "checkbox", name, value: d.id }), ` ${d.title}`)));
  }
  function checked(container) {
    return [...container.querySelectorAll("input:checked")].map((i) => i.value);
  }

  call("/api/documents").then((docs) => {
    // Plans first: documents whose kind (from the plan metadata) is a plan; else anything but laws and press releases.
    const PLAN_KINDS = ["biblioteksplan", "skolbiblioteksplan", "regional biblioteksplan", "kulturplan"];
    const kinded = docs.filter((d) => PLAN_KINDS.includes(d.kind));
    const plans = kinded.length ? kinded : docs.filter((d) => d.doc_type !== "lag" && d.doc_type !== "pressmeddelande");
    const select = $("vk-lagkoll-doc");
    select.replaceChildren(...plans.map((d) => el("option", { value: d.id, text: `${d.title} (${d.doc_type})` })));
    checkboxes($("vk-support-docs"), plans, "support-doc");
    checkboxes($("vk-compare-docs"), docs, "compare-doc");
  }).catch((e) => { $("vk-lagkoll-status").textContent = e.message; });

  // -- lagkoll ------------------------------------------------------------------------------------
  const LABEL = { behandlas: "Behandlas", "nämns": "Nämns", saknas: "Saknas" };
  function renderLagkoll(r) {
    const out = $("vk-lagkoll-out");
    const c = r.counts;
    out.replaceChildren(el("h2", { text: `Lagkoll: ${r.title}` }),
      el("p", { text: `Behandlas ${c.behandlas} · nämns ${c["nämns"]} · saknas ${c.saknas}` }));
    for (const q of r.requirements) {
      const quotes = el("ul", { class: "vk-quotes" });
      for (const e of q.evidence) {
        quotes.append(el("li", {}, `”${e.quote}” `, docLink(e.document_id, e.locator, `(${e.locator})`)));
      }
      const plan = q.evidence.length ? quotes : el("p", { class: "vk-none", text: "Inget ställe i planen." });
      const law = el("blockquote", { class: "vk-law" }, q.law.text,
        el("span", { class: "vk-cite" }, "— ", docLink(q.law.document_id, q.law.locator, PlanbotApi.citationLabel(q.law.title, q.law.locator))));
      out.append(el("article", { class: `vk-req vk-${q.status}` },
        el("h3", {}, el("span", { class: "vk-badge", text: LABEL[q.status] }), ` ${q.title}${q.optional ? " (där det är relevant)" : ""}`),
        el("div", { class: "vk-pair" }, law, plan)));
    }
  }

  // A refused key in full: what the server said, then what to do, and the key field ready for it.
  function showKeyProblem(box, e) {
    box.replaceChildren(
      el("p", { class: "pb-error-title", text: `Planen kunde inte kontrolleras: ${e.title} (${e.status})` }),
      el("p", { text: e.message }),
      el("p", { text: KEY_HINTS[e.status] }));
    box.hidden = false;
    keyInput.focus();
  }

  // A plan chosen from disk needs no indexed one: while the list loads, or before any plan is indexed, the
  // empty required list would otherwise stop the form from being sent at all.
  $("vk-lagkoll-file").addEventListener("change", (ev) => { $("vk-lagkoll-doc").required = !ev.target.files.length; });

  $("vk-lagkoll-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const status = $("vk-lagkoll-status");
    const errorBox = $("vk-lagkoll-error");
    const file = $("vk-lagkoll-file").files[0];
    errorBox.hidden = true;
    errorBox.replaceChildren();
    status.textContent = file ? "Läser in och indexerar planen …" : "Kontrollerar …";
    try {
      let report;
      if (file) {
        const form = new FormData(); form.append("file", file);
        report = await call("/api/lagkoll", { method: "POST", body: form });
      } else {
        report = await postJSON("/api/lagkoll", { document_id: $("vk-lagkoll-doc").value });
      }
      renderLagkoll(report);
      const body = { document_id: report.document_id };
      $("vk-lagkoll-md").onclick = (e) => { e.preventDefault(); download("/api/lagkoll?format=md", body, `lagkoll-${report.document_id}.md`); };
      $("vk-lagkoll-csv").onclick = (e) => { e.preventDefault(); download("/api/lagkoll?format=csv", body, `lagkoll-${report.document_id}.csv`); };
      $("vk-lagkoll-exports").hidden = false;
      status.textContent = "";
    } catch (e) {
      if (KEY_HINTS[e.status]) { status.textContent = ""; showKeyProblem(errorBox, e); } else status.textContent = e.message;
    }
  });

  // -- support ------------------------------------------------------------------------------------
  $("vk-support-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const status = $("vk-support-status");
    status.textContent = "Söker …";
    const ids = checked($("vk-support-docs"));
    try {
      const r = await postJSON("/api/support", { description: $("vk-support-text").value, document_ids: ids.length ? ids : null });
      const list = el("ol", {});
      for (const i of r.items) {
        list.append(el("li", { value: String(i.n) }, `”${i.quote}” `, docLink(i.document_id, i.locator, PlanbotApi.citationLabel(i.title, i.locator))));
      }
      $("vk-support-out").replaceChildren(
        el("h2", { text: "Stycke till ansökan" }), el("p", { class: "vk-paragraph", text: r.paragraph }),
        r.note ? el("p", { class: "vk-status", text: r.note }) : null,
        el("h2", { text: "Mål och lagrum som projektet stöder" }), list,
        el("p", { class: "vk-status", text: `Sökta dokument: ${r.searched.map((d) => d.title).join(", ") || "inga"}` }));
      status.textContent = "";
    } catch (e) { status.textContent = e.message; }
  });

  // -- compare -------------------------------------------------------------------------------------
  $("vk-compare-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const status = $("vk-compare-status");
    const body = { question: $("vk-compare-q").value, document_ids: checked($("vk-compare-docs")) };
    status.textContent = "Jämför …";
    try {
      const r = await postJSON("/api/compare", body);
      $("vk-compare-out").replaceChildren(...r.columns.map((c) => {
        const col = el("article", { class: "vk-column" }, el("h3", { text: c.title }));
        if (c.refused) col.append(el("p", { class: "vk-none", text: "Nämns inte." }));
        else {
          col.append(el("p", { text: c.text }));
          const cites = el("ol", { class: "vk-quotes" });
          for (const q of c.answer.citations) {
            cites.append(el("li", { value: String(q.n) }, `”${q.quote}” `, docLink(q.document_id, q.locator, `(${q.locator})`)));
          }
          col.append(cites);
        }
        return col;
      }));
      $("vk-compare-csv").onclick = (e) => { e.preventDefault(); download("/api/compare?format=csv", body, "jamforelse.csv"); };
      $("vk-compare-exports").hidden = false;
      status.textContent = "";
    } catch (e) { status.textContent = e.message; }
  });

  const start = location.hash.slice(1);
  if (tabs.includes(start)) show(start);
})();
