from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from karpear.core import access
from karpear.core.tests.sample_module import selectors
from karpear.core.tests.sample_module.declarations import SampleCapability
from karpear.core.tests.sample_module.models import Visit
from karpear.core.web import page_of, render_page, user_of


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, SampleCapability.VIEW_VISIT)
    page = page_of(request, selectors.visit_list(user=user))
    return render_page(request, "sample_module/visit_list.html", {"page": page})


@login_required
def visit_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    visit = access.get_for_user(user_of(request), Visit, uuid)
    return HttpResponse(visit.note)
