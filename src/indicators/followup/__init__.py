"""The follow-up of the Committee of Experts' recommendations, linked to the indicators.

Recommendations are data (:func:`load_recommendations`); what the State, civil society and
the Committee reported on each is a records table (:func:`read_follow_up`); :func:`follow_up`
puts them together with the indicators' changes between rounds, and its result writes the
per-State and per-round follow-up reports.

>>> from indicators.followup import load_recommendations
>>> load_recommendations("sample").id
'sample'
"""

from __future__ import annotations

from ._evidence import EVIDENCE_COLUMNS, SIGNALS
from ._files import load_followup_codelist
from ._follow_up import COUNT_RULES, STATUS_COLUMNS, CountRule, FollowUp, follow_up
from ._recommendations import (
    ALL_STATES,
    Recommendation,
    Recommendations,
    Round,
    load_recommendations,
)
from ._records import RECORD_COLUMNS, FollowUpRecords, read_follow_up

__all__ = [
    "ALL_STATES",
    "COUNT_RULES",
    "EVIDENCE_COLUMNS",
    "RECORD_COLUMNS",
    "SIGNALS",
    "STATUS_COLUMNS",
    "CountRule",
    "FollowUp",
    "FollowUpRecords",
    "Recommendation",
    "Recommendations",
    "Round",
    "follow_up",
    "load_followup_codelist",
    "load_recommendations",
    "read_follow_up",
]
