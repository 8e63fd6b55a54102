"""The staff pages in Spanish: navigation, forms and their errors, messages, dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import LetterFactory
from tracker.models import OptOutRequest

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}


def test_the_dashboard_reads_in_spanish_with_the_states_translated(
    editor_client: Client, draft: OptOutRequest
) -> None:
    page = editor_client.get(reverse("dashboard"), **SPANISH).text
    assert '<html lang="es">' in page
    assert "<h1>Solicitudes de exclusión</h1>" in page
    assert ">Panel</a>" in page and ">Cartas</a>" in page
    assert "<span>Borrador</span>" in page
    assert "Cerrar la sesión de editor" in page
    # The switch offers English, named in English.
    assert 'value="en" lang="en">English</button>' in page


def test_a_request_page_in_spanish_writes_the_due_date_the_spanish_way(
    editor_client: Client, draft: OptOutRequest
) -> None:
    LetterFactory(request=draft, subject="Notice to ICE", sent_on=dt.date(2010, 9, 7))
    page = editor_client.get(draft.get_absolute_url(), **SPANISH).text
    assert "Cronología" in page and "Proceso documentado" in page
    assert "7 de septiembre de 2010" in page
    assert "Vence el 7 de octubre de 2010" in page
    assert "desde el 7 de octubre de 2010" in page
    # The letter's subject is the record's own words.
    assert "Notice to ICE" in page
    assert "Registrar una carta" in page and "Guardar la carta" in page
    # Django's own empty choice, which its Spanish catalogue lacks, is translated too.
    assert "- Elija una opción -" in page


def test_a_form_with_errors_explains_them_in_spanish(
    editor_client: Client, draft: OptOutRequest
) -> None:
    response = editor_client.post(
        reverse("request-letter-create", args=[draft.pk]),
        {"letter-direction": "outgoing", "letter-method": "mail"},
        **SPANISH,
    )
    assert response.status_code == 400
    page = response.text
    assert "La carta no se guardó: corrija los campos marcados abajo." in page
    # Django's own message for a missing field, and our labels, in Spanish.
    assert "Este campo es requerido." in page
    assert ">Asunto</label>" in page


def test_a_move_is_announced_in_spanish(editor_client: Client, draft: OptOutRequest) -> None:
    response = editor_client.post(
        reverse("request-withdraw", args=[draft.pk]),
        {"move-note": "El condado desiste", "move-version": draft.version},
        follow=True,
        **SPANISH,
    )
    assert "Pasó a Retirada." in response.text


def test_the_letters_list_speaks_spanish_and_keeps_english_by_default(
    editor_client: Client, draft: OptOutRequest
) -> None:
    LetterFactory(request=draft, subject="Notice to ICE", sent_on=dt.date(2010, 9, 7))
    spanish = editor_client.get(reverse("letters"), **SPANISH).text
    assert "1 carta, primero las más antiguas." in spanish
    assert "Descargar CSV" in spanish
    english = editor_client.get(reverse("letters")).text
    assert "1 letter, oldest first." in english
