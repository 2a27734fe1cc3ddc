"""Load many complaints fast with one INSERT … SELECT, for the sweep benchmark.

Every OVERDUE_EVERY-th row is assigned and past due (1%), about a fifth are assigned and due
later, the rest are closed with old deadlines, so only the partial index tells them apart.
All rows use real seeded ids: the Lucknow Sadar tehsildar (whose superior is the DM), the
land category and the tehsil, so a sweep can escalate them.
"""

import datetime as dt
from typing import Any

COLUMNS = (
    "reference, source, language, complainant_name, mobile, address, email, place_detail, "
    "description, status, level, current_post_id, accountable_post_id, assigned_at, due_at, "
    "remind_at, defaulted, "
    "escalation_count, disposal, special_ground, verification_attempts, closure_kind, "
    "closed_at, flagged, call_id, created_at, updated_at, version, category_id, place_id"
)
POSTGRES = f"""
INSERT INTO grievances_complaint ({COLUMNS})
SELECT 'B' || lpad(g::text, 12, '0'), 'helpline', 'hi', 'Bench complainant',
       '+919' || lpad(g::text, 9, '0'), '', '', '', 'Bulk-loaded complaint for the sweep',
       CASE WHEN {{open}} THEN 'assigned' ELSE 'closed' END, 1, %(post)s, %(post)s,
       t.now - interval '30 days',
       CASE WHEN {{overdue}} THEN t.now - (1 + g %% 1440) * interval '1 minute'
            WHEN {{open}} THEN t.now + (1 + g %% 7) * interval '1 day'
            ELSE t.now - (10 + g %% 300) * interval '1 day' END,
       NULL, FALSE, 0, '', '', 0, CASE WHEN {{open}} THEN '' ELSE 'satisfied' END,
       CASE WHEN {{open}} THEN NULL ELSE t.now - interval '5 days' END,
       FALSE, '', t.now - interval '30 days', t.now, 2, %(category)s, %(place)s
FROM generate_series(1, %(rows)s) AS g, (SELECT %(now)s::timestamptz AS now) AS t
"""
SQLITE = f"""
WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :rows)
INSERT INTO grievances_complaint ({COLUMNS})
SELECT 'B' || printf('%012d', g), 'helpline', 'hi', 'Bench complainant',
       '+919' || printf('%09d', g), '', '', '', 'Bulk-loaded complaint for the sweep',
       CASE WHEN {{open}} THEN 'assigned' ELSE 'closed' END, 1, :post, :post,
       datetime(:now, '-30 days'),
       CASE WHEN {{overdue}} THEN datetime(:now, printf('-%d minutes', 1 + g % 1440))
            WHEN {{open}} THEN datetime(:now, printf('+%d days', 1 + g % 7))
            ELSE datetime(:now, printf('-%d days', 10 + g % 300)) END,
       NULL, 0, 0, '', '', 0, CASE WHEN {{open}} THEN '' ELSE 'satisfied' END,
       CASE WHEN {{open}} THEN NULL ELSE datetime(:now, '-5 days') END,
       0, '', datetime(:now, '-30 days'), :now, 2, :category, :place
FROM s
"""


def load_sql(vendor: str, overdue_every: int) -> str:
    # The literal modulus keeps the SQL free of placeholders inside the CASE expressions.
    mod = "%%" if vendor == "postgresql" else "%"
    overdue = f"g {mod} {overdue_every} = 0"
    template = POSTGRES if vendor == "postgresql" else SQLITE
    return template.format(overdue=overdue, open=f"({overdue} OR g {mod} 10 IN (1, 2))")


def load_params(vendor: str, rows: int, now: dt.datetime, ids: dict[str, int]) -> dict[str, Any]:
    when: Any = now
    if vendor != "postgresql":  # Django keeps naive UTC text on SQLite
        when = now.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "seconds")
    return {
        "rows": rows,
        "now": when,
        "post": ids["post_id"],
        "category": ids["category_id"],
        "place": ids["place_id"],
    }


# The simulated day's backlog (PostgreSQL): complaints whose ATR is in, due for their
# verification call, each with its ATR on the timeline. Rows come from Python (each needs a
# valid reference number) through COPY into a staging table.
AWAITING_STAGE = """
CREATE TEMP TABLE day_backlog (reference text, mobile text, post_id bigint, category_id bigint,
    place_id bigint, created_at timestamptz, verify_after timestamptz)
"""
AWAITING_COPY = "COPY day_backlog FROM STDIN"
AWAITING_INSERT = """
INSERT INTO grievances_complaint (
    reference, source, language, complainant_name, mobile, address, email, place_detail,
    description, status, level, current_post_id, accountable_post_id, assigned_at, defaulted,
    escalation_count, disposal, special_ground, verification_attempts, closure_kind, flagged,
    call_id, created_at, updated_at, version, category_id, place_id, verify_after)
SELECT reference, 'helpline', 'hi', 'राम प्रसाद', mobile, '', '', '',
       'तीन महीने से आय प्रमाण पत्र नहीं बना।', 'awaiting_verification', 1, post_id, post_id,
       created_at, FALSE, 0, 'resolved', '', 0, '', FALSE, '', created_at, verify_after, 3,
       category_id, place_id, verify_after
FROM day_backlog
"""
AWAITING_ATR_EVENTS = """
INSERT INTO grievances_event (complaint_id, at, action, role, actor_post_id, from_status,
    to_status, from_post_id, to_post_id, level, note, data)
SELECT id, updated_at, 'submit_atr', 'officer', current_post_id, 'assigned',
       'awaiting_verification', current_post_id, current_post_id, 1,
       'तहसीलदार ने जाँच कर प्रमाण पत्र जारी कर दिया है।', '{}'::jsonb
FROM grievances_complaint WHERE status = 'awaiting_verification'
"""
