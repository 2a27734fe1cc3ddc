"""Log lines as key=value pairs, one line per request and per job run, with ids and no
personal data: no mobile numbers, names or texts (an exception's text may carry them, so
only its class and where it was raised are logged)."""

import re
import traceback

SAFE = re.compile(r"[\w.:/@+-]+")


def _value(value: object) -> str:
    text = str(value)
    return text if SAFE.fullmatch(text) else '"' + text.replace('"', "'").replace("\n", " ") + '"'


def fields(**values: object) -> str:
    return " ".join(f"{name}={_value(value)}" for name, value in values.items())


def where(error: BaseException) -> str:
    """The innermost frame of the error's traceback, as file:line:function."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{'/'.join(last.filename.rsplit('/', 2)[-2:])}:{last.lineno}:{last.name}"
