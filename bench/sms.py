"""Section 6: the SMS outbox's throughput through real gateways on loopback — Kannel's
sendsms into its fake SMSC (delivery reports back over HTTP to `igrs serve`) and SMPP to the
Net::SMPP test SMSC — against the console gateway writing a file (the baseline), and against
the helpline's need."""

import time
from pathlib import Path
from typing import Any

from django.conf import settings

# Every complaint costs 3–5 SMS (citizen on filing and disposal, officer on assignment and
# reminders); 4 on average for the helpline's 80,000 a day. The busiest hour carries about
# an eighth of the day's calls.
SMS_PER_DAY = 80_000 * 4
NEED_AVERAGE = SMS_PER_DAY / 86_400
NEED_PEAK = SMS_PER_DAY / 8 / 3_600
MIX = (  # (message type, language, context): a Hindi citizen SMS, an English officer SMS
    ("registered_assigned", "hi", {"post": "तहसीलदार, लखनऊ सदर", "due": "06-12-2026"}),
    (
        "assigned_officer",
        "en",
        {
            "post": "Tehsildar, Lucknow Sadar",
            "due": "06-12-2026",
            "link": "http://127.0.0.1:8000/o/3f-2a-1bx-5d0c2e9a41b7",
        },
    ),
)


def queue(n: int, mobile_base: int) -> None:
    from igrs.notifications.services import queue_sms, save_outbox

    messages = []
    for i in range(n):
        key, language, context = MIX[i % len(MIX)]
        reference = f"2026{i:09d}"
        messages.append(
            queue_sms(
                f"+91{mobile_base + i}",
                key,
                language,
                {**context, "reference": reference},
                reference,
            )
        )
    save_outbox(messages)


def sms_throughput(
    n: int, mobile_base: int, overrides: dict[str, Any], report_timeout: float
) -> dict[str, Any]:
    """Queue n messages, then run worker rounds until none is left to send; then wait for
    the gateway's delivery reports to settle every one (if it sends reports)."""
    from django.db.models import Count

    from igrs.notifications.models import OutboxMessage
    from igrs.notifications.services import FINAL, deliver_pending

    for name, value in overrides.items():
        setattr(settings, name, value)
    queue(n, mobile_base)
    mine = OutboxMessage.objects.filter(
        mobile__gte=f"+91{mobile_base}", mobile__lt=f"+91{mobile_base + n}"
    )
    started = time.perf_counter()
    rounds = 0
    while deliver_pending():
        rounds += 1
    sent_seconds = time.perf_counter() - started
    delivered_seconds = None
    deadline = time.monotonic() + report_timeout
    while report_timeout and time.monotonic() < deadline:
        deliver_pending()  # a worker round also reads SMPP receipts
        if not mine.exclude(status__in=FINAL).exists():
            delivered_seconds = time.perf_counter() - started
            break
        time.sleep(0.02)
    states = dict(mine.values_list("status").annotate(n=Count("pk")))
    return {
        "n": n,
        "sent_seconds": sent_seconds,
        "delivered_seconds": delivered_seconds,
        "rounds": rounds,
        "states": states,
        "parts": sum(mine.values_list("parts", flat=True)),
    }


def run_section(
    db, plan_n: int, timeout: float, workdir: Path, serve, run_part, table, ratio
) -> None:
    """Console baseline, Kannel (HTTP, reports back to a served IGRS) and SMPP, in one run."""
    from tests.sms_rig import Kannel, Smsc

    (workdir / "kannel").mkdir(exist_ok=True)
    kannel = Kannel(workdir / "kannel")
    smsc = None
    try:
        kannel.start()
        smsc = Smsc(workdir)
        with serve(db, 2, 2, workdir / "server-sms.log") as server:
            gateways = [
                (
                    "console file (baseline)",
                    {
                        "IGRS_SMS_GATEWAY": "igrs.notifications.gateways.ConsoleGateway",
                        "IGRS_SMS_FILE": str(workdir / "sms-bench.log"),
                    },
                    0,
                ),
                (
                    "HTTP → Kannel → fake SMSC, reports back",
                    {
                        **kannel.settings(),
                        "IGRS_SMS_TIMEOUT": 10.0,
                        "IGRS_SMS_DLR_BASE": f"http://127.0.0.1:{server.port}",
                    },
                    timeout,
                ),
                (
                    "SMPP → Net::SMPP SMSC, receipts",
                    {
                        "IGRS_SMS_GATEWAY": "igrs.notifications.gateways.SmppGateway",
                        "IGRS_SMPP_PORT": smsc.port,
                    },
                    timeout,
                ),
            ]
            baseline = None
            for number, (name, overrides, report_timeout) in enumerate(gateways):
                found = run_part(
                    db,
                    "sms",
                    timeout,
                    n=plan_n,
                    mobile_base=9_100_000_000 + number * 10_000_000,
                    overrides={**overrides, "IGRS_SMS_RATE": 0},
                    report_timeout=report_timeout,
                )
                rate = found["n"] / found["sent_seconds"]
                baseline = baseline or rate
                delivered = (
                    found["n"] / found["delivered_seconds"] if found["delivered_seconds"] else None
                )
                # Kannel's fake SMSC shows what reached the operator's side: all, once.
                arrived = len(kannel.received()) if "Kannel" in name else ""
                table.add(
                    db.label,
                    name,
                    found["n"],
                    found["parts"],
                    rate,
                    f"{delivered:.0f}" if delivered else "—",
                    ratio(rate, baseline),
                    ratio(rate, NEED_PEAK),
                    arrived or "—",
                    ", ".join(f"{k} {v}" for k, v in sorted(found["states"].items())),
                )
    finally:
        kannel.stop()
        if smsc:
            smsc.stop()
