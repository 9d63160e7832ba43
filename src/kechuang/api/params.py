"""Bounded parameter and field types shared by every route: ids, offsets, text and amounts.

The bounds come from domain.limits, the rules the importers and the forms apply too; here they also
document themselves in the OpenAPI schema (maximum, maxLength).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import Header, Path, Query
from pydantic import AfterValidator, Field

from kechuang.domain.limits import LONG_TEXT, MAX_AMOUNT_YUAN, MAX_ID, MAX_OFFSET, SHORT_TEXT, check_text

MAX_QUERY_CHARS = 500

ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="A record id")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
After = Annotated[
    int | None,
    Query(ge=1, le=MAX_ID, description="Keyset paging, newest order: the id of the last item of the "
          "previous page; the page starts below it (constant cost at any depth, unlike offset). Not with "
          "offset or q."),
]
SearchText = Annotated[
    str,
    Query(max_length=MAX_QUERY_CHARS, description="Text in names, titles or keywords (Chinese or English)."),
    AfterValidator(partial(check_text, max_length=MAX_QUERY_CHARS)),
]
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]
ShortText = Annotated[str, Field(max_length=SHORT_TEXT), AfterValidator(check_text)]
LongText = Annotated[
    str,
    Field(max_length=LONG_TEXT),
    AfterValidator(partial(check_text, max_length=LONG_TEXT, multiline=True)),
]
Yuan = Annotated[float, Field(ge=0, le=MAX_AMOUNT_YUAN, allow_inf_nan=False, description="Yuan")]

# Every POST that changes state takes a retry key; the same key (per user) acts once (services.audit.replayed)
IdemKey = Header(
    None, alias="Idempotency-Key", max_length=200, description="Retry key: the same key acts once"
)
