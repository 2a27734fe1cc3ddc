"""The measurement behind the IVR's choice of SIP/RTP stack: pyVoIP (the maintained pure-Python
VoIP library on PyPI) answering the same calls as `igrs ivr`, measured by the same phones.

pyVoIP is not a dependency of IGRS; give a Python that has it:

    python3 -m venv /tmp/pyvoip && /tmp/pyvoip/bin/pip install pyVoIP==1.6.8
    .venv/bin/python -m bench.ivr_pyvoip --python /tmp/pyvoip/bin/python

pyVoIP registers with a SIP server before it answers anything, so a minimal registrar (it
answers REGISTER with 200 OK) runs beside it on loopback. Each call is answered and sent
10 seconds of a 440 Hz tone; pyVoIP paces each call's RTP in its own thread.
"""

import argparse
import asyncio
import os
import signal
import subprocess
import tempfile
import textwrap
from pathlib import Path

from bench.ivr import cpu_seconds, free_udp_port, load
from bench.tables import Table, ratio

ANSWERING = textwrap.dedent(r"""
    import math, re, socket, sys, threading, time
    from pyVoIP.VoIP import VoIPPhone, CallState

    registrar_port, sip_port = int(sys.argv[1]), int(sys.argv[2])

    def registrar():
        # pyVoIP sends every SIP message to its server: answer REGISTER, and relay the rest
        # like a proxy would: a response to its top Via, a request to its Request-URI.
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", registrar_port))
        while True:
            data, addr = s.recvfrom(65535)
            text = data.decode(errors="replace")
            head = text.split("\r\n\r\n")[0].split("\r\n")
            if head[0].startswith("REGISTER"):
                keep = [h for h in head[1:] if h.split(":")[0].lower() in
                        ("via", "from", "to", "call-id", "cseq", "contact")]
                reply = "\r\n".join(["SIP/2.0 200 OK", *keep, "Expires: 3600",
                                       "Content-Length: 0", "", ""])
                s.sendto(reply.encode(), addr)
            elif head[0].startswith("SIP/2.0"):
                via = next(h for h in head if h.lower().startswith("via:"))
                host, port = re.search(r"UDP ([^:;\s]+):(\d+)", via).groups()
                s.sendto(data, (host, int(port)))
            else:
                host, port = re.search(r"sip:[^@]*@?([^:;>\s]+):(\d+)", head[0]).groups()
                s.sendto(data, (host, int(port)))

    threading.Thread(target=registrar, daemon=True).start()
    tone = bytes(int(128 + 100 * math.sin(2 * math.pi * 440 * i / 8000))
                 for i in range(8000 * 10))

    def answer(call):
        call.answer()
        call.write_audio(tone)
        while call.state == CallState.ANSWERED:
            time.sleep(0.1)

    phone = VoIPPhone("127.0.0.1", registrar_port, "ivr", "x", callCallback=answer,
                      myIP="127.0.0.1", sipPort=sip_port, rtpPortLow=30000, rtpPortHigh=40000)
    phone.start()
    print("ready", flush=True)
    threading.Event().wait()
""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", required=True, help="a Python with pyVoIP installed")
    parser.add_argument("--levels", default="1,25,50")
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    os.sched_setaffinity(0, {1})
    table = Table(
        "pyVoIP 1.6.8 answering the same calls (pinned to CPU 0)",
        [
            "calls",
            "answered",
            "heard audio",
            "receive jitter p99 ms",
            "CPU % of one core",
            "CPU ms per call-second",
            "jitter vs 1 call",
        ],
    )
    baseline = None
    with tempfile.TemporaryDirectory() as temp:
        script = Path(temp) / "answer.py"
        script.write_text(ANSWERING)
        for calls in (int(n) for n in args.levels.split(",")):
            port = free_udp_port()
            child = subprocess.Popen(
                [args.python, str(script), str(free_udp_port()), str(port)],
                stdout=subprocess.PIPE,
                text=True,
                preexec_fn=lambda: os.sched_setaffinity(0, {0}),
            )
            try:
                if child.stdout.readline().strip() != "ready":
                    raise RuntimeError("pyVoIP did not start")
                cpu_seconds(child.pid)
                measured = asyncio.run(load(port, calls, args.seconds, child.pid))
            finally:
                child.send_signal(signal.SIGKILL)
                child.wait()
            baseline = baseline or measured["jitter_p99"]
            table.add(
                calls,
                measured["answered"],
                measured["spoken"],
                round(measured["jitter_p99"], 2),
                round(measured["cpu_share"] * 100, 1),
                round(measured["cpu_share"] * 1000 / max(calls, 1), 2),
                ratio(measured["jitter_p99"], baseline),
            )
    print(table.markdown())


if __name__ == "__main__":
    main()
