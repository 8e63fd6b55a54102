"""An editor who reads Spanish is told in Spanish why a file cannot be imported."""

from __future__ import annotations

import pytest
from django.utils import translation

from jurisdictions.domain.importer import ImportFileError, plan_import

pytestmark = pytest.mark.django_db

HEADER = b"name,kind,state,fips,ocd_id,deployment_status,activation_date,notes\n"


def test_a_wrong_header_is_explained_in_spanish() -> None:
    with translation.override("es"), pytest.raises(ImportFileError) as refused:
        plan_import(b"name;kind;state\nArlington;county;VA\n")
    (error,) = refused.value.errors
    assert error.message.startswith("La fila de encabezado no es correcta (faltan las columnas: ")
    assert error.message.endswith(
        "Parece que los valores están separados por algo que no son comas."
    )


def test_a_bad_row_is_explained_in_spanish_and_the_same_row_in_english() -> None:
    data = HEADER + b"Arlington County,county,XX,,,,,\n"
    with translation.override("es"):
        plan = plan_import(data)
    messages = [error.message for error in plan.errors]
    assert "estado desconocido «XX»; use un código USPS de dos letras, como VA o DC." in messages
    english = [error.message for error in plan_import(data).errors]
    assert "unknown state “XX”; use a two-letter USPS code such as VA or DC." in english
