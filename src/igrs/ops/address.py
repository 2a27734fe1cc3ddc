"""The address `igrs serve` and `igrs demo` listen on: checked before anything starts, and
the public URL that follows it when IGRS_PUBLIC_URL is not set."""

import errno
import socket

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

WILDCARDS = {"", "0.0.0.0", "::"}
PORTS_TRIED = 20  # looking for a free port to suggest


def split(bind: str) -> tuple[str, int]:
    """'127.0.0.1:8000' → ('127.0.0.1', 8000); '[::1]:8000' → ('::1', 8000)."""
    host, colon, port = bind.rpartition(":")
    if not colon or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(
            _("--bind takes host:port, for example 127.0.0.1:8000 (not “%(bind)s”).")
            % {"bind": bind}
        )
    return host.removeprefix("[").removesuffix("]"), int(port)


def check_free(bind: str) -> None:
    """Refuse at once, in one line, when the address cannot be listened on (another IGRS
    has it, most often), instead of after migrating and seeding."""
    host, port = split(bind)
    try:
        _try_listen(host, port)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise CommandError(
                _("Cannot listen on %(bind)s: %(reason)s.")
                % {"bind": bind, "reason": error.strerror or error}
            ) from None
        raise CommandError(
            _("%(bind)s is already in use; stop the other IGRS or pass --bind %(free)s")
            % {"bind": bind, "free": _free_neighbour(host, port)}
        ) from None


def public_url(bind: str) -> str:
    """Where people on this machine reach a server listening on `bind` (all interfaces are
    reached on the loopback address)."""
    host, port = split(bind)
    if host in WILDCARDS:
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _try_listen(host: str, port: int) -> None:
    family, kind, proto, _name, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    with socket.socket(family, kind, proto) as probe:
        # As servers do: a port whose last connections are still closing (TIME_WAIT) is
        # free to listen on; only a listening socket makes it busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)
        probe.listen(1)


def _free_neighbour(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    for candidate in range(port + 1, min(port + 1 + PORTS_TRIED, 65536)):
        try:
            _try_listen(host, candidate)
        except OSError:
            continue
        return f"{shown}:{candidate}"
    return f"{shown}:{port + 1}"
