"""The `igrs` command. Every subcommand is a Django management command (`igrs help` lists
them); `igrs test` runs the whole test suite without needing a configured database."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igrs.settings")
    args = sys.argv[1:]
    if args[:1] == ["test"]:
        from igrs.ops.testrun import run_all

        sys.exit(run_all(args[1:]))
    if args[:1] == ["manage"]:
        args = args[1:]
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["igrs", *args])
    except ImproperlyConfigured as error:  # a setting that does not parse: say which, briefly
        sys.exit(f"igrs: {error}")


if __name__ == "__main__":
    main()
