"""Reads: the one place a read rule of the cases lives.

The services (``services.py``) are the only path that writes; the selectors are
the only place that decides what a read returns: which letters are awaiting a
reply, overdue or very overdue, when a reply is due and why, the timeline of a
request or a jurisdiction for an audience, what the public may see, and search.
The admin, the staff pages, the public pages, the API, the CSV exports, the
calendar feed, the reminders and the milestones all call these functions and
never write a rule of their own.
"""

from __future__ import annotations


# --- Letters and requests with their flags ----------------------------------------------
#
# Awaiting a reply, overdue, very overdue, days waiting, and the due date with how it
# was counted: annotated in the same query as the rows, so no row costs a query.
#
#
#
#
#
#
#


# --- Timelines ------------------------------------------------------------------------
#
# Everything that happened in a request or a jurisdiction, for an audience (staff or
# the public), dated and sorted one way on every surface.
#
#
#
#
#
#
#


# --- What the public may see, and search ---------------------------------------------
#
# Published records (marked public, and for anything of a request, its request public
# too) and the search over them; the staff search over everything.
#
#
#
#
#
#
#
