"""The editors' admin for jurisdictions, agencies and contacts, with the CSV import."""

from jurisdictions.admin import records  # noqa: F401  (registers the model admins)
