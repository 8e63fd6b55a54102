"""Refused, missing and broken pages are styled, in the reader's language, with a way
back; the 500 and 503 pages need nothing from the database."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import loader
from django.test import Client
from django.utils import translation

from tests.domain.test_outages import unreachable_database

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture
def outsider_client(client: Client, django_user_model: Any) -> Client:
    """Signed in, but in no group: every staff page refuses them."""
    client.force_login(django_user_model.objects.create_user("outsider", password="x"))
    return client


@pytest.fixture
def broken_site(settings: Any) -> Client:
    settings.ROOT_URLCONF = "tests.pages.error_urls"
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_a_refused_action_gets_the_styled_403_with_a_link_back(outsider_client: Client) -> None:
    response = outsider_client.get("/requests/", HTTP_REFERER="http://testserver/letters/")
    assert response.status_code == 403
    page = response.content.decode()
    assert 'class="site-header"' in page
    assert "Not allowed" in page
    assert "You may not do this." in page
    assert 'href="http://testserver/letters/"' in page
    assert 'href="/"' in page


@pytest.mark.django_db
def test_a_refused_action_without_a_referer_links_to_the_dashboard(
    outsider_client: Client,
) -> None:
    page = outsider_client.get("/requests/").content.decode()
    assert '<a href="/">Go back to the page you came from</a>' in page


@pytest.mark.django_db
def test_a_link_back_to_another_site_is_not_offered(outsider_client: Client) -> None:
    page = outsider_client.get("/requests/", HTTP_REFERER="https://evil.example/").content
    assert b"evil.example" not in page


@pytest.mark.django_db
def test_the_403_is_in_spanish(outsider_client: Client) -> None:
    response = outsider_client.get("/requests/", **SPANISH)
    assert response.status_code == 403
    page = response.content.decode()
    assert 'lang="es"' in page
    assert "No permitido" in page
    assert "No tiene permiso para hacer esto." in page


@pytest.mark.django_db
def test_a_missing_staff_page_has_the_staff_look(editor_client: Client) -> None:
    response = editor_client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'class="site-header"' in page
    assert "Page not found" in page
    assert 'href="/">Go to the start page' in page


@pytest.mark.django_db
def test_a_missing_public_page_has_the_public_look(client: Client) -> None:
    response = client.get("/public/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'class="public-header"' in page
    assert 'class="site-header"' not in page
    assert 'href="/public/">Go to the public record' in page


@pytest.mark.django_db
def test_the_404_is_in_spanish(client: Client) -> None:
    page = client.get("/public/no-such-page/", **SPANISH).content.decode()
    assert 'lang="es"' in page
    assert "Página no encontrada" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "header", "home"),
    [("/broken/", "site-header", "/"), ("/public/broken/", "public-header", "/public/")],
)
def test_a_fault_gets_the_styled_500_with_a_way_back(
    broken_site: Client, path: str, header: str, home: str
) -> None:
    response = broken_site.get(path)
    assert response.status_code == 500
    page = response.content.decode()
    assert f'class="{header}"' in page
    assert "Something went wrong" in page
    assert f'<a href="{home}">Go to the start page</a>' in page


@pytest.mark.django_db
def test_the_500_is_in_spanish(broken_site: Client) -> None:
    response = broken_site.get("/broken/", **SPANISH)
    assert response.status_code == 500
    assert "Algo salió mal" in response.content.decode()


def test_the_500_and_503_pages_render_without_a_request_or_the_database() -> None:
    """No ``django_db`` mark: any query here fails the test."""
    for name in ("500.html", "503.html"):
        with translation.override("es"):
            page = loader.get_template(name).render({"home": "/"})
        assert 'lang="es"' in page
        assert "Opt-Out Tracker" in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({}, "Back shortly"),
        (SPANISH, "Volvemos enseguida"),
    ],
)
def test_the_outage_page_is_styled_and_in_the_readers_language(
    client: Client, headers: dict[str, str], words: str
) -> None:
    with unreachable_database():
        response = client.get("/public/search/?q=Arlington", **headers)
    assert response.status_code == 503
    page = response.content.decode()
    assert words in page
    assert 'class="public-header"' in page
    assert 'href="/public/search/?q=Arlington"' in page


@pytest.mark.django_db(transaction=True)
def test_the_outage_page_follows_the_language_cookie(editor_client: Client) -> None:
    editor_client.cookies["django_language"] = "es"
    with unreachable_database():
        response = editor_client.get("/requests/")
    assert response.status_code == 503
    page = response.content.decode()
    assert "Volvemos enseguida" in page
    assert 'class="site-header"' in page
