"""The API's error messages follow the reader's Accept-Language; the data does not change."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.api.helpers import if_match
from tracker.models import OptOutRequest

pytestmark = pytest.mark.django_db


def test_an_unknown_field_is_refused_in_spanish(api: APIClient, optout: OptOutRequest) -> None:
    response = api.patch(
        f"/api/v1/requests/{optout.pk}/",
        {"colour": "blue"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="es",
        HTTP_IF_MATCH=f'"{optout.version}"',
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == "Algunos campos no son válidos: colour."
    assert body["errors"] == {"colour": ["Campo desconocido."]}


def test_a_refused_move_explains_itself_in_spanish(api: APIClient, optout: OptOutRequest) -> None:
    response = api.post(
        f"/api/v1/requests/{optout.pk}/transitions/",
        {"to": "meeting_held"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="es",
        **if_match(optout),
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_not_allowed"
    assert body["detail"].startswith("Una solicitud en el estado Borrador (draft) no puede pasar a")


def test_without_a_spanish_preference_the_api_answers_in_english(
    api: APIClient, optout: OptOutRequest
) -> None:
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No endpoint at this address.")
    spanish = api.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="es")
    assert spanish.json()["detail"].startswith("No hay ningún punto de acceso en esta dirección.")


def test_a_refused_idempotency_key_is_explained_in_spanish(api: APIClient) -> None:
    response = api.post(
        "/api/v1/requests/",
        {},
        format="json",
        HTTP_ACCEPT_LANGUAGE="es",
        HTTP_IDEMPOTENCY_KEY="k" * 300,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_idempotency_key"
    assert body["detail"] == "Idempotency-Key debe tener de 1 a 255 caracteres imprimibles."


def test_a_body_too_large_is_refused_in_spanish_before_it_is_read(api: APIClient) -> None:
    body = b"x" * (settings.REQUEST_MAX_BYTES + 1)
    response = api.generic(
        "POST",
        "/api/v1/requests/",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("El cuerpo de la petición tiene ")


def test_a_change_without_if_match_says_so_in_spanish(
    api: APIClient, optout: OptOutRequest
) -> None:
    response = api.patch(
        f"/api/v1/requests/{optout.pk}/", {"title": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 428
    assert response.json()["detail"].startswith("Envíe la cabecera If-Match")


def test_the_public_api_refuses_an_anonymous_reader_in_spanish(optout: OptOutRequest) -> None:
    """The public (anonymous) API: a bad filter, an unpublished record and a write are
    each explained in Spanish to a Spanish reader."""
    anonymous = APIClient()
    bad_filter = anonymous.get("/api/v1/letters/?sent_after=soon", HTTP_ACCEPT_LANGUAGE="es")
    unpublished = anonymous.get(f"/api/v1/requests/{optout.pk}/", HTTP_ACCEPT_LANGUAGE="es")
    write = anonymous.post("/api/v1/requests/", {}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    english = anonymous.get(f"/api/v1/requests/{optout.pk}/")
    assert (bad_filter.status_code, unpublished.status_code) == (400, 404)
    assert write.status_code in (401, 403)
    for response in (bad_filter, unpublished, write):
        assert response["Content-Language"] == "es"
    assert bad_filter.json()["detail"] == "Algunos campos no son válidos: sent_after."
    assert bad_filter.json()["errors"]["sent_after"][0].startswith("Parámetro desconocido.")
    assert (unpublished.json()["detail"], english.json()["detail"]) == (
        "No encontrado.",
        "Not found.",
    )
    assert write.json()["detail"] == "Las credenciales de autenticación no se proveyeron."
