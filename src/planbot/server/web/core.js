/* planbot chat: the streamed answer, citations, feedback and copying; shared by page and widget (api.js talks HTTP).
   Everything from the server is data: the DOM is built with createElement and textContent only. */
var PlanbotCore = (function () {
  "use strict";

  var uid = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value == null || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child != null) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  /* Mirrors planbot.routes.web.locator_anchor: "3 §" -> "loc-3-§". */
  function locatorAnchor(locator) {
    var slug = String(locator).toLowerCase().replace(/[^\p{L}\p{N}_§]+/gu, "-").replace(/^-+|-+$/g, "");
    return "loc-" + (slug || "x");
  }

  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  var Problem = PlanbotApi.Problem;

  /* The passage text with the quote marked; falls back to the quote alone when it is not found verbatim. */
  function passageWithQuote(text, quote) {
    var box = el("p", { className: "pb-passage-text" });
    var at = quote ? text.indexOf(quote) : -1;
    if (at < 0) {
      if (text) box.appendChild(document.createTextNode(text));
      if (quote && at < 0) return el("div", {}, [el("p", {}, [el("mark", { text: quote })]), text ? box : null]);
      return box;
    }
    box.appendChild(document.createTextNode(text.slice(0, at)));
    box.appendChild(el("mark", { text: quote }));
    box.appendChild(document.createTextNode(text.slice(at + quote.length)));
    return box;
  }

  function documentHref(base, citation) {
    return base + "/documents/" + encodeURIComponent(citation.document_id) + "#" + locatorAnchor(citation.locator);
  }

  /* The citation's place, "" when its locator only repeats the title; and its label (api.js has the rule). */
  function place(c) { return PlanbotApi.citationPlace(c.title, c.locator); }
  function citationLabel(c) { return PlanbotApi.citationLabel(c.title, c.locator); }

  /* Plain text and HTML of an answer with its numbered sources, ready to paste into a report. */
  function copyPayload(answer, i18n, base) {
    var lines = [answer.answer, "", i18n.t("sources") + ":"];
    var html = el("div", {}, [el("p", { text: answer.answer }), el("p", {}, [el("strong", { text: i18n.t("sources") })])]);
    var list = el("ol");
    answer.citations.forEach(function (c) {
      var url = safeUrl(c.source_url) || new URL(documentHref(base, c), location.href).href;
      lines.push("[" + c.n + "] " + citationLabel(c) + ". " + url);
      list.appendChild(el("li", { value: c.n }, [citationLabel(c) + ". ", el("a", { href: url, text: url })]));
    });
    html.appendChild(list);
    return { text: lines.join("\n"), html: html.innerHTML };
  }

  async function copyToClipboard(payload) {
    if (window.ClipboardItem && navigator.clipboard && navigator.clipboard.write) {
      try {
        await navigator.clipboard.write([
          new ClipboardItem({
            "text/plain": new Blob([payload.text], { type: "text/plain" }),
            "text/html": new Blob([payload.html], { type: "text/html" }),
          }),
        ]);
        return;
      } catch (e) {
        /* Some browsers refuse rich text; plain text still helps. */
      }
    }
    await navigator.clipboard.writeText(payload.text);
  }

  /* A thumb drawn as SVG: emoji render as empty boxes where no emoji font is installed. */
  function thumb(down) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    [["viewBox", "0 0 24 24"], ["width", "18"], ["height", "18"], ["aria-hidden", "true"], ["focusable", "false"],
      ["fill", "none"], ["stroke", "currentColor"], ["stroke-width", "2"], ["stroke-linecap", "round"],
      ["stroke-linejoin", "round"], ["class", "pb-thumb"]].forEach(function (a) { svg.setAttribute(a[0], a[1]); });
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M7 10v11M3 11h4v10H3zM7 11l4-8a3 3 0 0 1 3 3v4h5a2 2 0 0 1 2 2.3l-1.4 7A2 2 0 0 1 17.6 21H7");
    if (down) path.setAttribute("transform", "rotate(180 12 12)");
    svg.appendChild(path);
    return svg;
  }

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  /* A chat in `mount`: transcript, question box, new-conversation button. opts: base, i18n, storageKey, getFilters. */
  function createChat(mount, opts) {
    var base = opts.base || "";
    var api = PlanbotApi.createApi(base);
    var i18n = opts.i18n;
    var prefix = "pb" + ++uid + "-";
    var store = storage();
    // `stream` aborts the answer in flight, so a new conversation never receives the old one's events.
    var state = { conversationId: store && store.getItem(opts.storageKey), turns: [], busy: false, stream: null };

    var transcript = el("div", { className: "pb-transcript", role: "log", "aria-live": "polite", "aria-relevant": "additions text" });
    var question = el("textarea", { id: prefix + "q", className: "pb-input", rows: 2, maxlength: 2000 });
    var hint = el("p", { className: "pb-hint", id: prefix + "hint", "aria-live": "assertive" });
    var label = el("label", { for: prefix + "q", className: "pb-label" });
    var sendButton = el("button", { type: "submit", className: "pb-send" });
    var newButton = el("button", { type: "button", className: "pb-new", onclick: newConversation });
    var deleteButton = el("button", { type: "button", className: "pb-delete", onclick: deleteConversation });
    var form = el("form", { className: "pb-form", novalidate: true, onsubmit: onSubmit }, [
      label, el("div", { className: "pb-input-row" }, [question, sendButton]), hint,
    ]);
    question.setAttribute("aria-describedby", prefix + "hint");
    question.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        form.requestSubmit();
      }
    });
    mount.appendChild(transcript);
    mount.appendChild(form);
    mount.appendChild(el("div", { className: "pb-toolbar" }, [newButton, deleteButton]));

    function labels() {
      label.textContent = i18n.t("questionLabel");
      question.placeholder = i18n.t("placeholder");
      sendButton.textContent = i18n.t("send");
      newButton.textContent = i18n.t("newConversation");
      deleteButton.textContent = i18n.t("deleteConversation");
    }

    function onSubmit(ev) {
      ev.preventDefault();
      var text = question.value.trim();
      if (!text) {
        hint.textContent = i18n.t("emptyQuestion");
        question.focus();
        return;
      }
      if (state.busy) return;
      hint.textContent = "";
      question.value = "";
      ask(text);
    }

    async function ask(text) {
      var turn = { question: text, answer: null, live: "", error: null };
      var stream = new AbortController();
      var live = function (handler) {
        return function (data) { if (!stream.signal.aborted) handler(data); };
      };
      state.turns.push(turn);
      state.stream = stream;
      setBusy(true);
      renderTurn(turn);
      var body = {
        conversation_id: state.conversationId || null,
        message: text,
        filters: opts.getFilters ? opts.getFilters() : null,
        top_k: 5,
      };
      try {
        await api.stream(body, {
          token: live(function (data) {
            turn.live += data.text || "";
            turn.liveNode.textContent = turn.live;
          }),
          citations: live(function (answer) {
            turn.answer = answer;
            remember(answer.conversation_id);
            renderTurn(turn);
          }),
          done: live(function (data) {
            remember(data.conversation_id);
          }),
        }, stream.signal);
      } catch (problem) {
        if (stream.signal.aborted) return;
        turn.error = problem instanceof Problem ? problem : new Problem("", 0, String(problem), false);
        if (turn.answer) turn.error = null;
        renderTurn(turn);
      } finally {
        if (state.stream === stream) {
          state.stream = null;
          setBusy(false);
        }
      }
    }

    function setBusy(busy) {
      state.busy = busy;
      sendButton.disabled = busy;
      transcript.setAttribute("aria-busy", busy ? "true" : "false");
    }

    function remember(id) {
      if (!id) return;
      state.conversationId = id;
      if (store) store.setItem(opts.storageKey, id);
    }

    function newConversation() {
      if (state.stream) state.stream.abort();
      state.stream = null;
      setBusy(false);
      state.conversationId = null;
      state.turns = [];
      if (store) store.removeItem(opts.storageKey);
      transcript.textContent = "";
      hint.textContent = "";
      question.focus();
    }

    /* Delete the conversation on the server (only its owner can), then start a new one. */
    async function deleteConversation() {
      var id = state.conversationId;
      if (id) {
        try {
          await api.json("DELETE", "/api/conversations/" + encodeURIComponent(id));
        } catch (problem) {
          if (problem.status !== 404) {
            hint.textContent = i18n.t("deleteFailed");
            return;
          }
        }
      }
      newConversation();
      hint.textContent = id ? i18n.t("deleted") : "";
    }

    async function restore() {
      if (!state.conversationId) return;
      try {
        var conv = await api.json("GET", "/api/conversations/" + encodeURIComponent(state.conversationId));
      } catch (problem) {
        if (problem.status === 404 && store) store.removeItem(opts.storageKey);
        if (problem.status === 404) state.conversationId = null;
        else hint.textContent = i18n.t("restoreFailed");
        return;
      }
      var pending = null;
      (conv.turns || []).forEach(function (t) {
        if (t.role === "user") {
          pending = { question: t.content, answer: null, live: "", error: null };
          state.turns.push(pending);
        } else if (pending) {
          pending.answer = t.answer || { answer: t.content, refused: false, citations: [], passages: [], message_id: t.message_id };
          pending = null;
        }
      });
      renderAll();
    }

    function renderAll() {
      transcript.textContent = "";
      state.turns.forEach(function (turn) {
        turn.node = null;
        renderTurn(turn);
      });
    }

    function renderTurn(turn) {
      var node = el("div", { className: "pb-exchange" }, [
        el("div", { className: "pb-turn pb-user" }, [
          el("span", { className: "pb-who", text: i18n.t("you") }),
          el("p", { className: "pb-question", text: turn.question }),
        ]),
        renderReply(turn),
      ]);
      if (turn.node && turn.node.parentNode === transcript) transcript.replaceChild(node, turn.node);
      else transcript.appendChild(node);
      turn.node = node;
    }

    function renderReply(turn) {
      if (turn.error) return renderError(turn);
      if (!turn.answer) {
        turn.liveNode = el("p", { className: "pb-answer-text pb-live", text: turn.live || i18n.t("searching") });
        return el("div", { className: "pb-turn pb-bot" }, [el("span", { className: "pb-who", text: i18n.t("bot") }), turn.liveNode]);
      }
      var answer = turn.answer;
      var reply = el("div", { className: "pb-turn pb-bot" + (answer.refused ? " pb-refused" : "") });
      reply.appendChild(el("span", { className: "pb-who", text: i18n.t("bot") }));
      if (answer.standalone_question && answer.standalone_question !== turn.question) {
        reply.appendChild(el("p", { className: "pb-standalone", text: i18n.t("interpretedAs", { q: answer.standalone_question }) }));
      }
      if (answer.refused) {
        reply.appendChild(el("div", { className: "pb-notice", role: "note" }, [
          el("span", { className: "pb-notice-icon", "aria-hidden": "true", text: "ℹ" }),
          el("div", {}, [el("p", { className: "pb-notice-title", text: i18n.t("refusedTitle") }), el("p", { className: "pb-answer-text", text: answer.answer })]),
        ]));
      } else {
        var passageSlot = el("div", { className: "pb-passage-slot" });
        reply.appendChild(renderAnswerText(answer, passageSlot));
        reply.appendChild(passageSlot);
        reply.appendChild(renderSources(answer));
      }
      if (answer.note) reply.appendChild(el("p", { className: "pb-note", text: answer.note }));
      reply.appendChild(renderActions(turn));
      return reply;
    }

    function renderAnswerText(answer, slot) {
      var box = el("div", { className: "pb-answer-text" });
      var byN = {};
      answer.citations.forEach(function (c) { byN[c.n] = c; });
      var paragraphs = String(answer.answer).split(/\n{2,}/);
      var parts = answer.parts || [];
      paragraphs.forEach(function (para, i) {
        var p = el("p");
        // A message that asked two or three things: each paragraph opens with the question it answers.
        var lead = parts.length === paragraphs.length ? parts[i].question + " – " : "";
        if (lead && para.indexOf(lead) === 0) {
          p.appendChild(el("strong", { className: "pb-part-question", text: parts[i].question }));
          p.appendChild(document.createTextNode(" – "));
          para = para.slice(lead.length);
        }
        para.split(/(\[\d+\])/).forEach(function (piece) {
          var m = /^\[(\d+)\]$/.exec(piece);
          var c = m && byN[Number(m[1])];
          if (!c) {
            if (piece) p.appendChild(document.createTextNode(piece));
            return;
          }
          p.appendChild(citeButton(c, answer, slot));
        });
        box.appendChild(p);
      });
      return box;
    }

    function citeButton(c, answer, slot) {
      var button = el("button", {
        type: "button", className: "pb-cite", "aria-expanded": "false",
        "aria-label": i18n.t("citation", { n: c.n, label: citationLabel(c) }),
        text: "[" + c.n + "]",
      });
      button.addEventListener("click", function () { togglePassage(button, c, answer, slot); });
      return button;
    }

    function togglePassage(button, c, answer, slot) {
      var open = button.getAttribute("aria-expanded") === "true";
      slot.textContent = "";
      slot.parentNode.querySelectorAll(".pb-cite").forEach(function (b) { b.setAttribute("aria-expanded", "false"); });
      if (open) return;
      var id = prefix + "passage-" + ++uid;
      var passage = (answer.passages || []).find(function (p) {
        return p.document_id === c.document_id && p.locator === c.locator;
      });
      var close = el("button", { type: "button", className: "pb-close", text: i18n.t("close") });
      // The place in the document; a locator that only repeats the title says nothing more.
      var where = [place(c), c.period_note].filter(Boolean).join(" · ");
      var panel = el("section", { className: "pb-passage", id: id, tabindex: "-1", "aria-label": i18n.t("citation", { n: c.n, label: citationLabel(c) }) }, [
        el("h3", { className: "pb-passage-title", text: "[" + c.n + "] " + c.title }),
        where ? el("p", { className: "pb-locator", text: where }) : null,
        passageWithQuote(passage ? passage.text : "", c.quote),
        el("p", { className: "pb-links" }, [
          el("a", { href: documentHref(base, c), target: opts.linkTarget || null, text: i18n.t("showInDocument") }),
          safeUrl(c.source_url) ? el("a", { href: safeUrl(c.source_url), rel: "noopener noreferrer", target: "_blank", text: i18n.t("source") }) : null,
          close,
        ]),
      ]);
      close.addEventListener("click", function () {
        slot.textContent = "";
        button.setAttribute("aria-expanded", "false");
        button.focus();
      });
      slot.appendChild(panel);
      button.setAttribute("aria-expanded", "true");
      button.setAttribute("aria-controls", id);
    }

    function renderSources(answer) {
      if (!answer.citations.length) return null;
      var list = el("ol", { className: "pb-sources" });
      answer.citations.forEach(function (c) {
        list.appendChild(el("li", { value: c.n }, [
          el("a", { href: documentHref(base, c), target: opts.linkTarget || null, text: c.title }),
          place(c) ? ", " + place(c) : null,
          c.period_note ? el("span", { className: "pb-period-note", text: " (" + c.period_note + ")" }) : null,
        ]));
      });
      return el("div", { className: "pb-sources-box" }, [el("p", { className: "pb-sources-title", text: i18n.t("sources") }), list]);
    }

    function renderActions(turn) {
      var answer = turn.answer;
      var status = el("p", { className: "pb-status", role: "status" });
      var row = el("div", { className: "pb-actions" });
      if (!answer.refused && answer.citations.length) {
        row.appendChild(el("button", {
          type: "button", className: "pb-copy", text: i18n.t("copy"),
          onclick: function () {
            copyToClipboard(copyPayload(answer, i18n, base)).then(
              function () { status.textContent = i18n.t("copied"); },
              function () { status.textContent = i18n.t("copyFailed"); }
            );
          },
        }));
      }
      var comment = el("div", { className: "pb-comment", hidden: true });
      [["up", "helpful"], ["down", "notHelpful"]].forEach(function (spec) {
        row.appendChild(el("button", {
          type: "button", className: "pb-rate pb-rate-" + spec[0], "aria-pressed": turn.rating === spec[0] ? "true" : "false",
          "aria-label": i18n.t(spec[1]), title: i18n.t(spec[1]),
          onclick: function (ev) { rate(turn, spec[0], null, status, row, comment, ev.currentTarget); },
        }, [thumb(spec[0] === "down")]));
      });
      var boxId = prefix + "comment-" + ++uid;
      var text = el("textarea", { id: boxId, className: "pb-comment-text", rows: 2, maxlength: 2000 });
      comment.appendChild(el("label", { for: boxId, text: i18n.t("comment") }));
      comment.appendChild(text);
      comment.appendChild(el("button", {
        type: "button", className: "pb-comment-send", text: i18n.t("sendComment"),
        onclick: function () { rate(turn, turn.rating, text.value, status, row, comment, null); },
      }));
      return el("div", { className: "pb-footer" }, [row, comment, status]);
    }

    async function rate(turn, rating, comment, status, row, commentBox, button) {
      var answer = turn.answer;
      // One verdict per answer: the server replaces an earlier one with the same message_id.
      turn.feedbackId = turn.feedbackId || answer.message_id || "client-" + Date.now().toString(36) + Math.random().toString(36).slice(2);
      try {
        await api.json("POST", "/api/feedback", {
          message_id: turn.feedbackId,
          conversation_id: answer.conversation_id || state.conversationId || null,
          question: turn.question,
          answer: answer.answer,
          rating: rating,
          comment: comment ? comment.trim() || null : null,
        });
      } catch (problem) {
        status.textContent = i18n.t("feedbackFailed", { detail: problem.detail || problem.title || i18n.t("errorTodo") });
        return;
      }
      turn.rating = rating;
      row.querySelectorAll(".pb-rate").forEach(function (b) {
        b.setAttribute("aria-pressed", b.classList.contains("pb-rate-" + rating) ? "true" : "false");
      });
      status.textContent = i18n.t(comment ? "commentSaved" : "feedbackThanks");
      if (button) commentBox.hidden = false;
    }

    function renderError(turn) {
      var e = turn.error;
      var detail = e.network ? i18n.t("errorNetwork") : e.detail || (e.status ? "" : i18n.t("errorCut"));
      var todo = e.status >= 400 && e.status < 500 ? "" : i18n.t("errorTodo");
      var retry = el("button", {
        type: "button", className: "pb-retry", text: i18n.t("retry"),
        onclick: function () {
          state.turns.splice(state.turns.indexOf(turn), 1);
          if (turn.node) transcript.removeChild(turn.node);
          ask(turn.question);
        },
      });
      return el("div", { className: "pb-turn pb-bot pb-error", role: "alert" }, [
        el("p", { className: "pb-error-title", text: i18n.t("errorTitle") + (e.title ? ": " + e.title : "") }),
        detail ? el("p", { className: "pb-error-detail", text: detail }) : null,
        todo ? el("p", { className: "pb-error-todo", text: todo }) : null,
        retry,
      ]);
    }

    labels();
    restore();
    return {
      setI18n: function (next) { i18n = next; labels(); renderAll(); },
      focus: function () { question.focus(); },
      api: api,
    };
  }

  return { createChat: createChat, createApi: PlanbotApi.createApi, locatorAnchor: locatorAnchor, el: el };
})();
