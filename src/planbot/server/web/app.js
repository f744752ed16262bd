/* The chat page: language switch, filters from /api/documents, and the shared chat (uploads: upload.js). */
(function () {
  "use strict";

  var el = PlanbotCore.el;
  var lang = PlanbotI18n.detect();
  var i18n = PlanbotI18n.create(lang);
  var docs = [];
  var typeBox = document.getElementById("pb-doc-types");
  var docList = document.getElementById("pb-doc-list");
  var dateFrom = document.getElementById("pb-date-from");
  var dateTo = document.getElementById("pb-date-to");
  var summary = document.getElementById("pb-filters-summary");

  var chat = PlanbotCore.createChat(document.getElementById("pb-chat"), {
    base: "",
    i18n: i18n,
    storageKey: "planbot.conversation",
    getFilters: currentFilters,
  });

  function checked(container) {
    return Array.prototype.filter.call(container.querySelectorAll("input:checked"), Boolean).map(function (i) { return i.value; });
  }

  function currentFilters() {
    var f = {};
    var types = checked(typeBox);
    var ids = checked(docList);
    if (types.length) f.doc_type = types;
    if (ids.length) f.document_id = ids;
    if (dateFrom.value) f.date_from = dateFrom.value;
    if (dateTo.value) f.date_to = dateTo.value;
    return Object.keys(f).length ? f : null;
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.title = "planbot – " + i18n.t("title");
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = i18n.t(node.getAttribute("data-i18n"));
    });
    document.querySelectorAll("#pb-lang button").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-lang") === lang ? "true" : "false");
    });
    renderFilters();
    // upload.js words its own live text in the page's language.
    document.dispatchEvent(new CustomEvent("planbot:language", { detail: lang }));
  }

  function countSelected() {
    var f = currentFilters() || {};
    var n = (f.doc_type || []).length + (f.document_id || []).length + (f.date_from ? 1 : 0) + (f.date_to ? 1 : 0);
    summary.textContent = n ? i18n.t("filtersActive", { n: n }) : i18n.t("filters");
  }

  function checkbox(name, value, text, isChecked) {
    return el("label", { className: "pb-check" }, [
      el("input", { type: "checkbox", name: name, value: value, checked: isChecked }), " ", text,
    ]);
  }

  /* The document's metadata line: kind, organisation, period (marked when it is not in force). */
  function docLine(d) {
    var parts = [i18n.docType(d.kind || d.doc_type)];
    if (d.organisation) parts.push(d.organisation);
    if (d.period) parts.push(d.in_force === false ? (lang === "en" ? "in force " : "gällde ") + d.period : d.period);
    return parts.join(", ");
  }

  function renderFilters() {
    var chosenTypes = checked(typeBox);
    var chosenDocs = checked(docList);
    typeBox.querySelectorAll(".pb-check").forEach(function (n) { n.remove(); });
    docList.textContent = "";
    var types = Array.from(new Set(docs.map(function (d) { return d.doc_type; }))).sort(function (a, b) {
      return i18n.docType(a).localeCompare(i18n.docType(b), lang);
    });
    types.forEach(function (type) {
      typeBox.appendChild(checkbox("doc_type", type, i18n.docType(type), chosenTypes.indexOf(type) >= 0));
    });
    docs.filter(function (d) { return !chosenTypes.length || chosenTypes.indexOf(d.doc_type) >= 0; })
      .forEach(function (d) {
        docList.appendChild(checkbox("document_id", d.id, d.title + " (" + docLine(d) + ")", chosenDocs.indexOf(d.id) >= 0));
      });
    countSelected();
  }

  document.getElementById("pb-filters").addEventListener("change", function (ev) {
    if (ev.target.name === "doc_type") renderFilters();
    else countSelected();
  });
  document.getElementById("pb-clear-filters").addEventListener("click", function () {
    document.querySelectorAll("#pb-filters input[type=checkbox]").forEach(function (i) { i.checked = false; });
    dateFrom.value = "";
    dateTo.value = "";
    renderFilters();
  });
  document.getElementById("pb-lang").addEventListener("click", function (ev) {
    var next = ev.target.getAttribute && ev.target.getAttribute("data-lang");
    if (!next || next === lang) return;
    lang = next;
    PlanbotI18n.remember(lang);
    i18n = PlanbotI18n.create(lang);
    applyLanguage();
    chat.setI18n(i18n);
  });

  function loadDocuments() {
    chat.api.json("GET", "/api/documents").then(
      function (list) { docs = list || []; renderFilters(); },
      function () { document.getElementById("pb-filters-hint").textContent = i18n.t("documentsFailed"); }
    );
  }

  // An upload that became searchable, or whose metadata was corrected, belongs in the filters.
  document.addEventListener("planbot:documents-changed", loadDocuments);
  loadDocuments();
  applyLanguage();
})();
