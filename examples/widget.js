/*
 * FAQ assistant widget: one script tag draws a chat bubble that opens the assistant in a panel.
 *
 *   <script src="https://chat.example.com/widget.js" defer
 *           data-chat-url="https://chat.example.com/"
 *           data-lang="zh"            zh | en (default: the page's <html lang>, else zh)
 *           data-color="#2563eb"      the bubble's colour (#rgb or #rrggbb)
 *           data-position="right"     right | left
 *           data-theme="auto"         auto (prefers-color-scheme) | light | dark
 *           data-preload="idle"></script>  idle | intent | open: when the chat starts loading
 *
 * The chat page takes ~2 s to start in a browser (Streamlit's scripts), so by default it starts loading,
 * hidden, once the host page has loaded and the browser is idle ("idle"): a customer who opens the bubble
 * finds it ready. That costs one chat session per page view; "intent" loads it only when the pointer or
 * the keyboard focus reaches the bubble (a few hundred ms ahead of the click), "open" only on first open.
 * The address is ?embed=true&lang=..&theme=..&embed_options=<theme>_theme. Open/closed is remembered in
 * localStorage; below 480 px wide the panel takes the whole screen. window.FaqWidget.open(),
 * .close() and .toggle() drive it from the page. No dependencies, no cookies, no tracking.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var STORE_KEY = "faq-widget-open";
  var TEXT = {
    zh: { open: "打开帮助对话", close: "关闭帮助对话", title: "帮助助手" },
    en: { open: "Open the help chat", close: "Close the help chat", title: "Help assistant" }
  };

  function attr(name, fallback) {
    var value = script && script.getAttribute(name);
    return value ? value.trim() : fallback;
  }

  function chatAddress(raw, lang, theme) {
    // Only http(s): anything else (javascript:, data:) would run in the host page's frame.
    var url;
    try { url = new URL(raw, window.location.href); } catch (e) { return null; }
    if (url.protocol !== "http:" && url.protocol !== "https:") { return null; }
    url.searchParams.set("embed", "true");
    url.searchParams.set("lang", lang);
    url.searchParams.set("theme", theme);
    url.searchParams.set("embed_options", theme + "_theme");
    var id = conversation();
    if (id) { url.searchParams.set("c", id); }
    return url.href;
  }

  // The chat tells us its conversation id (postMessage from the iframe); kept for this tab only, so a
  // reload of this page reopens the same conversation instead of an empty chat.
  var CONVERSATION_KEY = "faq-widget-conversation";
  var CONVERSATION_ID = /^[A-Za-z0-9_-]{16,64}$/;

  function conversation() {
    try {
      var id = window.sessionStorage.getItem(CONVERSATION_KEY);
      return id && CONVERSATION_ID.test(id) ? id : null;
    } catch (e) { return null; }
  }

  function keepConversation(id) {
    try {
      if (id && CONVERSATION_ID.test(id)) { window.sessionStorage.setItem(CONVERSATION_KEY, id); }
      else { window.sessionStorage.removeItem(CONVERSATION_KEY); }
    } catch (e) { /* storage blocked */ }
  }

  function remembered() {
    try { return window.localStorage.getItem(STORE_KEY) === "1"; } catch (e) { return false; }
  }

  function remember(open) {
    try { window.localStorage.setItem(STORE_KEY, open ? "1" : "0"); } catch (e) { /* storage blocked */ }
  }

  function css(color, side) {
    var other = side === "left" ? "right" : "left";
    return [
      "#faq-widget-launcher{position:fixed;" + side + ":24px;bottom:24px;" + other + ":auto;z-index:2147483000;",
      "width:56px;height:56px;border:0;border-radius:50%;background:" + color + ";color:#fff;cursor:pointer;",
      "box-shadow:0 6px 20px rgba(15,23,42,.3);display:flex;align-items:center;justify-content:center;padding:0}",
      "#faq-widget-launcher:focus-visible{outline:3px solid #93c5fd;outline-offset:3px}",
      "#faq-widget-launcher svg{width:28px;height:28px;fill:currentColor}",
      "#faq-widget-panel{position:fixed;" + side + ":24px;bottom:96px;z-index:2147483001;width:400px;",
      "height:min(640px,calc(100vh - 120px));display:none;flex-direction:column;border-radius:12px;overflow:hidden;",
      "background:#fff;box-shadow:0 8px 32px rgba(15,23,42,.25)}",
      "#faq-widget-panel.faq-open{display:flex}",
      "#faq-widget-bar{flex:0 0 40px;display:flex;align-items:center;justify-content:space-between;",
      "padding:0 8px 0 14px;background:" + color + ";color:#fff;font:600 14px/1 system-ui,sans-serif}",
      "#faq-widget-close{width:32px;height:32px;border:0;background:transparent;color:#fff;font-size:22px;",
      "line-height:1;cursor:pointer;border-radius:6px}",
      "#faq-widget-close:focus-visible{outline:2px solid #fff}",
      "#faq-chat{flex:1 1 auto;width:100%;min-height:0;border:0;display:block}",
      "@media (prefers-color-scheme: dark){#faq-widget-panel{background:#0f172a}}",
      "@media (max-width:479.98px){#faq-widget-panel{left:0;right:0;top:0;bottom:0;width:100vw;height:100vh;",
      "height:100dvh;border-radius:0}#faq-widget-panel.faq-open~#faq-widget-launcher{display:none}}"
    ].join("");
  }

  function init() {
    if (document.getElementById("faq-widget-launcher")) { return; } // the tag was included twice
    var pageLang = (document.documentElement.lang || "").toLowerCase().indexOf("en") === 0 ? "en" : "zh";
    var lang = attr("data-lang", pageLang) === "en" ? "en" : "zh";
    var color = attr("data-color", "#2563eb");
    if (!/^#(?:[0-9a-fA-F]{3}){1,2}$/.test(color)) { color = "#2563eb"; }
    var side = attr("data-position", "right") === "left" ? "left" : "right";
    var themeAttr = attr("data-theme", "auto");
    var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    var theme = themeAttr === "dark" || themeAttr === "light" ? themeAttr : (dark ? "dark" : "light");
    var address = chatAddress(attr("data-chat-url", ""), lang, theme);
    if (!address) {
      if (window.console) { window.console.error("FAQ widget: data-chat-url must be an http(s) address"); }
      return;
    }
    var text = TEXT[lang];

    var style = document.createElement("style");
    style.textContent = css(color, side);
    document.head.appendChild(style);

    var panel = document.createElement("div");
    panel.id = "faq-widget-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", text.title);
    var bar = document.createElement("div");
    bar.id = "faq-widget-bar";
    var title = document.createElement("span");
    title.textContent = text.title;
    var close = document.createElement("button");
    close.id = "faq-widget-close";
    close.type = "button";
    close.setAttribute("aria-label", text.close);
    close.textContent = "\u00d7";
    bar.appendChild(title);
    bar.appendChild(close);
    var frame = document.createElement("iframe");
    frame.id = "faq-chat";
    frame.title = text.title;
    frame.setAttribute("allow", "clipboard-write");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    panel.appendChild(bar);
    panel.appendChild(frame);

    var launcher = document.createElement("button");
    launcher.id = "faq-widget-launcher";
    launcher.type = "button";
    launcher.setAttribute("aria-controls", "faq-widget-panel");
    var chatIcon = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5'
      + 'a2 2 0 0 1 1-2zm3 6v2h10V9H7zm0 4v2h7v-2H7z"/></svg>';
    var closeIcon = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3'
      + ' 19.7 2.9 18.3 9.2 12 2.9 5.7 4.3 4.3l6.3 6.3 6.3-6.3z"/></svg>';

    window.addEventListener("message", function (event) {
      // Only our own iframe, only this message; anything else is ignored.
      if (event.source !== frame.contentWindow || !event.data || event.data.type !== "faq-assistant:conversation") {
        return;
      }
      keepConversation(typeof event.data.id === "string" ? event.data.id : null);
    });

    function load() {
      if (!frame.getAttribute("src")) { frame.src = address; }
    }

    function show(open, save) {
      if (open) { load(); }
      panel.classList.toggle("faq-open", open);
      launcher.setAttribute("aria-expanded", open ? "true" : "false");
      launcher.setAttribute("aria-label", open ? text.close : text.open);
      launcher.innerHTML = open ? closeIcon : chatIcon; // fixed markup above, never page or chat data
      if (save) { remember(open); }
    }

    launcher.addEventListener("click", function () { show(!panel.classList.contains("faq-open"), true); });
    close.addEventListener("click", function () { show(false, true); launcher.focus(); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && panel.classList.contains("faq-open")) { show(false, true); launcher.focus(); }
    });
    document.body.appendChild(panel);
    document.body.appendChild(launcher); // after the panel: the small-screen CSS hides it while open
    show(remembered(), false);
    var preload = attr("data-preload", "idle");
    if (preload === "idle" || preload === "intent") {
      launcher.addEventListener("pointerenter", load);
      launcher.addEventListener("focus", load);
      launcher.addEventListener("touchstart", load, { passive: true });
    }
    if (preload === "idle") {
      var whenIdle = function () {
        if (window.requestIdleCallback) { window.requestIdleCallback(load, { timeout: 2000 }); } else { setTimeout(load, 0); }
      };
      if (document.readyState === "complete") { whenIdle(); } else { window.addEventListener("load", whenIdle); }
    }

    window.FaqWidget = {
      open: function () { show(true, true); },
      close: function () { show(false, true); },
      toggle: function () { show(!panel.classList.contains("faq-open"), true); }
    };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
