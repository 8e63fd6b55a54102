"""Writes ``outlook.msg``: an Outlook message file as Outlook saves a received email.

No public sample ships with an installed package, so the file is made here with the
OLE writer of ``extract-msg`` (the library that reads .msg files in the tracker),
following Microsoft's [MS-OXMSG] layout: the message's properties, its transport
headers, one recipient and one PDF attachment. Run from the repository's root:
``python tests/data/mail/make_outlook_msg.py``.
"""

from __future__ import annotations

import datetime as dt
import struct
import sys
from pathlib import Path

from extract_msg.ole_writer import OleWriter

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent.parent))

from tests.attachment_files import text_pdf  # noqa: E402

PT_LONG, PT_BOOLEAN, PT_SYSTIME, PT_UNICODE, PT_BINARY = 0x0003, 0x000B, 0x0040, 0x001F, 0x0102

HEADERS = (
    "Received: from mail.ice.dhs.gov (mail.ice.dhs.gov [192.0.2.10])\r\n"
    "\tby mx.sfgov.example; Mon, 8 Nov 2010 10:12:40 -0500\r\n"
    'From: "Venturella, David" <david.venturella@ice.dhs.gov>\r\n'
    "To: Sheriff Michael Hennessey <sheriff@sfgov.example>\r\n"
    "Subject: Meeting with ICE staff and the Attorney General's office\r\n"
    "Date: Mon, 8 Nov 2010 10:12:33 -0500\r\n"
    "Message-ID: <4CD8131F.6020705@ice.dhs.gov>\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="outlook"\r\n'
)
SUBJECT = "Meeting with ICE staff and the Attorney General's office"
BODY = (
    "Sheriff Hennessey,\r\n\r\nAs discussed, ICE staff will meet your office and the "
    "California Attorney General's office after the elections. The agenda is attached.\r\n\r\n"
    "David Venturella\r\n"
)


def utf16(text: str) -> bytes:
    """A string stream: UTF-16, without the terminator its size counts."""
    return text.encode("utf-16-le")


def filetime(moment: dt.datetime) -> int:
    return int((moment - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10_000_000)


def entry(prop_id: int, prop_type: int, value: bytes) -> bytes:
    """One 16-byte property entry: tag, flags (readable, writable), value or size."""
    return struct.pack("<II", (prop_id << 16) | prop_type, 6) + value.ljust(8, b"\x00")


def string_entry(prop_id: int, data: bytes, prop_type: int = PT_UNICODE) -> bytes:
    size = len(data) + (2 if prop_type == PT_UNICODE else 0)
    return entry(prop_id, prop_type, struct.pack("<II", size, 0))


def main() -> None:
    writer = OleWriter()
    strings = {
        0x001A: utf16("IPM.Note"),
        0x0037: utf16(SUBJECT),
        0x1000: utf16(BODY),
        0x0C1A: utf16("Venturella, David"),
        0x0C1F: utf16("david.venturella@ice.dhs.gov"),
        0x0C1E: utf16("SMTP"),
        0x0E04: utf16("Sheriff Michael Hennessey"),
        0x007D: utf16(HEADERS),
        0x1035: utf16("<4CD8131F.6020705@ice.dhs.gov>"),
    }
    sent = filetime(dt.datetime(2010, 11, 8, 15, 12, 33, tzinfo=dt.UTC))
    properties = struct.pack("<8sIIII8s", b"", 1, 1, 1, 1, b"")
    properties += entry(0x0039, PT_SYSTIME, struct.pack("<Q", sent))
    properties += entry(0x0E06, PT_SYSTIME, struct.pack("<Q", sent + 70_000_000))
    properties += entry(0x0E07, PT_LONG, struct.pack("<I", 1))  # read
    for prop_id, data in strings.items():
        properties += string_entry(prop_id, data)
        writer.addEntry(f"__substg1.0_{prop_id:04X}{PT_UNICODE:04X}", data)
    writer.addEntry("__properties_version1.0", properties)

    # The named properties' map, empty: every .msg file has one.
    for stream in ("00020102", "00030102", "00040102"):
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")

    recipient = "__recip_version1.0_#00000000"
    recipient_strings = {
        0x3001: utf16("Sheriff Michael Hennessey"),
        0x3003: utf16("sheriff@sfgov.example"),
        0x39FE: utf16("sheriff@sfgov.example"),
        0x3002: utf16("SMTP"),
    }
    recipient_properties = b"\x00" * 8
    recipient_properties += entry(0x0C15, PT_LONG, struct.pack("<I", 1))  # To
    recipient_properties += entry(0x3000, PT_LONG, struct.pack("<I", 0))
    for prop_id, data in recipient_strings.items():
        recipient_properties += string_entry(prop_id, data)
        writer.addEntry(f"{recipient}/__substg1.0_{prop_id:04X}{PT_UNICODE:04X}", data)
    writer.addEntry(f"{recipient}/__properties_version1.0", recipient_properties)

    attachment = "__attach_version1.0_#00000000"
    pdf = text_pdf("Agenda of the meeting with ICE and the California Attorney General")
    attachment_strings = {
        0x3707: utf16("Agenda.pdf"),
        0x3704: utf16("Agenda.pdf"),
        0x3703: utf16(".pdf"),
        0x370E: utf16("application/pdf"),
    }
    attachment_properties = b"\x00" * 8
    attachment_properties += entry(0x3705, PT_LONG, struct.pack("<I", 1))  # by value
    attachment_properties += entry(0x0E21, PT_LONG, struct.pack("<I", 0))
    attachment_properties += entry(0x0E20, PT_LONG, struct.pack("<I", len(pdf)))
    attachment_properties += string_entry(0x3701, pdf, PT_BINARY)
    writer.addEntry(f"{attachment}/__substg1.0_3701{PT_BINARY:04X}", pdf)
    for prop_id, data in attachment_strings.items():
        attachment_properties += string_entry(prop_id, data)
        writer.addEntry(f"{attachment}/__substg1.0_{prop_id:04X}{PT_UNICODE:04X}", data)
    writer.addEntry(f"{attachment}/__properties_version1.0", attachment_properties)

    writer.write(HERE / "outlook.msg")


if __name__ == "__main__":
    main()
