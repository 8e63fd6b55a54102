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
