"""Reading records out: each serializer's fields turned once into plain getters.

DRF's ``Serializer.to_representation`` asks every field, for every row, to find
its attribute (walking the source path, checking for callables, catching
errors) and then to represent it. On a page of 50 letters with 27 fields that
is most of the answer's time. :class:`FastRepresentation` looks at the fields
once per serializer and picks, for each, the shortest way to the same value:
the column itself for text, numbers and flags, the stored id for a foreign
key, the prefetched ids for a many-to-many field, the serializer's method for
a ``SerializerMethodField``. Any other field is read exactly as DRF reads it.
The answers are the same (``tests/api/test_api_reading.py`` compares every
resource against DRF's own loop); only the work is less.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import ManyRelatedField, PKOnlyObject
from rest_framework.settings import api_settings

from core.dates import partial_date_stored_in
from tracker.api.fields import PartialDateField

Getter = Callable[[Any], Any]
Reader = Callable[[Any], dict[str, Any]]

_SKIP = object()

#: Fields whose representation of a value of exactly this type is the value itself.
_IDENTITY_TYPES: dict[type[serializers.Field], type] = {  # type: ignore[type-arg]
    serializers.CharField: str,
    serializers.URLField: str,
    serializers.EmailField: str,
    serializers.SlugField: str,
    serializers.IntegerField: int,
    serializers.BooleanField: bool,
}


def _drf_getter(field: serializers.Field) -> Getter:  # type: ignore[type-arg]
    """The field read the way ``Serializer.to_representation`` reads it."""
    get_attribute = field.get_attribute
    represent = field.to_representation

    def read(instance: Any) -> Any:
        try:
            attribute = get_attribute(instance)
        except SkipField:
            return _SKIP
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        return None if check_for_none is None else represent(attribute)

    return read


def _model_field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _column_getter(field: serializers.Field, attname: str) -> Getter:  # type: ignore[type-arg]
    """A plain attribute of the record (no path, not callable), as the field shows it."""
    represent = field.to_representation
    identity = _IDENTITY_TYPES.get(type(field))
    if identity is not None:

        def read_plain(instance: Any) -> Any:
            value = getattr(instance, attname)
            if value is None or value.__class__ is identity:
                return value
            return represent(value)

        return read_plain

    def read(instance: Any) -> Any:
        value = getattr(instance, attname)
        return None if value is None else represent(value)

    return read


def _datetime_getter(field: serializers.DateTimeField, attname: str) -> Getter:
    """An aware date and time in the site's time zone, in ISO 8601 with "Z" for UTC, as
    ``DateTimeField`` shows it, with the time zone looked up once rather than per value."""
    represent = field.to_representation
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if output_format is None or str(output_format).lower() != "iso-8601":
        return _column_getter(field, attname)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if zone is None:
        return _column_getter(field, attname)

    def read(instance: Any) -> Any:
        value = getattr(instance, attname)
        if not value:
            return None
        if value.__class__ is not dt.datetime or value.tzinfo is None:
            return represent(value)
        shown = value.astimezone(zone).isoformat()
        return shown[:-6] + "Z" if shown.endswith("+00:00") else shown

    return read


def _getter(
    serializer: serializers.Serializer,  # type: ignore[type-arg]
    field: serializers.Field,  # type: ignore[type-arg]
    model: type[models.Model] | None,
) -> Getter:
    """The shortest way to the field's representation of a record of ``model``."""
    kind = type(field)
    source = str(field.source)
    if kind is serializers.SerializerMethodField:
        method: Getter = getattr(serializer, str(field.method_name))  # type: ignore[attr-defined]
        return method
    if source == "*" or "." in source or model is None:
        return _drf_getter(field)
    if kind is PartialDateField:
        stored = partial_date_stored_in(model, source)
        if stored is None:
            return _drf_getter(field)
        descriptor = stored

        def read_date(instance: Any) -> Any:
            value = descriptor.__get__(instance)
            return None if value is None else value.isoformat()

        return read_date
    model_field = _model_field(model, source)
    if model_field is None:
        return _drf_getter(field)
    if kind is serializers.PrimaryKeyRelatedField and model_field.many_to_one:
        if getattr(field, "pk_field", None) is not None:
            return _drf_getter(field)
        # DRF reads the stored id without loading the related record, and shows it.
        attname = model_field.attname
        return lambda instance: getattr(instance, attname)
    if kind is serializers.SlugRelatedField and model_field.many_to_one:
        slug = str(field.slug_field)  # type: ignore[attr-defined]
        if "__" in slug:
            return _drf_getter(field)

        def read_slug(instance: Any) -> Any:
            related = getattr(instance, source)
            return None if related is None else getattr(related, slug)

        return read_slug
    if kind is ManyRelatedField and model_field.many_to_many:
        child = field.child_relation  # type: ignore[attr-defined]
        if type(child) is not serializers.PrimaryKeyRelatedField or child.pk_field is not None:
            return _drf_getter(field)

        def read_ids(instance: Any) -> Any:
            if instance.pk is None:
                return []
            # The prefetched rows themselves: a related manager per row and field costs
            # more than the list it gives.
            prefetched = instance.__dict__.get("_prefetched_objects_cache", {}).get(source)
            rows = getattr(instance, source).all() if prefetched is None else prefetched
            return [item.pk for item in rows]

        return read_ids
    if model_field.is_relation:
        return _drf_getter(field)
    if kind is serializers.DateTimeField:
        return _datetime_getter(field, model_field.attname)  # type: ignore[arg-type]
    if kind in _IDENTITY_TYPES or kind in (
        serializers.BigIntegerField,
        serializers.ChoiceField,
        serializers.DateField,
        serializers.ReadOnlyField,
    ):
        return _column_getter(field, model_field.attname)
    return _drf_getter(field)


def compile_reader(
    serializer: serializers.Serializer,  # type: ignore[type-arg]
    model: type[models.Model] | None,
) -> Reader:
    """One function that represents a record of ``model`` as ``serializer`` would."""
    getters = [
        (str(field.field_name), _getter(serializer, field, model))
        for field in serializer.fields.values()
        if not field.write_only
    ]
    # A field DRF reads may skip itself (SkipField): it is then left out, as DRF does.
    return lambda instance: {
        name: value for name, getter in getters if (value := getter(instance)) is not _SKIP
    }


class FastRepresentation:
    """``to_representation`` from getters chosen once per serializer (see the module),
    on fields worked out from the model once per class.

    A ``ModelSerializer`` works its fields out of the model for every serializer, so
    for every request; the result depends only on the class, so it is kept, and each
    serializer gets its own copy (as DRF copies the declared fields).
    """

    _readers: dict[type, Reader]
    _fields_of_class: ClassVar[dict[type, dict[str, serializers.Field]]] = {}  # type: ignore[type-arg]

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        kind = type(self)
        built = self._fields_of_class.get(kind)
        if built is None:
            built = self._fields_of_class[kind] = super().get_fields()  # type: ignore[misc]
        return copy.deepcopy(built)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        readers = self.__dict__.get("_readers")
        if readers is None:
            readers = self._readers = {}
        kind = type(instance)
        reader = readers.get(kind)
        if reader is None:
            model = kind if isinstance(instance, models.Model) else None
            reader = readers[kind] = compile_reader(self, model)  # type: ignore[arg-type]
        return reader(instance)
