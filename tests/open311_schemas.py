"""JSON Schemas of GeoReport v2 responses, written here from the specification
(wiki.open311.org/GeoReport_v2): field names, which are required, their types, the status
values and the W3C datetimes. Written anew rather than copied: the open311/schema-validation
repository's schemas carry no licence."""

TEXT = {"anyOf": [{"type": "string"}, {"type": "null"}]}
DATETIME = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}
NUMBER = {"anyOf": [{"type": "number"}, {"type": "null"}]}


def list_of(item: dict) -> dict:
    return {"type": "array", "items": item}


SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {
        "service_code": {"type": "string"},
        "service_name": {"type": "string"},
        "description": TEXT,
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": TEXT,
        "group": TEXT,
    },
}

SERVICE_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": list_of(
            {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "order", "description"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string"},
                    "datatype": {
                        "enum": [
                            "string",
                            "number",
                            "datetime",
                            "text",
                            "singlevaluelist",
                            "multivaluelist",
                        ]
                    },
                    "required": {"type": "boolean"},
                    "datatype_description": TEXT,
                    "order": {"type": "integer"},
                    "description": {"type": "string"},
                },
            }
        ),
    },
}

REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": {"type": "string"},
        "status": {"enum": ["open", "closed"]},
        "status_notes": TEXT,
        "service_name": TEXT,
        "service_code": {"type": "string"},
        "description": {"anyOf": [{"type": "string", "maxLength": 4000}, {"type": "null"}]},
        "agency_responsible": TEXT,
        "service_notice": TEXT,
        "requested_datetime": {"type": "string", "format": "date-time"},
        "updated_datetime": DATETIME,
        "expected_datetime": DATETIME,
        "address": TEXT,
        "address_id": TEXT,
        "zipcode": TEXT,
        "lat": NUMBER,
        "long": NUMBER,
        "media_url": {"anyOf": [{"type": "string", "format": "uri"}, {"type": "null"}]},
    },
}

CREATED = list_of(
    {
        "type": "object",
        "properties": {
            "service_request_id": {"type": "string"},
            "token": {"type": "string"},
            "service_notice": TEXT,
            "account_id": TEXT,
        },
        "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
    }
)

UPDATE = {
    "type": "object",
    "required": ["update_id", "service_request_id", "status", "updated_datetime"],
    "properties": {
        "update_id": {"type": "string"},
        "service_request_id": {"type": "string"},
        "status": {"enum": ["open", "closed"]},
        "updated_datetime": {"type": "string", "format": "date-time"},
        "description": TEXT,
        "media_url": TEXT,
    },
}

ERRORS = list_of(
    {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    }
)
