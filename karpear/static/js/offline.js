/* Offline pages (docs/offline-forms.md): registers the service worker, lists the entries waiting to be sent,
   asks for them to be sent when the signal returns, and brings back as a draft an entry the server did not
   take. Loaded just before forms.js, which it needs. Source of offline.min.js: run `make js` after changing it. */
(() => {
  "use strict";
  // The page as the server sent it, before any script changes it, for the phone to keep: only a plain GET
  // (no query, not a form shown again after a POST), which holds nothing typed.
  const plain = !location.search && !document.querySelector('input[name="_draft"][data-bound]');
  const shell = plain ? `<!doctype html>\n${document.documentElement.outerHTML}` : "";

  document.addEventListener("DOMContentLoaded", () => {
    const node = document.getElementById("karpear-forms");
    const drafts = window.karpearDrafts;
    if (!node || !drafts || !("serviceWorker" in navigator) || !window.indexedDB) return;
    const cfg = JSON.parse(node.textContent);
    const M = cfg.messages;
    const forms = [...document.querySelectorAll('input[name="_offline"]')].map((input) => input.form);
    if (!forms.length) return;

    // A copy kept on the phone carries the key it had when kept: each opening is a new render, with a new key.
    for (const form of forms) {
      const key = form.querySelector('input[name="_idempotency_key"]');
      if (key) key.value = crypto.randomUUID();
    }

    // The service worker's queue (sw.js).
    const db = () =>
      new Promise((resolve, reject) => {
        const request = indexedDB.open("karpear-offline", 1);
        request.onupgradeneeded = () => request.result.createObjectStore("queue", { keyPath: "id", autoIncrement: true });
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const store = (mode, work) =>
      db().then(
        (conn) =>
          new Promise((resolve, reject) => {
            const tx = conn.transaction("queue", mode);
            const request = work(tx.objectStore("queue"));
            tx.oncomplete = () => resolve(request && request.result);
            tx.onerror = () => reject(tx.error);
          }),
      );
    const all = () => store("readonly", (s) => s.getAll());
    const remove = (id) => store("readwrite", (s) => s.delete(id));

    const worker = () => navigator.serviceWorker.ready.then((registration) => registration.active);
    const post = (message) => worker().then((active) => active && active.postMessage(message));
    let status = "";
    const justQueued = new URLSearchParams(location.search).has("queued");
    const shown = new Map();
    let mine = [];

    const el = drafts.el;
    const box = el("section", "", "card queue");
    box.setAttribute("aria-live", "polite");
    box.hidden = true;
    forms[0].before(box);
    const count = (n) => (n === 1 ? M.waiting_1 : M.waiting_n).replace("%(count)s", drafts.digits(n));

    const open = async (entry) => {
      const form = forms.find((f) => new URL(f.action, location.href).pathname === entry.url);
      if (!form) {
        location.assign(`${entry.url}?review=${entry.id}`);
        return;
      }
      const v = {};
      for (const [name, value] of new URLSearchParams(entry.body)) {
        if (!name.startsWith("_") && name !== "csrfmiddlewaretoken") (v[name] = v[name] || []).push(value);
      }
      drafts.refresh(drafts.write(form, { v }));
      drafts.save(form);
      await remove(entry.id);
      drafts.notice(form, `${M.opened} ${entry.message || ""}`);
      form.scrollIntoView();
      render();
    };

    let drawing = Promise.resolve(); // one drawing at a time: the worker's messages come close together
    const render = () => (drawing = drawing.then(draw, draw));

    async function draw() {
      const entries = await all();
      mine = entries.filter((entry) => entry.user === cfg.user);
      for (const entry of mine.filter((e) => e.state === "sent")) {
        shown.set(entry.id, entry);
        await remove(entry.id);
      }
      mine = mine.filter((entry) => entry.state !== "sent");
      const waiting = mine.filter((entry) => entry.state === "waiting").length;
      box.replaceChildren();
      box.hidden = !(mine.length || shown.size);
      if (box.hidden) return;
      if (justQueued && waiting) box.append(el("p", M.queued, "msg-success"));
      if (waiting) box.append(el("h2", count(waiting)));
      if (waiting && !navigator.onLine) box.append(el("p", M.offline, "muted"));
      if (waiting && status === "login") {
        const p = el("p", `${M.login} `, "warning");
        const link = el("a", M.login_link);
        link.href = `${cfg.login}?next=${encodeURIComponent(location.pathname)}`;
        p.append(link);
        box.append(p);
      }
      if (entries.some((entry) => entry.user !== cfg.user && entry.state !== "sent")) box.append(el("p", M.others, "muted"));
      const list = el("ul", "", "rows");
      for (const entry of [...shown.values(), ...mine].sort((a, b) => a.at - b.at)) {
        const item = el("li");
        item.dataset.state = entry.state;
        item.append(`${entry.label || M.entry} · ${drafts.when(entry.at)} — `);
        if (entry.state === "waiting") item.append(el("span", M.waiting, "muted"));
        else if (entry.state === "sent") {
          const done = el(entry.location ? "a" : "span", `${M.sent}. ${entry.message || ""}`, "msg-success");
          if (entry.location) done.href = entry.location;
          item.append(done);
        }
        else {
          item.append(el("span", `${M.review}: ${entry.message || ""}`, "error"), " ");
          for (const [label, action] of [
            [M.open, () => open(entry)],
            [M.delete, () => remove(entry.id).then(render)],
          ]) {
            const button = el("button", label);
            button.type = "button";
            button.addEventListener("click", action);
            item.append(button, " ");
          }
        }
        list.append(item);
      }
      box.append(list);
    }

    // The worker's status: idle | done | offline | login.
    navigator.serviceWorker.addEventListener("message", (event) => {
      if ((event.data || {}).type !== "queue") return;
      status = event.data.status;
      render();
    });
    window.addEventListener("online", () => post({ type: "flush" }));
    window.addEventListener("offline", render);

    document.addEventListener("htmx:sendError", (event) => {
      const form = event.target.closest && event.target.closest("form");
      if (form && forms.includes(form)) drafts.notice(form, M.places);
    });

    // Logging out deletes what waits (Clear-Site-Data): ask first; in the capture phase, before forms.js.
    for (const form of document.querySelectorAll(`form[action="${cfg.logout}"]`)) {
      form.addEventListener(
        "submit",
        (event) => {
          if (mine.length && !window.confirm(M.confirm_logout)) event.preventDefault();
        },
        true,
      );
    }

    const params = new URLSearchParams(location.search);
    const review = Number(params.get("review"));
    if (params.has("queued") || params.has("review")) history.replaceState(null, "", location.pathname);

    const assets = () => [
      ...performance.getEntriesByType("resource").map((entry) => entry.name),
      ...[...document.querySelectorAll("link[href], script[src]")].map((tag) => tag.href || tag.src),
    ];
    const registering = `${cfg.sw}?static=${encodeURIComponent(cfg.static)}&state=${encodeURIComponent(cfg.state)}`;
    navigator.serviceWorker
      .register(registering, { scope: "/" })
      .then(() => {
        post({ type: "assets", urls: assets(), page: location.pathname, html: shell });
        post({ type: "flush" });
      })
      .catch(() => {
        /* no service worker (not HTTPS): drafts still work, nothing is queued */
      });
    render().then(async () => {
      const entry = review && mine.find((e) => e.id === review && e.state === "review");
      if (entry) await open(entry);
    });
  });
})();
