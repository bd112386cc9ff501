"""The `karpear` command: django-admin with Karpear's settings (e.g. `karpear demo`, `karpear worker`)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karpear.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["karpear", *sys.argv[1:]])


if __name__ == "__main__":
    main()
