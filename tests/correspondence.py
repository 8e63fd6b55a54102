"""The 2010 correspondence between Congress and the departments, as the tests read it."""

from __future__ import annotations

#: The statements of the 2010 record on whether localities can opt out: every one of
#: them answers that question (Rep. Lofgren's asks it). The main fixture gives them
#: this topic; until then the tests set it.
#: DOJ's letter of 8 September 2010 against DHS's statement of 6 October 2010.
WEICH_NAPOLITANO = "2010-09-08-weich--2010-10-06-napolitano"
WEICH_NAPOLITANO_LABEL = "DOJ (8 September 2010) vs DHS (6 October 2010)"

LOFGREN_THREAD = "2010-lofgren-napolitano-weich"
