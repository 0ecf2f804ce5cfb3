"""A status page other tools can read: the `api/v2` files in Statuspage's shape, read over
HTTP by a small client written to Statuspage's documentation, and the Atom feed read by a
real feed reader (feedparser), not only by our own code.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import feedparser
import jsonschema
import pytest

from tests.helpers import ok, start_outage

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "statuspage-api.schema.json").read_text(encoding="utf-8"))
SITE = Path("site")


@pytest.fixture(autouse=True)
def example_plan() -> None:
    ok("init", ".")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served() -> Iterator[str]:
    """The built site served over HTTP, as a status page host would; its base URL."""
    SITE.mkdir(exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(SITE.absolute())))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class StatuspageClient:
    """What an aggregator does with a Statuspage page, per its public API v2 documentation:
    GET {page}/api/v2/status.json for the indicator, summary.json for components and
    unresolved incidents, incidents.json for recent history (updates newest first)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def _get(self, name: str) -> dict[str, Any]:
        with urlopen(f"{self.base}/api/v2/{name}.json", timeout=10) as response:
            assert response.headers.get_content_type() == "application/json"
            document: dict[str, Any] = json.load(response)
        return document

    def indicator(self) -> tuple[str, str]:
        status = self._get("status")["status"]
        return status["indicator"], status["description"]

    def unresolved(self) -> list[tuple[str, str, str]]:
        """(name, impact, latest update's body) of each unresolved incident."""
        return [
            (i["name"], i["impact"], i["incident_updates"][0]["body"])
            for i in self._get("summary")["incidents"]
        ]

    def components(self) -> dict[str, str]:
        return {c["name"]: c["status"] for c in self._get("summary")["components"]}

    def history(self) -> list[tuple[str, str, list[str]]]:
        """(name, status, update statuses newest first) of the recent incidents."""
        return [
            (i["name"], i["status"], [u["status"] for u in i["incident_updates"]])
            for i in self._get("incidents")["incidents"]
        ]


def valid(name: str, definition: str) -> dict[str, Any]:
    """The file, after checking it against its part of docs/statuspage-api.schema.json."""
    document: dict[str, Any] = json.loads((SITE / "api" / "v2" / name).read_text("utf-8"))
    schema = {**SCHEMA, "anyOf": [{"$ref": f"#/$defs/{definition}"}]}
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        document
    )
    return document


def test_the_api_files_validate_and_a_statuspage_client_reads_them(served: str) -> None:
    start_outage("--yes", "--at", "-2h")
    ok("resolve", "--cause", "A failed failover", "--impact", "No sign-ins", "--at", "-1h")
    start_outage("--yes", "--at", "-20m", title="Reminders late")
    ok("update", "We found the cause: a stuck queue.", "-i", "INC-2", "--at", "-5m")
    ok("statuspage", "build", str(SITE), "--title", "Larkspur status")

    status = valid("status.json", "status_document")
    summary = valid("summary.json", "summary_document")
    incidents = valid("incidents.json", "incidents_document")
    assert status["page"] == summary["page"] == incidents["page"]
    assert status["page"]["name"] == "Larkspur status"
    assert status["page"]["time_zone"] == "Etc/UTC"

    client = StatuspageClient(served)
    assert client.indicator() == ("major", "Partial System Outage")
    [(name, impact, latest)] = client.unresolved()
    assert (name, impact) == ("Reminders late", "major")
    assert "stuck queue" in latest
    assert client.history() == [
        ("Reminders late", "investigating", ["investigating", "investigating"]),
        ("Logins failing", "resolved", ["resolved", "investigating"]),
    ]
    assert client.components() == {}  # the example plan names none


def test_once_everything_is_resolved_the_page_says_all_systems_operational(served: str) -> None:
    start_outage("--yes", "--at", "-2h")
    ok("resolve", "--cause", "A failed failover", "--impact", "No sign-ins", "--at", "-1h")
    ok("statuspage", "build", str(SITE))
    summary = valid("summary.json", "summary_document")
    assert summary["incidents"] == [] and summary["scheduled_maintenances"] == []
    client = StatuspageClient(served)
    assert client.indicator() == ("none", "All Systems Operational")
    [(name, status, _)] = client.history()
    assert (name, status) == ("Logins failing", "resolved")


def test_a_feed_reader_reads_every_update_newest_first() -> None:
    start_outage("--yes", "--at", "-50m", title="Logins <failing> & slow")
    ok("update", "We found the cause: a failed database failover.", "--at", "-30m")
    ok("update", "Sign-ins are back for most customers.", "--at", "-10m")
    ok("statuspage", "build", str(SITE), "--title", "Larkspur status")

    parsed = feedparser.parse((SITE / "feed.atom").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Larkspur status"
    assert parsed.feed.id.startswith("urn:uuid:")
    assert [e.title for e in parsed.entries] == [
        "Update: Logins <failing> & slow",
        "Update: Logins <failing> & slow",
        "New incident: Logins <failing> & slow",
    ]
    assert "Sign-ins are back" in parsed.entries[0].content[0].value
    times = [e.updated_parsed for e in parsed.entries]
    assert times == sorted(times, reverse=True)
    assert len({e.id for e in parsed.entries}) == 3


def test_with_components_the_files_still_validate_and_a_client_reads_each_status(
    served: str,
) -> None:
    plan = Path("playbooks/example.yaml")
    plan.write_text(
        plan.read_text(encoding="utf-8")
        + "components:\n  api:\n    name: Public API\n    description: The webhooks too\n"
        + "  web:\n    name: Web app\n",
        encoding="utf-8",
    )
    start_outage("--yes", "--at", "-20m", "--component", "api")
    ok("statuspage", "build", str(SITE))
    summary = valid("summary.json", "summary_document")
    valid("incidents.json", "incidents_document")
    assert [c["id"] for c in summary["incidents"][0]["components"]] == ["api"]
    client = StatuspageClient(served)
    assert client.components() == {"Public API": "partial_outage", "Web app": "operational"}
