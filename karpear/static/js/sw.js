/* Karpear's service worker (docs/offline-forms.md), served at /sw.js with the scope "/" and registered only by
   pages that opt in. Everything it does is decided by the server:
   - it keeps the pages the server marks "Karpear-Offline: page" (shown with no connection) and the htmx answers
     it marks "Karpear-Offline: data" (public lists such as the place picker's), network first;
   - it keeps the static files those pages name, and serves them from here;
   - when a form marked _offline cannot be sent, it keeps the submission in IndexedDB, shows the page again
     (?queued=<draft>) and sends it later with its one-time key, so a resend never saves twice: when the page
     says the signal is back, on page loads (also after logging in again), and on Background Sync.
   It keeps nothing else: no other page, no answer to a POST, no API answer, nothing under /account/.
   Source of sw.min.js: run `make js` after changing it. */
"use strict";

const PAGES = "karpear-pages-1";
const ASSETS = "karpear-assets-1";
const PARAMS = new URL(self.location.href).searchParams;
const STATIC = PARAMS.get("static") || "/static/";
const STATE = PARAMS.get("state") || "/offline/state/";
const NEVER = ["/account/", "/admin/", "/api/"];
const MAX_DATA = 300;

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
const put = (entry) => store("readwrite", (s) => s.put(entry));

const tell = async (status) => {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage({ type: "queue", status });
  return status;
};

let running = null;
let again = false;
let lastTry = 0;
let lastStatus = "";
const flush = () => {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    let status;
    do {
      again = false;
      status = await send();
    } while (again);
    return status;
  })().finally(() => (running = null));
  return running;
};
// Page loads send what waits: at most every 10 s, but at once after a logged-out try (a new login).
const flushSoon = () => (Date.now() - lastTry < 10000 && lastStatus !== "login" ? Promise.resolve() : flush());

// For the account logged in now, with a fresh CSRF token; each entry keeps its one-time key, so a resend
// (an answer lost on the way back) saves nothing twice.
async function send() {
  lastTry = Date.now();
  const waiting = (await all()).filter((entry) => entry.state === "waiting");
  if (!waiting.length) return (lastStatus = await tell("idle"));
  let state;
  try {
    const answer = await fetch(STATE, { credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" } });
    if (answer.type === "opaqueredirect") return (lastStatus = await tell("login"));
    if (!answer.ok) return (lastStatus = await tell("offline"));
    state = await answer.json();
  } catch (err) {
    return (lastStatus = await tell("offline"));
  }
  for (const entry of waiting) {
    if (entry.user !== state.user) continue; // another account's entries wait for it
    const body = new URLSearchParams(entry.body);
    body.set("csrfmiddlewaretoken", state.csrf);
    let answer;
    try {
      answer = await fetch(entry.url, {
        method: "POST",
        body,
        credentials: "same-origin",
        redirect: "manual",
        headers: { "Karpear-Queued": "1", "X-CSRFToken": state.csrf, Accept: "application/json" },
      });
    } catch (err) {
      return (lastStatus = await tell("offline"));
    }
    if (answer.type === "opaqueredirect") return (lastStatus = await tell("login"));
    if (answer.status >= 500) return (lastStatus = await tell("offline"));
    let result = {};
    try {
      result = await answer.json();
    } catch (err) {
      /* not JSON (an expired form…): the user checks it */
    }
    if (result.result === "saved") {
      const { id, user, url, label, at } = entry;
      await put({ id, user, url, label, at, state: "sent", message: result.message || "", location: result.location || "" });
    } else {
      await put({ ...entry, state: "review", message: result.message || `HTTP ${answer.status}` });
    }
  }
  return (lastStatus = await tell("done"));
}

async function page(event) {
  const path = new URL(event.request.url).pathname;
  try {
    const answer = (await event.preloadResponse) || (await fetch(event.request));
    if (answer.ok && answer.headers.get("Karpear-Offline") === "page") {
      const copy = answer.clone();
      event.waitUntil(caches.open(PAGES).then((cache) => cache.put(path, copy)));
    }
    event.waitUntil(flushSoon());
    return answer;
  } catch (err) {
    const kept = await caches.match(path, { cacheName: PAGES, ignoreVary: true });
    if (kept) return kept;
    throw err;
  }
}

// One key per question: empty parameters dropped, the rest sorted.
const dataKey = (address) => {
  const url = new URL(address);
  const params = [...url.searchParams].filter(([, value]) => value !== "").sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  url.search = new URLSearchParams(params).toString();
  return url.href;
};

async function fragment(request) {
  const key = dataKey(request.url);
  try {
    const answer = await fetch(request);
    if (answer.ok && answer.headers.get("Karpear-Offline") === "data") {
      const cache = await caches.open(PAGES);
      await cache.put(key, answer.clone());
      const kept = (await cache.keys()).filter((k) => new URL(k.url).search);
      await Promise.all(kept.slice(0, Math.max(0, kept.length - MAX_DATA)).map((k) => cache.delete(k)));
    }
    return answer;
  } catch (err) {
    const kept = await caches.match(key, { cacheName: PAGES, ignoreVary: true });
    if (kept) return kept;
    throw err;
  }
}

// A form marked _offline whose POST cannot reach the server is queued; anything else goes as it is.
async function submit(request) {
  if (!(request.headers.get("Content-Type") || "").startsWith("application/x-www-form-urlencoded")) return fetch(request);
  const body = await request.clone().text();
  const fields = new URLSearchParams(body);
  const user = fields.get("_offline");
  if (!user) return fetch(request);
  try {
    return await fetch(request);
  } catch (err) {
    const path = new URL(request.url).pathname;
    const label = (fields.get("_summary") || "")
      .split(" ")
      .map((name) => (fields.get(name) || "").trim())
      .filter(Boolean)
      .join(" · ");
    const draft = fields.get("_draft") || "";
    await put({ user, url: path, body, label, key: fields.get("_idempotency_key"), at: Date.now(), state: "waiting" });
    if (self.registration.sync) self.registration.sync.register("karpear-queue").catch(() => {});
    return Response.redirect(`${path}?queued=${encodeURIComponent(draft)}`, 303);
  }
}

// The page's static files (older versions of each dropped). The page itself is kept as it passes by
// (page()), except on its first visit, before we controlled it: then the page sends its own copy.
async function keep(urls, path, html) {
  if (path && html && !(await caches.match(path, { cacheName: PAGES }))) {
    const copy = new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8", "Karpear-Offline": "page" } });
    await (await caches.open(PAGES)).put(path, copy);
  }
  const cache = await caches.open(ASSETS);
  const wanted = [...new Set(urls.map((url) => new URL(url, self.location.href)))]
    .filter((url) => url.origin === self.location.origin && url.pathname.startsWith(STATIC))
    .map((url) => url.href);
  const unversioned = (url) => new URL(url).pathname.replace(/\.[0-9a-f]{12}(\.[^./]+)$/, "$1");
  const names = new Set(wanted.map(unversioned));
  for (const key of await cache.keys()) {
    if (names.has(unversioned(key.url)) && !wanted.includes(key.url)) await cache.delete(key);
  }
  for (const url of wanted) {
    if (!(await cache.match(url))) await cache.add(url).catch(() => {});
  }
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) =>
  event.waitUntil(
    (async () => {
      if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
      for (const name of await caches.keys()) if (name !== PAGES && name !== ASSETS) await caches.delete(name);
      await self.clients.claim(); // the page that registered us can queue at once
    })(),
  ),
);

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || NEVER.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (request.mode === "navigate") {
    if (request.method === "GET") event.respondWith(page(event));
    else if (request.method === "POST") event.respondWith(submit(request));
  } else if (request.method === "GET" && url.pathname.startsWith(STATIC)) {
    event.respondWith(caches.match(request, { cacheName: ASSETS }).then((kept) => kept || fetch(request)));
  } else if (request.method === "GET" && request.headers.get("HX-Request")) {
    event.respondWith(fragment(request));
  }
});

self.addEventListener("message", (event) => {
  const message = event.data || {};
  if (message.type === "assets") event.waitUntil(keep(message.urls || [], message.page, message.html));
  if (message.type === "flush") event.waitUntil(flush());
});

self.addEventListener("sync", (event) => {
  if (event.tag !== "karpear-queue") return;
  event.waitUntil(
    flush().then((status) => {
      if (status === "offline") throw new Error("still offline: the browser tries again later");
    }),
  );
});
