"""Django's JSON serialization, keeping times to the microsecond.

The stock JSON format rounds datetimes and times to the millisecond, so a record
dumped and loaded back would not be the record it was (its creation time, its
history's timestamps). Archives (``core.backups``) use this format instead;
registered as ``exactjson`` in ``SERIALIZATION_MODULES``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.serializers.json import Deserializer as JSONDeserializer
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer


class ExactJSONEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            if isinstance(o, dt.time) and o.utcoffset() is not None:
                raise ValueError("JSON can't represent timezone-aware times.")
            return o.isoformat()
        return super().default(o)


class Serializer(JSONSerializer):
    def _init_options(self) -> None:
        super()._init_options()  # type: ignore[misc]  # untyped in django-stubs
        self.json_kwargs["cls"] = ExactJSONEncoder


Deserializer = JSONDeserializer
