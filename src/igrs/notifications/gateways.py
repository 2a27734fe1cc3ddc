"""SMS gateways. A gateway takes one message and returns the provider's message id, or raises
GatewayError. Real operators (HTTP, SMPP) come as further classes with the same method."""

import json
import sys
import threading
import uuid

from django.conf import settings
from django.utils.module_loading import import_string


class GatewayError(Exception):
    pass


class ConsoleGateway:
    """Writes each SMS as one JSON line to IGRS_SMS_FILE ("-" for standard output)."""

    _lock = threading.Lock()

    def send(self, message) -> str:
        message_id = uuid.uuid4().hex
        line = json.dumps(
            {"id": message_id, "to": message.mobile, "key": message.key,
             "dlt_template_id": message.dlt_template_id, "parts": message.parts,
             "text": message.body},
            ensure_ascii=False,
        )
        with self._lock:
            if settings.IGRS_SMS_FILE == "-":
                print(line, file=sys.stdout, flush=True)
            else:
                with open(settings.IGRS_SMS_FILE, "a", encoding="utf-8") as out:
                    out.write(line + "\n")
        return message_id


def get_gateway():
    return import_string(settings.IGRS_SMS_GATEWAY)()
