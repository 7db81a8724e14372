"""API output schemas that mask personal numbers by role by default."""

from __future__ import annotations

from typing import Any, ClassVar

from ninja import Schema
from pydantic import ValidationInfo, model_validator

from wangge.core import masking


class MaskedSchema(Schema):
    """An output schema whose personal fields are masked unless the caller's role reveals them.

    Declare the fields and their kind (`masked_fields = {"phone": masking.PHONE}`); a value
    reaches the caller in full only when `masking.may_reveal` says so for the request's account.
    Without a request (the schema used outside an API answer) everything stays masked.
    """

    masked_fields: ClassVar[dict[str, str]] = {}
    # The model label prefix whose reveal rule applies ("roster." for staff); "" for people.
    masked_model: ClassVar[str] = ""

    @model_validator(mode="after")
    def _mask_personal_fields(self, info: ValidationInfo) -> Any:
        request = (info.context or {}).get("request") if isinstance(info.context, dict) else None
        viewer = getattr(request, "auth", None) or getattr(request, "user", None)
        for name, kind in self.masked_fields.items():
            value = getattr(self, name, None)
            if isinstance(value, str) and value:
                object.__setattr__(self, name, masking.shown(viewer, kind, value, self.masked_model))
        return self
