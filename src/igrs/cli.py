"""The `igrs` command. Every subcommand is a Django management command (`igrs help` lists
them); `igrs test` runs the whole test suite without needing a configured database.

Commands speak Hindi unless told otherwise: `--lang en` anywhere before a `--` (or `--lang hi`),
else the process locale (LC_ALL, LC_MESSAGES, LANG, the first one set, as POSIX orders them)
when it names English."""

import os
import sys
from collections.abc import Mapping

LANGUAGES = ("hi", "en")


def chosen_language(args: list[str], environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """The language for the command's output, and the arguments without `--lang`."""
    rest, chosen = [], None
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            rest += [token, *tokens]
        elif token == "--lang":
            chosen = next(tokens, "")
        elif token.startswith("--lang="):
            chosen = token.removeprefix("--lang=")
        else:
            rest.append(token)
    if chosen is not None:
        if chosen not in LANGUAGES:
            sys.exit(f"igrs: --lang takes {' or '.join(LANGUAGES)}, not {chosen!r}")
        return chosen, rest
    return _from_locale(environ), rest


def _from_locale(environ: Mapping[str, str]) -> str:
    locale = next(
        (environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(name)), ""
    )
    return "en" if locale.startswith("en") else "hi"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igrs.settings")
    language, args = chosen_language(sys.argv[1:], os.environ)
    if args[:1] == ["test"]:
        from igrs.ops.testrun import run_all

        sys.exit(run_all(args[1:]))
    if args[:1] == ["manage"]:
        args = args[1:]
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.utils import translation

    try:
        django.setup()  # the catalogues of the apps need the apps loaded
        translation.activate(language)
        execute_from_command_line(["igrs", *args])
    except ImproperlyConfigured as error:  # a setting that does not parse: say which, briefly
        sys.exit(f"igrs: {error}")


if __name__ == "__main__":
    main()
