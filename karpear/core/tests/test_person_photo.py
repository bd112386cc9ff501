"""A person's photo (issue 9, item 10): only with the photo consent, checked and re-encoded, kept outside the web
root under a random name, served only to roles that read identities (each view audited, never cached), and
deleted when the consent is refused or withdrawn."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from conftest import login, make_user
from karpear.core import services
from karpear.core.models import AuditEvent, Consent, Identity
from karpear.core.roles import Role
from karpear.core.tests.factories import register

pytestmark = pytest.mark.django_db


def image_bytes(kind: str = "JPEG", size: tuple[int, int] = (40, 30), *, gps: bool = False) -> bytes:
    out = BytesIO()
    picture = Image.new("RGB", size, (200, 120, 40))
    options = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"
        exif.get_ifd(0x8825)[2] = (11.0, 33.0, 0.0)  # GPSLatitude: where the photo was taken
        options["exif"] = exif
    picture.save(out, format=kind, **options)
    return out.getvalue()


def upload(content: bytes | None = None, name: str = "me.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type=content_type)


def consent(person, given: bool = True, actor=None) -> Consent:
    return services.consent_record(
        actor=actor or person.created_by, person=person, purpose=Consent.Purpose.PHOTO, given=given, given_by="self"
    )


def stored_files(settings) -> list[Path]:
    return sorted(p for p in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if p.is_file())


def photo_events(action: str) -> list[dict]:
    return list(
        AuditEvent.objects.filter(action=action, details__fields="photo")
        .order_by("id")
        .values_list("details", flat=True)
    )


@pytest.fixture
def person(users):
    return register(users["caseworker"], name_latin="Chan Sreymom")


# ---------------------------------------------------------------- the service
def test_without_the_photo_consent_nothing_is_stored(users, person, settings):
    with pytest.raises(ValidationError) as caught:
        services.identity_photo_set(actor=users["caseworker"], person=person, upload=upload())
    assert caught.value.message_dict == {
        "photo": ["Record the person's consent to a photo first: without it no photo is kept."]
    }
    consent(person, given=False)
    with pytest.raises(ValidationError):
        services.identity_photo_set(actor=users["caseworker"], person=person, upload=upload())
    assert not Identity.objects.get(person=person).photo
    assert stored_files(settings) == [] and photo_events("update") == []


def test_with_consent_the_photo_is_kept_outside_the_web_root_under_a_random_name_audited(users, person, settings):
    consent(person)
    services.identity_photo_set(actor=users["caseworker"], person=person, upload=upload(name="Chan Sreymom.jpg"))
    identity = Identity.objects.get(person=person)
    [stored] = stored_files(settings)
    assert stored == Path(settings.PRIVATE_MEDIA_ROOT) / identity.photo.name
    assert "Chan" not in identity.photo.name and identity.photo.name.endswith(".jpg")
    assert not str(stored).startswith((str(settings.MEDIA_ROOT), str(settings.STATIC_ROOT)))
    assert photo_events("update") == [{"fields": "photo", "change": "added"}]
    with pytest.raises(ValueError, match="no URL"):
        identity.photo.url  # noqa: B018 (no template can link a private file)


def test_the_stored_photo_carries_no_exif_data_such_as_where_it_was_taken(users, person, settings):
    original = image_bytes(gps=True)
    assert Image.open(BytesIO(original)).getexif().get_ifd(0x8825)  # the upload has a GPS position
    consent(person)
    services.identity_photo_set(actor=users["caseworker"], person=person, upload=upload(original))
    [stored] = stored_files(settings)
    with Image.open(stored) as kept:
        assert kept.format == "JPEG" and kept.size == (40, 30)
        assert dict(kept.getexif()) == {}


def test_a_large_picture_is_kept_at_most_2000_pixels_wide(users, person, settings):
    consent(person)
    services.identity_photo_set(
        actor=users["caseworker"], person=person, upload=upload(image_bytes("PNG", (3000, 1500)), "a.png")
    )
    [stored] = stored_files(settings)
    with Image.open(stored) as kept:
        assert (kept.format, kept.size) == ("PNG", (2000, 1000))


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "photo.jpg"),  # not an image, whatever its name says
        (image_bytes("GIF"), "photo.gif"),
        (image_bytes("BMP"), "photo.jpg"),
        (image_bytes("JPEG")[:200], "cut.jpg"),  # a broken file
    ],
)
def test_anything_but_a_real_jpeg_or_png_is_refused_and_nothing_is_stored(users, person, settings, content, name):
    consent(person)
    with pytest.raises(ValidationError) as caught:
        services.identity_photo_set(actor=users["caseworker"], person=person, upload=upload(content, name))
    assert caught.value.message_dict == {"photo": ["Choose a photo in JPEG or PNG format."]}
    assert stored_files(settings) == [] and not Identity.objects.get(person=person).photo


def test_a_photo_over_the_size_limit_is_refused(users, person, settings):
    settings.PHOTO_MAX_BYTES = 1024 * 1024
    consent(person)
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationError) as caught:
        services.identity_photo_set(actor=users["caseworker"], person=person, upload=big)
    assert caught.value.message_dict == {"photo": ["The photo is too large: at most 1 MB."]}
    assert stored_files(settings) == []


def test_replacing_a_photo_deletes_the_old_file_and_is_audited(
    users, person, settings, django_capture_on_commit_callbacks
):
    consent(person)
    with django_capture_on_commit_callbacks(execute=True):
        services.identity_photo_set(actor=users["caseworker"], person=person, upload=upload())
    [first] = stored_files(settings)
    with django_capture_on_commit_callbacks(execute=True):
        services.identity_photo_set(
            actor=users["caseworker"], person=person, upload=upload(image_bytes("PNG"), "b.png")
        )
    [second] = stored_files(settings)
    assert second != first and second.suffix == ".png"
    assert [e["change"] for e in photo_events("update")] == ["added", "replaced"]


def test_withdrawing_the_photo_consent_deletes_the_photo_audited(
    users, person, settings, django_capture_on_commit_callbacks
):
    consent(person)
    services.identity_photo_set(actor=users["caseworker"], person=person, upload=upload())
    with django_capture_on_commit_callbacks(execute=True):
        consent(person, given=False)
    assert not Identity.objects.get(person=person).photo
    assert stored_files(settings) == []
    assert photo_events("delete") == [{"fields": "photo", "reason": "consent_withdrawn"}]


def test_only_roles_that_change_the_person_and_read_identities_may_set_a_photo(users, person, settings, orgs):
    consent(person)
    with pytest.raises(PermissionDenied):
        services.identity_photo_set(actor=users["programme_officer"], person=person, upload=upload())
    stranger = make_user(orgs["other"], Role.CASEWORKER, username="stranger")
    from django.http import Http404

    with pytest.raises(Http404):
        services.identity_photo_set(actor=stranger, person=person, upload=upload())
    assert stored_files(settings) == []


# ---------------------------------------------------------------- the pages
@pytest.fixture
def with_photo(users, person):
    consent(person)
    services.identity_photo_set(actor=users["caseworker"], person=person, upload=upload(image_bytes("PNG"), "p.png"))
    return person


def test_the_photo_is_served_to_an_identity_role_never_cached_and_each_view_audited(users, with_photo, client: Client):
    login(client, users["case_supervisor"])
    for _ in range(2):
        response = client.get(f"/people/{with_photo.uuid}/photo/")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert set(response["Cache-Control"].replace(" ", "").split(",")) == {"private", "no-store"}
        assert response["X-Content-Type-Options"] == "nosniff"
        assert Image.open(BytesIO(b"".join(response.streaming_content))).format == "PNG"
    views = AuditEvent.objects.filter(action="view", details__fields="photo", actor=users["case_supervisor"])
    assert views.count() == 2
    assert set(views.values_list("object_id", flat=True)) == {str(with_photo.uuid)}


def test_a_role_that_does_not_read_identities_gets_403_and_another_organisation_404(users, with_photo, orgs, client):
    login(client, users["programme_officer"])
    assert client.get(f"/people/{with_photo.uuid}/photo/").status_code == 403
    assert "Show the photo" not in client.get(f"/people/{with_photo.uuid}/").content.decode()
    login(client, make_user(orgs["other"], Role.CASE_SUPERVISOR, username="other-sup"))
    assert client.get(f"/people/{with_photo.uuid}/photo/").status_code == 404
    assert photo_events("view") == []


def test_no_photo_is_served_once_the_consent_no_longer_stands(users, with_photo, client: Client):
    # Even if the file were still there (a consent withdrawn behind the services' back), it is not served.
    Consent.objects.filter(person=with_photo).update(withdrawn_at="2026-01-01T00:00:00Z")
    login(client, users["caseworker"])
    assert client.get(f"/people/{with_photo.uuid}/photo/").status_code == 404
    assert photo_events("view") == []


def test_a_person_without_a_photo_answers_404(users, person, client: Client):
    login(client, users["caseworker"])
    assert client.get(f"/people/{person.uuid}/photo/").status_code == 404


def test_uploading_on_the_person_page_without_consent_says_so_and_keeps_nothing(users, person, client, settings):
    login(client, users["caseworker"])
    page = client.get(f"/people/{person.uuid}/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="photo"' in page
    response = client.post(f"/people/{person.uuid}/photo/change/", {"photo": upload()})
    assert response.status_code == 400
    assert "Record the person&#x27;s consent to a photo first" in response.content.decode()
    assert stored_files(settings) == []


def test_uploading_and_deleting_on_the_person_page(users, person, client, settings, django_capture_on_commit_callbacks):
    consent(person)
    login(client, users["caseworker"])
    response = client.post(f"/people/{person.uuid}/photo/change/", {"photo": upload()})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "The photo is saved." in page and f"/people/{person.uuid}/photo/" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/people/{person.uuid}/photo/change/", {"remove": "1"})
    assert response.status_code == 302
    assert stored_files(settings) == []
    assert photo_events("delete") == [{"fields": "photo", "reason": "removed"}]


def test_a_role_without_identity_cannot_upload_even_if_it_may_change_the_person(users, person, client, settings):
    consent(person)
    login(client, users["programme_officer"])
    assert client.post(f"/people/{person.uuid}/photo/change/", {"photo": upload()}).status_code == 403
    assert stored_files(settings) == [] and photo_events("update") == []


def test_the_api_says_whether_a_photo_is_kept_to_identity_roles_only(users, with_photo):
    from karpear.core.tests.test_api import api

    assert api(users["caseworker"]).get(f"/api/v1/people/{with_photo.uuid}/").json()["identity"]["has_photo"] is True
    assert api(users["programme_officer"]).get(f"/api/v1/people/{with_photo.uuid}/").json()["identity"] is None
