/* Drafts of protected forms (docs/offline-forms.md): kept on the phone while the user types, given back when
   the form is opened again, let go once the server says the submission was saved. Loaded only by pages with a
   protected form ({% form_protect %}) or a draft to clear. Settings and translated messages come from
   <script type="application/json" id="karpear-forms">: no inline script (CSP).
   Source of forms.min.js: run `make js` after changing it. */
(() => {
  "use strict";
  const node = document.getElementById("karpear-forms");
  if (!node) return;
  const cfg = JSON.parse(node.textContent);
  const M = cfg.messages;
  const PREFIX = `karpear-draft:${cfg.user}:`;
  const MAX_AGE = 14 * 864e5;
  const lang = document.documentElement.lang || "en";
  const SKIP = /^(hidden|password|file|submit|button|reset|image)$/;
  let store = null;
  try {
    store = window.localStorage;
  } catch (e) {
    /* storage refused: no drafts */
  }

  const digits = (text) => (lang.startsWith("km") ? String(text).replace(/\d/g, (d) => "០១២៣៤៥៦៧៨៩"[d]) : String(text));
  // Day/month/year as Cambodians write it; no month names (not every phone has the Khmer ones).
  const when = (t) =>
    new Intl.DateTimeFormat(lang, {
      ...{ day: "numeric", month: "numeric", year: "numeric", hour: "numeric", minute: "2-digit" },
      ...(lang.startsWith("km") ? { numberingSystem: "khmr" } : {}),
    }).format(new Date(t));
  const el = (tag, text, className) => {
    const element = document.createElement(tag);
    if (text) element.textContent = text;
    if (className) element.className = className;
    return element;
  };
  const get = (name) => {
    try {
      return JSON.parse(store.getItem(PREFIX + name));
    } catch (e) {
      return null;
    }
  };
  const drop = (name) => store && store.removeItem(PREFIX + name);
  const marker = (form) => form.querySelector('input[name="_draft"]');
  const draftName = (form) => marker(form).value;
  const keyOf = (form) => (form.querySelector('input[name="_idempotency_key"]') || {}).value || "";

  // Never kept: passwords, one-time codes, files, hidden fields, what the page marks data-draft-skip.
  const fields = (form) =>
    [...form.elements].filter(
      (el) =>
        el.name &&
        !el.name.startsWith("_") &&
        el.name !== "csrfmiddlewaretoken" &&
        !SKIP.test(el.type) &&
        !el.hasAttribute("data-draft-skip") &&
        !/password|one-time-code/.test(el.autocomplete || ""),
    );

  const read = (form) => {
    const v = {};
    const o = {};
    for (const el of fields(form)) {
      const values = (v[el.name] = v[el.name] || []);
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) values.push(el.value);
      } else if (el.tagName === "SELECT") {
        for (const option of el.selectedOptions) {
          values.push(option.value);
          o[`${el.name}=${option.value}`] = option.text;
        }
      } else {
        values.push(el.value);
      }
    }
    return { v, o };
  };

  const changed = (form) =>
    fields(form).some((el) => {
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      if (el.tagName === "SELECT" && !el.multiple) {
        // with no option marked selected, the first is the default
        const initial = [...el.options].findIndex((option) => option.defaultSelected);
        return el.selectedIndex !== Math.max(initial, 0);
      }
      if (el.tagName === "SELECT") return [...el.options].some((option) => option.selected !== option.defaultSelected);
      return el.value !== el.defaultValue;
    });

  // A list the server fills as the user picks (the place picker) may lack the saved option: add it, with
  // its saved text, so the choice shows and is sent, even offline.
  const write = (form, data) => {
    const seen = {};
    let added = null;
    for (const el of fields(form)) {
      const values = data.v[el.name];
      if (!values) continue;
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.includes(el.value);
      } else if (el.tagName === "SELECT") {
        for (const value of values) {
          if (value && ![...el.options].some((option) => option.value === value)) {
            const option = new Option((data.o || {})[`${el.name}=${value}`] || value, value);
            option.dataset.draftAdded = "";
            el.add(option);
            if (el.disabled) el.dataset.draftEnabled = "";
            el.disabled = false;
            added = added || el;
          }
        }
        for (const option of el.options) option.selected = values.includes(option.value);
      } else {
        const index = (seen[el.name] = (seen[el.name] || 0) + 1) - 1;
        if (index < values.length) el.value = values[index];
      }
    }
    return added;
  };

  let leaving = false;
  const save = (form) => {
    if (!store || leaving || marker(form).hasAttribute("data-nodraft")) return;
    try {
      if (changed(form)) store.setItem(PREFIX + draftName(form), JSON.stringify({ t: Date.now(), k: keyOf(form), ...read(form) }));
      else drop(draftName(form));
    } catch (e) {
      /* storage full */
    }
  };

  const notice = (form, text, actions) => {
    const old = form.querySelector(".draft-notice");
    if (old) old.remove();
    const box = el("div", "", "warning draft-notice");
    box.setAttribute("role", "status");
    box.append(el("p", text));
    for (const [label, action] of actions || []) {
      const button = el("button", label);
      button.type = "button";
      button.addEventListener("click", () => {
        action();
        box.remove();
      });
      box.append(button);
    }
    form.prepend(box);
    const details = form.closest("details");
    if (details) details.open = true;
    return box;
  };

  const discard = (form) => {
    drop(draftName(form));
    form.reset();
    for (const option of form.querySelectorAll("option[data-draft-added]")) option.remove();
    for (const el of form.querySelectorAll("[data-draft-enabled]")) {
      el.disabled = true;
      delete el.dataset.draftEnabled;
    }
  };

  // Online, let the page redraw dependent lists (the picker listens to "change").
  const refresh = (el) => {
    if (el && navigator.onLine) el.dispatchEvent(new Event("change", { bubbles: true }));
  };

  const restore = (form) => {
    const draft = get(draftName(form));
    if (!draft || !draft.v) return;
    refresh(write(form, draft));
    notice(form, M.restored.replace("%(time)s", when(draft.t)), [[M.discard, () => discard(form)]]);
  };

  if (store) {
    // Saved on the server since the last page: that draft goes, unless a newer entry (another key) replaced it.
    for (const [name, key] of cfg.saved || []) {
      const draft = get(name);
      if (draft && draft.k === key) drop(name);
    }
    for (let i = store.length - 1; i >= 0; i--) {
      const name = store.key(i);
      if (name && name.startsWith(PREFIX)) {
        const draft = get(name.slice(PREFIX.length));
        if (!draft || Date.now() - draft.t > MAX_AGE) store.removeItem(name);
      }
    }
  }
  const queued = new URLSearchParams(location.search).get("queued");
  if (queued) drop(queued);

  const forms = [...document.querySelectorAll('input[name="_draft"]')].map((input) => input.form);
  for (const form of forms) {
    if (!marker(form).hasAttribute("data-bound")) restore(form);
    let timer = 0;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(() => save(form), 300);
    };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", (event) => {
      clearTimeout(timer);
      save(form); // the draft now holds this submission's key
      const queueable = form.querySelector('input[name="_offline"]') && navigator.serviceWorker && navigator.serviceWorker.controller;
      if (!navigator.onLine && !queueable) {
        event.preventDefault();
        notice(form, M.kept).scrollIntoView({ block: "nearest" });
      }
    });
  }
  document.addEventListener("htmx:afterSettle", (event) => {
    const form = event.target.closest && event.target.closest("form");
    if (form && forms.includes(form)) save(form);
  });
  window.addEventListener("pagehide", () => forms.forEach(save));
  for (const form of document.querySelectorAll(`form[action="${cfg.logout}"]`)) {
    form.addEventListener("submit", (event) => {
      if (event.defaultPrevented || !store) return;
      leaving = true;
      for (let i = store.length - 1; i >= 0; i--) if ((store.key(i) || "").startsWith(PREFIX)) store.removeItem(store.key(i));
    });
  }

  window.karpearDrafts = { write, save, notice, refresh, digits, when, el };
})();
