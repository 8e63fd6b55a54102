"""The letter templates a new installation starts with (editable in the admin).

Written after the process the government itself described in 2010: a written notice
to the Assistant Director for the Secure Communities program at ICE and one to the
State Identification Bureau, then waiting for ICE to ask for a meeting.
"""

from __future__ import annotations

# ruff: noqa: E501  (a letter's paragraphs are one line each: the email wraps them)

_STEPS = """{% for step in process_steps %}
  {{ forloop.counter }}. "{{ step }}"
{% endfor %}
({{ process_source }})"""

_SIGNATURE = """Sincerely,

{{ signatory.name }}
{% if signatory.title %}{{ signatory.title }}
{% endif %}{{ sender.name }}"""

_GREETING = """{{ today }}

{% if contact_names %}{{ contact_names }}
{% endif %}{{ recipient.name }}

Dear {% if contact_names %}{{ contact_names }}{% else %}Sir or Madam{% endif %},"""

NOTICE_PROGRAM_OFFICE = {
    "reference": "notice-to-ice-program-office",
    "name": "Notice to ICE's Secure Communities program office",
    "kind": "notice_program_office",
    "subject": "{{ request.reference }} {{ jurisdiction.name }}, {{ jurisdiction.state }}: "
    "formal notice that it does not wish to be activated in Secure Communities",
    "body": _GREETING
    + """

On behalf of {{ sender.name }}, I formally notify you, in writing, that {{ jurisdiction.name }} ({{ jurisdiction.state }}) does not wish to participate in the Secure Communities deployment plan. We ask: {{ request.seeks }}.

We follow the steps ICE itself has described:
"""
    + _STEPS
    + """

We are notifying the State Identification Bureau at the same time. Please request the meeting described above with the federal partners, the jurisdiction and the state, and reply to {{ request.reply_address }}, quoting {{ request.reference }}.

"""
    + _SIGNATURE,
}

NOTICE_SIB = {
    "reference": "notice-to-state-identification-bureau",
    "name": "Notice to the State Identification Bureau",
    "kind": "notice_sib",
    "subject": "{{ request.reference }} {{ jurisdiction.name }}, {{ jurisdiction.state }}: "
    "formal notice that it does not wish to be activated in Secure Communities",
    "body": _GREETING
    + """

On behalf of {{ sender.name }}, I formally notify you, in writing, that {{ jurisdiction.name }} does not wish to participate in the Secure Communities deployment plan. We ask: {{ request.seeks }}.

ICE has said that a jurisdiction in this position must notify both ICE and its State Identification Bureau:
"""
    + _STEPS
    + """

We are notifying ICE's Secure Communities program office at the same time. Please reply to {{ request.reply_address }}, quoting {{ request.reference }}.

"""
    + _SIGNATURE,
}

FOLLOW_UP = {
    "reference": "follow-up-no-reply",
    "name": "Follow-up: no reply yet",
    "kind": "follow_up",
    "subject": "{{ request.reference }} Follow-up: no reply since "
    "{% if first_notice.sent %}{{ first_notice.sent }}{% else %}our notice{% endif %}",
    "body": _GREETING
    + """

{% if first_notice.sent %}On {{ first_notice.sent }} we wrote to you ("{{ first_notice.subject }}"){% if first_notice.days_waiting %}, {{ first_notice.days_waiting }} days ago{% endif %}{% else %}We wrote to you earlier{% endif %}, formally notifying you that {{ jurisdiction.name }} does not wish to participate in the Secure Communities deployment plan. We have had no reply since.

Please confirm that you received our notice and tell us when ICE will request the meeting it has described, and reply to {{ request.reply_address }}, quoting {{ request.reference }}.

"""
    + _SIGNATURE,
}

TEMPLATES = [NOTICE_PROGRAM_OFFICE, NOTICE_SIB, FOLLOW_UP]
