/* planbot's HTTP API for the page and the widget: JSON calls, problem JSON as errors, and the SSE answer stream.
   No DOM here; core.js renders what these calls return. */
var PlanbotApi = (function () {
  "use strict";

  /* What went wrong, in the server's problem-JSON terms; `network` when no HTTP answer came at all. */
  function Problem(title, status, detail, network) {
    this.title = title;
    this.status = status;
    this.detail = detail;
    this.network = !!network;
  }

  async function problemFrom(res) {
    try {
      var body = await res.json();
      return new Problem(body.title || res.statusText, res.status, body.detail || "", false);
    } catch (e) {
      return new Problem(res.statusText || "HTTP " + res.status, res.status, "", false);
    }
  }

  function isAbort(error, signal) {
    return (signal && signal.aborted) || (error && error.name === "AbortError");
  }

  /* One Server-Sent Events block ("event: x\ndata: {...}") as {name, data}; null for comments or bad JSON. */
  function parseEvent(block) {
    var name = "message";
    var data = [];
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event:") === 0) name = line.slice(6).trim();
      else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
    });
    if (!data.length) return null;
    try {
      return { name: name, data: JSON.parse(data.join("\n")) };
    } catch (e) {
      return null;
    }
  }

  /* Feeds text in and hands out each complete event; a block may arrive split over several chunks. */
  function createEventParser() {
    var buffer = "";
    return function push(text) {
      buffer += text.replace(/\r\n/g, "\n");
      var events = [];
      var cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        var event = parseEvent(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (event) events.push(event);
      }
      return events;
    };
  }

  /* Conversations belong to whoever started them. The page (same origin) proves it with an HttpOnly cookie;
     the widget on another site gets no cookie back, so it keeps the X-Planbot-Owner token and sends it. */
  function ownerStore(base) {
    var key = "planbot.owner:" + base;
    var crossOrigin = false;
    try { crossOrigin = new URL(base, window.location.href).origin !== window.location.origin; } catch (e) {}
    function storage() { try { return window.localStorage; } catch (e) { return null; } }
    return {
      get: function () { var s = crossOrigin && storage(); return s ? s.getItem(key) : null; },
      keep: function (res) {
        var token = crossOrigin && res.headers.get("X-Planbot-Owner");
        var s = token && storage();
        if (s) s.setItem(key, token);
      },
    };
  }

  function createApi(base) {
    var owner = ownerStore(base);
    async function send(method, path, body, accept, signal) {
      var init = { method: method, headers: { Accept: accept || "application/json" }, signal: signal };
      var token = owner.get();
      if (token) init.headers["X-Planbot-Owner"] = token;
      if (body !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      try {
        var res = await fetch(base + path, init);
      } catch (e) {
        if (isAbort(e, signal)) throw e;
        throw new Problem("", 0, String(e && e.message), true);
      }
      if (!res.ok) throw await problemFrom(res);
      owner.keep(res);
      return res;
    }

    return {
      json: async function (method, path, body) {
        var res = await send(method, path, body);
        return res.status === 204 ? null : res.json();
      },
      /* POST /api/chat/stream; calls on.token(data), on.citations(answer), on.done(data) until `signal` aborts.
         After an abort no handler runs again, even for events already received, and the promise resolves. */
      stream: async function (body, on, signal) {
        var res;
        try {
          res = await send("POST", "/api/chat/stream", body, "text/event-stream", signal);
        } catch (e) {
          if (isAbort(e, signal)) return;
          throw e;
        }
        var reader = res.body.getReader();
        var decoder = new TextDecoder();
        var parse = createEventParser();
        var finished = false;
        for (;;) {
          var chunk;
          try {
            chunk = await reader.read();
          } catch (e) {
            if (isAbort(e, signal)) return;
            throw new Problem("", 0, String(e && e.message), true);
          }
          if (signal && signal.aborted) {
            reader.cancel().catch(function () {});
            return;
          }
          if (chunk.done) break;
          var events = parse(decoder.decode(chunk.value, { stream: true }));
          for (var i = 0; i < events.length; i++) {
            if (signal && signal.aborted) return;
            var event = events[i];
            if (event.name === "error") {
              throw new Problem(event.data.title || "", event.data.status || 500, event.data.detail || "", false);
            }
            if (event.name === "done") finished = true;
            if (on[event.name]) on[event.name](event.data);
          }
        }
        if (!finished) throw new Problem("", 0, "", false);
      },
    };
  }

  /* The write key a person types on a page, kept for this tab only (sessionStorage, never localStorage or a
     cookie) under one name, so a key typed once serves the chat page's upload panel and the tools page. */
  var KEY_STORE = "planbot.apiKey";

  function session() { try { return window.sessionStorage; } catch (e) { return null; } }

  var tabKey = {
    get: function () {
      var store = session();
      return (store && store.getItem(KEY_STORE)) || "";
    },
    set: function (key) {
      var store = session();
      if (!store) return;
      key = (key || "").trim();
      if (key) store.setItem(KEY_STORE, key);
      else store.removeItem(KEY_STORE);
    },
  };

  /* A cited passage's place, "" when its locator only repeats its title (mirrors planbot.records.Chunk.label). */
  function citationPlace(title, locator) {
    var flat = function (s) { return String(s || "").split(/\s+/).join(" ").toLowerCase(); };
    return flat(locator) === flat(title) ? "" : locator || "";
  }

  /* "Bibliotekslag (2013:801), 9 §", or the title alone. */
  function citationLabel(title, locator) {
    var place = citationPlace(title, locator);
    return place ? title + ", " + place : title;
  }

  return {
    Problem: Problem, problemFrom: problemFrom, createApi: createApi, parseEvent: parseEvent,
    createEventParser: createEventParser, tabKey: tabKey, citationPlace: citationPlace, citationLabel: citationLabel,
  };
})();
