/* The widget: GET /widget.js wraps i18n.js, core.js and this file in one function, with PLANBOT_SCRIPT
   (its own <script> tag) and PLANBOT_CSS defined, so nothing leaks onto the host page. */
function planbotWidget() {
  var script = PLANBOT_SCRIPT;
  if (!script || !script.src) return;
  var base = new URL(script.src, location.href).origin;
  var i18n = PlanbotI18n.create(PlanbotI18n.detect());
  var el = PlanbotCore.el;
  var title = script.getAttribute("data-planbot-title") || i18n.t("openChat");
  var filters = null;
  var warning = "";
  var rawFilters = script.getAttribute("data-planbot-filters");
  if (rawFilters) {
    try {
      filters = JSON.parse(rawFilters);
    } catch (e) {
      warning = i18n.t("badFilters");
    }
  }

  var host = el("div", { id: "planbot-widget", "data-planbot-origin": base });
  var root = host.attachShadow({ mode: "open" });
  // A constructed sheet is not an inline style, so a host page's strict CSP does not block it.
  if ("adoptedStyleSheets" in root && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(PLANBOT_CSS);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.appendChild(el("style", { text: PLANBOT_CSS }));
  }

  var panelId = "pbw-panel";
  var launcher = el("button", {
    type: "button", className: "pbw-launcher", "aria-expanded": "false", "aria-controls": panelId, text: title,
  });
  var close = el("button", { type: "button", className: "pbw-close", text: i18n.t("close") });
  var body = el("div", { className: "pbw-body pb-chat" });
  var panel = el("section", { id: panelId, className: "pbw-panel", role: "dialog", "aria-label": title, hidden: true }, [
    el("div", { className: "pbw-head" }, [el("h2", { className: "pbw-title", text: title }), close]),
    body,
  ]);
  if (warning) body.appendChild(el("p", { className: "pbw-warning", role: "alert", text: warning }));
  root.appendChild(launcher);
  root.appendChild(panel);

  var chat = PlanbotCore.createChat(body, {
    base: base,
    i18n: i18n,
    storageKey: "planbot.widget.conversation:" + base,
    getFilters: function () { return filters; },
    linkTarget: "_blank",
  });

  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) chat.focus();
    else launcher.focus();
  }
  launcher.addEventListener("click", function () { setOpen(panel.hidden); });
  close.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") setOpen(false);
  });

  if (document.body) document.body.appendChild(host);
  else document.addEventListener("DOMContentLoaded", function () { document.body.appendChild(host); });
}
planbotWidget();
