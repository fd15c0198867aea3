"""Parses an iCalendar file written by `credsite report expiring --ics` with the
independent `icalendar` package (PyPI) and checks its events against the CSV list the
same command prints: one all-day event per expiring credential, on its last valid day.

Usage: check_ics.py FILE.ics LIST.csv
"""

import csv
import sys
from datetime import date, timedelta

import icalendar


def main(ics_path, csv_path):
    with open(ics_path, "rb") as f:
        calendar = icalendar.Calendar.from_ical(f.read())
    events = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        start = event["DTSTART"].dt
        end = event["DTEND"].dt
        assert isinstance(start, date), f"{uid}: DTSTART is not a date"
        assert end == start + timedelta(days=1), f"{uid}: not an all-day event"
        assert uid not in events, f"duplicate UID {uid}"
        events[uid] = start
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows, "the list is empty"
    assert len(events) == len(rows), f"{len(events)} events for {len(rows)} credentials"
    for row in rows:
        uid = next((u for u in events if u.startswith(row["id"] + "@")), None)
        assert uid is not None, f"no event for {row['id']}"
        assert events[uid].isoformat() == row["valid_until"], f"{row['id']}: wrong day"
    print(f"check_ics: {len(events)} events parsed by icalendar {icalendar.__version__}, all matching the list")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
