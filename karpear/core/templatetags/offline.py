"""Template tags of the form mechanism (docs/offline-forms.md): drafts on the phone, one-time keys, offline.

`{% form_protect "key" %}` goes inside a <form method="post">; `{% form_scripts %}` closes base.html and
loads the scripts only on pages that need them (a protected form, or a draft to clear after a save). The
pages load the minified scripts (`make js` builds static/js/*.min.js from their sources beside them).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import template
from django.http import HttpRequest
from django.templatetags.static import PrefixNode, static
from django.urls import reverse
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from karpear.core import idempotency

register = template.Library()

FORMS_FLAG = "_karpear_forms"
OFFLINE_FLAG = "_karpear_offline_forms"


@register.simple_tag(takes_context=True)
def form_protect(
    context: template.Context, name: str, *parts: Any, offline: bool = False, draft: bool = True, summary: str = ""
) -> SafeString:
    """The hidden inputs that protect a form: a one-time key (new on every render), the name of its draft
    on the phone (`name`, then `parts` joined with ':', e.g. "person-edit", person.uuid) and, with
    `offline=True`, the mark that lets the service worker queue it. `summary` names the fields that label
    a queued entry in the list of entries waiting (e.g. "name_km name_latin"). `draft=False` keeps no draft
    (only the key)."""
    request: HttpRequest | None = context.get("request")
    user = getattr(request, "user", None)
    key = format_html('<input type="hidden" name="{}" value="{}">', idempotency.FIELD, uuid.uuid4())
    if request is None or user is None or not user.is_authenticated:
        return key
    draft_name = ":".join(str(part) for part in (name, *parts))
    if not idempotency.DRAFT_PATTERN.match(draft_name):
        raise template.TemplateSyntaxError(f"form_protect: {draft_name!r} is not a draft name ([A-Za-z0-9_.:-]+)")
    html = [key]
    if draft or offline:
        setattr(request, FORMS_FLAG, True)
        html.append(
            format_html(
                '<input type="hidden" name="{}" value="{}" data-user="{}"{}{}{}>',
                idempotency.DRAFT_FIELD,
                draft_name,
                user.uuid,
                # Shown again after a POST (errors, a warning): what it shows is newer than any draft.
                " data-bound" if request.method == "POST" else "",
                " data-nodraft" if not draft else "",
                format_html(' data-summary="{}"', summary) if summary else "",
            )
        )
    if offline:
        setattr(request, OFFLINE_FLAG, True)
        html.append(format_html('<input type="hidden" name="{}" value="{}">', idempotency.OFFLINE_FIELD, user.uuid))
        if summary:
            html.append(format_html('<input type="hidden" name="{}" value="{}">', idempotency.SUMMARY_FIELD, summary))
    return SafeString("".join(html))


def _messages() -> dict[str, str]:
    return {
        "restored": _("Your unsaved entry from %(time)s was restored."),
        "discard": _("Discard"),
        "kept": _(
            "No connection: nothing was sent. What you typed is kept on this phone; press Save again when "
            "there is a signal."
        ),
    }


def _offline_messages() -> dict[str, str]:
    return {
        "waiting_1": ngettext("%(count)s entry waiting to be sent", "%(count)s entries waiting to be sent", 1),
        "waiting_n": ngettext("%(count)s entry waiting to be sent", "%(count)s entries waiting to be sent", 2),
        "queued": _("Saved on this phone. It will be sent when the connection returns."),
        "offline": _("No connection. Entries are kept on this phone and sent when the signal returns."),
        "login": _("You are logged out. The entries waiting will be sent after you log in again."),
        "login_link": _("Log in"),
        "others": _("Entries saved by another account are also waiting on this phone, until it logs in."),
        "waiting": _("waiting"),
        "review": _("Not sent"),
        "open": _("Open in the form"),
        "delete": _("Delete from this phone"),
        "sent": _("Sent"),
        "opened": _("This entry is back in the form: check it and press Save."),
        "confirm_logout": _(
            "Entries are still waiting to be sent. Logging out deletes them from this phone. Log out anyway?"
        ),
        "places": _(
            "This list cannot be loaded without a connection. Choose from what is shown, or complete it later."
        ),
        "entry": _("An entry"),
    }


@register.simple_tag(takes_context=True)
def form_scripts(context: template.Context) -> SafeString:
    """At the end of base.html: the scripts and their translated messages, only where something uses them."""
    request: HttpRequest | None = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return SafeString("")
    saved = idempotency.pop_saved_drafts(request)
    forms = getattr(request, FORMS_FLAG, False)
    if not (saved or forms):
        return SafeString("")
    config: dict[str, Any] = {
        "user": str(user.uuid),
        "saved": saved,
        "logout": reverse("logout"),
        "messages": _messages(),
    }
    scripts = [static("js/forms.min.js")]
    if getattr(request, OFFLINE_FLAG, False) and getattr(request, "karpear_offline_page", False):
        config["sw"] = reverse("service_worker")
        config["state"] = reverse("offline_state")
        config["login"] = reverse("login")
        config["static"] = PrefixNode.handle_simple("STATIC_URL")  # not static(""): no manifest entry
        config["messages"].update(_offline_messages())
        # Before forms.js: it keeps a copy of the page as sent, before forms.js puts a draft back in it.
        scripts.insert(0, static("js/offline.min.js"))
    tags = [json_script(config, "karpear-forms")]
    tags += [format_html('<script src="{}" defer></script>', src) for src in scripts]
    return SafeString("\n".join(tags))
