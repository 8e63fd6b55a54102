"""Shared fixtures: a fixed cast of users, their signed-in clients, and the 2010 record.

Fixtures used by one surface only live next to its tests (``tests/api/conftest.py``,
``tests/pages/conftest.py``); the admin's helpers (its addresses, the form data a
browser sends back) are in ``tests/admin/helpers.py``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from jurisdictions.models import Agency
from tests.factories import AgencyFactory, RequestFactory
from tracker.domain import services
from tracker.domain.roles import EDITORS, VIEWERS
from tracker.management.commands import load_record
from tracker.models import Letter

#: A minimal PDF of 77 bytes (tests of the size limit set theirs below that).
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the site's language: a page served in Spanish leaves Spanish
    active in the thread (LocaleMiddleware activates, nothing deactivates)."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_request_counts() -> Iterator[None]:
    """Every test starts with no request counted against any address's limits."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _isolated_media(tmp_path: Path, settings: Any) -> Iterator[None]:
    """Every test writes its uploads to its own folder; passwords hash fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests run without `collectstatic`, so skip the hashed-name manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


def _user(django_user_model: Any, username: str, group: str | None, **extra: Any) -> Any:
    user = django_user_model.objects.create_user(
        username=username, password="pw-" + username, is_staff=True, **extra
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db: None, django_user_model: Any) -> Any:
    """A member of the Editors group: adds and changes, never deletes."""
    return _user(django_user_model, "editor", EDITORS)


@pytest.fixture
def viewer(db: None, django_user_model: Any) -> Any:
    """A member of the Viewers group: reads everything, writes nothing."""
    return _user(django_user_model, "viewer", VIEWERS)


@pytest.fixture
def admin_user(db: None, django_user_model: Any) -> Any:
    """A superuser: may delete."""
    return _user(django_user_model, "admin", None, is_superuser=True)


@pytest.fixture
def record_2010(db: None) -> None:
    """The four jurisdictions and the 2010 record, loaded from the fixtures, with the
    correspondence between Congress and the departments (and the sources it cites)."""
    call_command("loaddata", *load_record.FIXTURES, verbosity=0)


# --- Signed-in clients --------------------------------------------------------------


@pytest.fixture
def editor_client(client: Client, editor: Any) -> Client:
    """Django's test client (the ``client`` fixture) signed in as the editor."""
    client.force_login(editor)
    return client


@pytest.fixture
def viewer_client(client: Client, viewer: Any) -> Client:
    """Django's test client (the ``client`` fixture) signed in as the viewer."""
    client.force_login(viewer)
    return client


@pytest.fixture
def api(editor: Any) -> APIClient:
    """An API client signed in as the editor (a session, as the browsable API uses)."""
    client = APIClient()
    client.force_login(editor)
    return client


@pytest.fixture
def reader(viewer: Any) -> APIClient:
    """An API client signed in as the viewer: reads everything, writes nothing."""
    client = APIClient()
    client.force_login(viewer)
    return client


# --- Records more than one surface needs ---------------------------------------------


@pytest.fixture
def sheriff(db: None) -> Agency:
    """A local sheriff's office, the usual sender of a jurisdiction's letters."""
    return AgencyFactory(name="Sheriff", kind=Agency.Kind.SHERIFF, level=Agency.Level.LOCAL)


@pytest.fixture
def letter_with_pdf(editor: Any) -> Letter:
    """A letter logged by the editor with a scanned PDF uploaded as "scan 01.PDF"."""
    return services.letter_log(
        request=RequestFactory(),
        by=editor,
        sender=AgencyFactory(),
        subject="Sheriff's letter: please don't activate",
        attachment=SimpleUploadedFile("scan 01.PDF", PDF, content_type="application/pdf"),
    )


def csv_rows(response: Any) -> list[dict[str, str]]:
    """The rows of a CSV download, each a dict keyed by the header; the download must
    be a 200 served as text/csv."""
    assert response.status_code == 200, response
    assert response["Content-Type"].split(";")[0] == "text/csv"
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, request: pytest.FixtureRequest
) -> None:
    """With ``--reuse-db``, the SQLite test database is a file named after this checkout
    (and the pytest-xdist worker), so the next run finds it and skips creating it.

    Without the flag the file is named after the test process (config/settings.py), so
    runs at the same time never share one; with it, run one suite per checkout at a time.
    PostgreSQL's test database names are stable already (``test_<name>``, with ``_gw0``,
    ``_gw1``... per xdist worker).
    """
    if not request.config.getvalue("reuse_db"):
        return
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    checkout = hashlib.sha256(str(settings.BASE_DIR).encode()).hexdigest()[:12]
    for database in settings.DATABASES.values():
        if database["ENGINE"] == "django.db.backends.sqlite3":
            name = f"opt-out-tracker-test-{checkout}-{worker}.sqlite3"
            database.setdefault("TEST", {})["NAME"] = str(Path(tempfile.gettempdir()) / name)


def _on_postgres() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"))


def pytest_configure(config: Any) -> None:
    # Checked before collection, so the message also stops a pytest-xdist run whole
    # (an error while a worker collects shows only as that worker's crash).
    if os.environ.get("REQUIRE_POSTGRES") and not _on_postgres():
        raise pytest.UsageError("REQUIRE_POSTGRES is set but the database is not PostgreSQL")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if _on_postgres():
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: run with DATABASE_URL=postgres://... (as .ci/run does)"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# --- Real-browser tests ------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture
def browser_page(live_server: Any, tmp_path: Path) -> Iterator[Any]:
    """A Playwright page in Debian's Chromium, pointed at the live test server.

    Skips with the reason when Chromium or Playwright is missing (set
    REQUIRE_BROWSER=1 to fail instead, as CI does).
    """
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"needs Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "needs the playwright package: make test installs it"
    if reason:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the
    # test makes between page actions are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def sign_in(page: Any, username: str, password: str) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def axe() -> Any:
    """axe-core's rules, from the axe.min.js the axe-playwright-python package ships
    (nothing downloaded). Skips when the package is missing; REQUIRE_BROWSER=1 fails."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        reason = "needs the axe-playwright-python package: make test installs it"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    return Axe()
