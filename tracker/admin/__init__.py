"""The editors' admin for the cases: requests, correspondence, meetings, statements."""

from tracker.admin import cases  # noqa: F401  (registers the model admins)
