/* The page's upload panel: send a plan with the API key, follow its job until it is searchable, show what
   could not be read, and correct the detected metadata. Server text is set with textContent only. */
(function () {
  "use strict";

  var el = PlanbotCore.el;
  var Problem = PlanbotApi.Problem;
  var POLL_MS = 500;
  // Statuses whose problem detail is completed by a hint saying what to do.
  var HINTS = { 401: "error401", 403: "error403", 409: "error409", 413: "error413", 415: "error415", 422: "error422" };
  // Fields PATCH /api/documents/{id} corrects, with their labels.
  var EDITABLE = [
    ["organisation", "fieldOrganisation"], ["kind", "fieldKind"], ["period", "fieldPeriod"],
    ["adopted", "fieldAdopted"], ["adopted_by", "fieldAdoptedBy"],
  ];

  var lang = PlanbotI18n.detect();
  var i18n = PlanbotI18n.create(lang);
  var $ = function (id) { return document.getElementById(id); };
  var panel = $("pb-upload");
  var form = $("pb-upload-form");
  var fileInput = $("pb-upload-file");
  var keyInput = $("pb-upload-key");
  var sendButton = $("pb-upload-send");
  var box = $("pb-upload-progress");
  var bar = $("pb-upload-bar");
  var figure = $("pb-upload-figure");
  var status = $("pb-upload-status");
  var errorBox = $("pb-upload-error");
  var result = $("pb-upload-result");
  // What is shown, kept so a language switch can word it again.
  var view = { phase: null, job: null, upload: null, started: 0, ended: 0, error: null, doc: null };
  var ticker = null;

  /* The key lives in this tab only (PlanbotApi.tabKey), shared with the tools page. */
  keyInput.value = PlanbotApi.tabKey.get();
  keyInput.addEventListener("change", function () { PlanbotApi.tabKey.set(keyInput.value); });

  function headers(extra) {
    var h = Object.assign({ Accept: "application/json" }, extra || {});
    var key = keyInput.value.trim();
    if (key) h.Authorization = "Bearer " + key;
    return h;
  }

  async function request(method, path, body, json) {
    var init = { method: method, headers: headers(json ? { "Content-Type": "application/json" } : null) };
    if (body !== undefined) init.body = json ? JSON.stringify(body) : body;
    var res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new Problem("", 0, String(e && e.message), true);
    }
    if (!res.ok) throw await PlanbotApi.problemFrom(res);
    return res.json();
  }

  function seconds() {
    return Math.round(((view.ended || Date.now()) - view.started) / 1000);
  }

  /* The phase in words: how many texts of how many, else what is being done. */
  function phaseText() {
    var job = view.job;
    var progress = job && job.progress;
    if (view.phase === "sending") return i18n.t("phaseSending");
    if (!progress || progress.phase === "queued") return i18n.t("phaseQueued");
    if (progress.phase === "reading") return i18n.t("phaseReading");
    if (progress.phase === "indexing") return i18n.t("phaseIndexing");
    if (progress.phase === "refining") return i18n.t("phaseRefining", { done: progress.done, total: progress.total });
    if (progress.phase === "done") return i18n.t("phaseDone");
    if (progress.phase === "failed") return i18n.t("phaseFailed");
    if (progress.total) return i18n.t("phaseEmbedding", { done: progress.done, total: progress.total });
    return i18n.t("phaseEmbeddingChunks", { chunks: view.upload ? view.upload.chunks : "" });
  }

  function percent() {
    var p = view.job && view.job.progress;
    if (!p || !p.total) return null;
    return Math.min(100, Math.floor((100 * p.done) / p.total));
  }

  /* The bar and its figure; an unknown total leaves the bar indeterminate (no value) rather than at 0. */
  function renderProgress() {
    var pct = percent();
    var words = phaseText();
    if (pct == null) {
      bar.removeAttribute("value");
      figure.textContent = i18n.t("progressFigureNoPercent", { phase: words, seconds: seconds() });
    } else {
      bar.value = pct;
      figure.textContent = i18n.t("progressFigure", { phase: words, percent: pct, seconds: seconds() });
    }
    bar.setAttribute("aria-valuetext", figure.textContent);
  }

  /* The live region speaks when the phase changes, not at every figure (that would drown a screen reader);
     the figure under the bar shows the same, so the region is for screen readers only while it runs. */
  function announce(phase) {
    if (phase === view.announced) return;
    view.announced = phase;
    say(phase === "done" ? "" : phaseText(), true);
  }

  function say(text, spokenOnly) {
    status.classList.toggle("pb-sr-only", !!spokenOnly);
    status.textContent = text;
  }

  function showError(problem) {
    view.error = problem;
    renderError();
  }

  function renderError() {
    errorBox.textContent = "";
    var e = view.error;
    if (!e) return;
    var title = i18n.t("uploadFailed") + (e.title ? ": " + e.title : "");
    var hint = e.network ? i18n.t("errorUploadNetwork") : HINTS[e.status] ? i18n.t(HINTS[e.status]) : i18n.t("errorTodo");
    errorBox.appendChild(el("div", { className: "pb-turn pb-error" }, [
      el("p", { className: "pb-error-title", text: title }),
      e.detail ? el("p", { className: "pb-error-detail", text: e.detail }) : null,
      el("p", { text: hint }),
    ]));
  }

  function startClock() {
    stopClock();
    ticker = window.setInterval(renderProgress, 1000);
  }

  function stopClock() {
    if (ticker) window.clearInterval(ticker);
    ticker = null;
  }

  function finish() {
    view.ended = Date.now();
    stopClock();
    sendButton.disabled = false;
    form.removeAttribute("aria-busy");
  }

  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    if (sendButton.disabled) return;
    var file = fileInput.files && fileInput.files[0];
    if (!file) {
      view.error = null;
      renderError();
      say(i18n.t("uploadNoFile"), false);
      fileInput.focus();
      return;
    }
    var data = new FormData();
    data.append("file", file, file.name);
    form.querySelectorAll(".pb-upload-meta input").forEach(function (input) {
      if (input.value.trim()) data.append(input.name, input.value.trim());
    });
    view = { phase: "sending", job: null, upload: null, started: Date.now(), ended: 0, error: null, doc: null };
    renderError();
    result.textContent = "";
    box.hidden = false;
    sendButton.disabled = true;
    form.setAttribute("aria-busy", "true");
    renderProgress();
    announce("sending");
    startClock();
    try {
      view.upload = await request("POST", "/api/documents", data, false);
    } catch (problem) {
      finish();
      box.hidden = true;
      say("", false);
      view.announced = null;
      showError(problem);
      return;
    }
    view.phase = "job";
    view.job = view.upload.job;
    renderProgress();
    follow(view.upload.job.url);
  });

  /* Polls the job until it is done or failed; a few lost polls in a row end it with the network error. */
  async function follow(url) {
    var misses = 0;
    for (;;) {
      var job;
      try {
        job = await request("GET", url);
        misses = 0;
      } catch (problem) {
        if (problem.network && ++misses < 5) {
          await sleep(POLL_MS * 2);
          continue;
        }
        finish();
        showError(problem);
        return;
      }
      view.job = job;
      renderProgress();
      announce(job.progress.phase);
      if (job.state === "done") return done(job);
      if (job.state === "failed") {
        finish();
        renderProgress();
        return showError(new Problem("", 0, job.error || "", false));
      }
      await sleep(POLL_MS);
    }
  }

  function sleep(ms) {
    return new Promise(function (resolve) { window.setTimeout(resolve, ms); });
  }

  async function done(job) {
    finish();
    bar.value = 100;
    renderProgress();
    var doc = null;
    try {
      var list = await request("GET", "/api/documents");
      doc = list.filter(function (d) { return d.id === job.document_id; })[0] || null;
      fillLists(list);
    } catch (e) { /* the result still shows what the upload said */ }
    view.doc = doc;
    renderResult();
    say(doneText(), true);
    document.dispatchEvent(new CustomEvent("planbot:documents-changed", { detail: job.document_id }));
  }

  function doneText() {
    var u = view.upload;
    var title = view.doc ? view.doc.title : u.title;
    return i18n.t("uploadDone", { title: title, seconds: seconds(), chunks: view.doc ? view.doc.chunks : u.chunks });
  }

  /* The result: a link to the document, pages that could not be read, and the metadata to correct. */
  function renderResult() {
    result.textContent = "";
    var u = view.upload;
    if (!u || !view.job || view.job.state !== "done") return;
    var id = u.document_id;
    var items = [
      el("p", { className: "pb-upload-done", text: doneText() }),
      el("p", {}, [el("a", { href: "/documents/" + encodeURIComponent(id), text: i18n.t("openDocument") })]),
    ];
    if (u.unreadable_pages && u.unreadable_pages.length) {
      items.push(el("p", { className: "pb-upload-pages pb-notice", text: i18n.t("unreadablePages", { pages: u.unreadable_pages.join(", ") }) }));
    }
    if (u.ocr_pages && u.ocr_pages.length) {
      items.push(el("p", { className: "pb-upload-ocr", text: i18n.t("ocrPages", { pages: u.ocr_pages.join(", ") }) }));
    }
    items.push(metadataForm(id, view.doc || u.metadata || {}));
    items.forEach(function (node) { result.appendChild(node); });
  }

  function metadataForm(id, current) {
    var inputs = {};
    var note = el("p", { className: "pb-hint", role: "status" });
    var fields = EDITABLE.map(function (pair) {
      var input = el("input", { type: "text", name: pair[0], value: current[pair[0]] || "", list: pair[0] === "kind" ? "pb-upload-kinds" : null });
      inputs[pair[0]] = input;
      return el("label", { className: "pb-field" }, [el("span", { text: i18n.t(pair[1]) }), input]);
    });
    var save = el("button", { type: "submit", className: "pb-upload-send", text: i18n.t("saveMeta") });
    return el("form", {
      className: "pb-upload-edit",
      novalidate: true,
      onsubmit: async function (ev) {
        ev.preventDefault();
        var changes = {};
        Object.keys(inputs).forEach(function (name) {
          var value = inputs[name].value.trim();
          if (value !== (current[name] || "")) changes[name] = value || null;
        });
        if (!Object.keys(changes).length) {
          note.textContent = i18n.t("metaUnchanged");
          return;
        }
        save.disabled = true;
        try {
          var doc = await request("PATCH", "/api/documents/" + encodeURIComponent(id), changes, true);
          current = doc;
          Object.keys(inputs).forEach(function (name) { inputs[name].value = doc[name] || ""; });
          view.doc = doc;
          view.error = null;
          renderError();
          note.textContent = i18n.t("metaSaved");
          document.dispatchEvent(new CustomEvent("planbot:documents-changed", { detail: id }));
        } catch (problem) {
          note.textContent = "";
          showError(problem);
        } finally {
          save.disabled = false;
        }
      },
    }, [
      el("fieldset", {}, [el("legend", { text: i18n.t("aboutDocument") }), el("p", { className: "pb-hint", text: i18n.t("aboutHint") })].concat(fields)),
      save, note,
    ]);
  }

  /* Document types and kinds already in the index, offered as suggestions (the server checks the values). */
  function fillLists(docs) {
    [["pb-upload-types", "doc_type"], ["pb-upload-kinds", "kind"]].forEach(function (pair) {
      var values = Array.from(new Set(docs.map(function (d) { return d[pair[1]]; }).filter(Boolean))).sort();
      $(pair[0]).replaceChildren.apply($(pair[0]), values.map(function (v) { return el("option", { value: v }); }));
    });
  }

  panel.addEventListener("toggle", function () {
    if (panel.open && !$("pb-upload-types").children.length) request("GET", "/api/documents").then(fillLists, function () {});
  });

  document.addEventListener("planbot:language", function (ev) {
    lang = ev.detail;
    i18n = PlanbotI18n.create(lang);
    if (!box.hidden) renderProgress();
    if (view.announced && view.announced !== "done") say(phaseText(), true);
    renderError();
    renderResult();
    if (view.job && view.job.state === "done") say(doneText(), true);
  });
})();
