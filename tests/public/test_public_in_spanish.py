"""The public record in Spanish: the browser's language, the switch, dates the Spanish way,
and the 2010 record's own words left as the sources wrote them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_spanish_browser_reads_the_public_index_in_spanish(
    client: Client, record_2010: None
) -> None:
    page = client.get(reverse("public-index"), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9").text
    assert '<html lang="es">' in page
    assert "Jurisdicciones que pidieron salirse del programa" in page
    assert "Secure Communities (Comunidades Seguras): el registro público" in page
    assert "Jurisdictions that asked to opt out" not in page


def test_without_a_spanish_preference_the_pages_stay_in_english(
    client: Client, record_2010: None
) -> None:
    for accept in ("", "en-US,en;q=0.9", "fr-FR,fr;q=0.9"):
        headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
        page = client.get(reverse("public-index"), **headers).text
        assert '<html lang="en">' in page
        assert "Jurisdictions that asked to opt out" in page


def test_the_timeline_writes_dates_the_spanish_way_and_keeps_the_record_s_words(
    client: Client, record_2010: None
) -> None:
    url = reverse("public-jurisdiction", args=["ca-san-francisco"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").text
    assert "Cronología" in page
    assert "Reunión (prevista)" in page
    # San Francisco's dates are known only to the year: written as the year, no day invented.
    assert '<p class="when">2010</p>' in page
    assert "fecha desconocida" in page
    # The letters' subjects are the sources' own words, in English.
    assert "Second request to opt out" in page


def test_the_contradictions_read_in_spanish_with_spanish_dates(
    client: Client, record_2010: None
) -> None:
    page = client.get(reverse("public-contradictions"), HTTP_ACCEPT_LANGUAGE="es").text
    assert "<h1>Contradicciones</h1>" in page
    assert "7 de septiembre de 2010" in page and "6 de octubre de 2010" in page
    assert "29 días de diferencia" in page
    assert "Salirse del programa es posible" in page
    # The officials' quotes are not translated.
    assert "opt in/opt out program" in page


def test_one_pair_says_in_spanish_what_each_statement_holds(
    client: Client, record_2010: None
) -> None:
    url = reverse("public-contradiction", args=["2010-09-07-napolitano", "2010-10-06-napolitano"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").text
    assert "Una declaración dice que salirse de Secure Communities es posible" in page
    assert "; la otra, que es imposible." in page


def test_the_language_switch_remembers_the_choice_in_a_cookie(
    client: Client, record_2010: None
) -> None:
    index = reverse("public-index")
    page = client.get(index).text
    assert 'action="/i18n/setlang/"' in page
    assert '<button type="submit" name="language" value="es" lang="es">Español</button>' in page
    response = client.post("/i18n/setlang/", {"language": "es", "next": index})
    assert response.status_code == 302
    assert response["Location"] == index
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    # Later pages are in Spanish without any Accept-Language, and the cookie beats
    # an English browser.
    statements = client.get(reverse("public-statements"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "Lo que dijeron las autoridades sobre salirse del programa" in statements
    client.post("/i18n/setlang/", {"language": "en", "next": index})
    assert "What officials said about opting out" in client.get(reverse("public-statements")).text


def test_the_public_search_answers_in_spanish(client: Client, record_2010: None) -> None:
    page = client.get(reverse("public-search"), {"q": "Napolitano"}, HTTP_ACCEPT_LANGUAGE="es").text
    assert "resultados para «Napolitano»" in page
    assert "Declaración · " in page
