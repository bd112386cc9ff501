"""Private files: stored outside the web root, never given a URL, read only through views that check access.

`settings.PRIVATE_MEDIA_ROOT` (`KARPEAR_PRIVATE_MEDIA_ROOT`) is read at each use, so tests and deployments can
point it elsewhere without a restart of the storage object.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """A FileSystemStorage under PRIVATE_MEDIA_ROOT, with no base URL: `url()` refuses, so no template can link
    a private file past the access check."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no URL; serve them through a view that checks access")


_storage = PrivateStorage(directory_permissions_mode=0o700, file_permissions_mode=0o600)


def private_storage() -> PrivateStorage:
    return _storage


def photo_file_name(instance: Any, filename: str) -> str:
    """A random name, keeping only the checked extension: nothing of the upload's own name is stored."""
    extension = os.path.splitext(filename)[1].lower()
    return f"photos/{secrets.token_hex(16)}{extension if extension in ('.jpg', '.png') else ''}"
