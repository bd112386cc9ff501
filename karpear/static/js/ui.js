/* What every page with htmx adds to it (issue 10, item 2), loaded right after htmx:
   - while an htmx request runs, the bar #loading shows (hx-indicator on <body>; the CSS shows it only after a
     short delay, so a fast answer does not flicker);
   - a request that cannot be sent (no connection) or that the server answers with an error says so in
     #net-status, instead of doing nothing;
   - an answer never redraws away what the user did after its request left: when the user typed or picked
     inside the part it would replace, it is dropped, and the newer request (queued behind it by hx-sync)
     draws the part. The place picker relies on this: a late answer to an earlier search never undoes a pick.
   - a page shown again with errors puts the focus on the first field in error (issue 10, item 4), so the phone
     scrolls to it and a screen reader reads its message, instead of leaving the user at the top of the page.
   Messages come translated in the data- attributes of #net-status (no inline script: CSP).
   Source of ui.min.js: run `make js` after changing it. */
(() => {
  "use strict";
  const status = document.getElementById("net-status");
  const say = (text) => {
    if (!status) return;
    status.textContent = text || "";
    status.hidden = !text;
  };
  let touched = null;
  let touchedAt = 0;
  const touch = (event) => {
    if (!event.isTrusted) return;
    touched = event.target;
    touchedAt = performance.now();
  };
  document.addEventListener("input", touch, true);
  document.addEventListener("change", touch, true);

  document.addEventListener("htmx:beforeSend", (event) => {
    event.detail.xhr.karpearSent = performance.now();
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    const { xhr, target } = event.detail;
    if (!target || !touched || !target.contains(touched) || touchedAt <= (xhr.karpearSent || 0)) return;
    event.detail.shouldSwap = false; // what the user did since goes with the next request
    const source = touched;
    const sent = touchedAt;
    // Should no newer request follow (the text typed back as it was), ask once more with what is there now.
    setTimeout(() => {
      if (touchedAt === sent && source.isConnected && !document.querySelector("#loading.htmx-request")) {
        source.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }, 800);
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful) say("");
  });
  window.addEventListener("online", () => say(""));

  document.addEventListener("htmx:sendError", (event) => {
    // A form the phone can queue (offline.js) says what it does itself.
    const form = event.target.closest && event.target.closest("form");
    if (form && form.querySelector('input[name="_offline"]') && navigator.serviceWorker && navigator.serviceWorker.controller) return;
    say(status && status.dataset.offline);
  });
  document.addEventListener("htmx:responseError", () => say(status && status.dataset.failed));
  if (status) status.addEventListener("click", () => say(""));

  const invalid = document.querySelector(
    ".has-error input:not([type=hidden]), .has-error select, .has-error textarea",
  );
  if (invalid) {
    invalid.focus({ preventScroll: true });
    invalid.scrollIntoView({ block: "center" });
  }
})();
