"""Components: the parts of the service a plan names, the incidents that name the parts they
affect, and the status page saying how each part is, in words, in status.json and in the
Statuspage-shaped api/v2 files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.helpers import DB, crisis, events, ok, start_outage

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK = Path("playbooks/example.yaml")
SITE = Path("site")
COMPONENTS = """
components:
  api:
    name: Public API
    description: api.larkspur.example and the webhooks
  web:
    name: Web app
  sign-in:
    name: Sign-in
"""


@pytest.fixture(autouse=True)
def plan_with_components() -> None:
    ok("init", ".")
    PLAYBOOK.write_text(PLAYBOOK.read_text(encoding="utf-8") + COMPONENTS, encoding="utf-8")


def site_json(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SITE / name).read_text(encoding="utf-8"))
    return document


def page() -> str:
    return (SITE / "index.html").read_text(encoding="utf-8")


def valid_status_json() -> dict[str, Any]:
    schema = json.loads((ROOT / "docs" / "status.schema.json").read_text(encoding="utf-8"))
    document = site_json("status.json")
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        document
    )
    return document


def statuses(document: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in document["components"]}


def test_an_incident_names_what_it_affects_and_the_page_shows_each_part() -> None:
    start_outage("--yes", "--component", "api", "--component", "sign-in", "--at", "-20m")
    [started] = events("incident_started")
    assert started["payload"]["components"] == ["api", "sign-in"]

    out = ok("statuspage", "build", str(SITE)).stdout
    assert "Traceback" not in out
    html = page()
    assert '<h2 id="parts">Components</h2>' in html
    assert '<li class="component partial_outage"><span dir="auto">Public API</span> ' in html
    assert '<li class="component operational"><span dir="auto">Web app</span> ' in html
    assert "<strong>Partial outage</strong>" in html and "<strong>Operational</strong>" in html
    assert "<dt>Affects</dt><dd>Public API, Sign-in</dd>" in html

    document = valid_status_json()
    assert statuses(document) == {
        "api": "partial_outage",
        "web": "operational",
        "sign-in": "partial_outage",
    }
    assert document["components"][0]["description"] == "api.larkspur.example and the webhooks"
    assert document["incidents"][0]["components"] == ["api", "sign-in"]
    summary = site_json("api/v2/summary.json")
    assert [(c["name"], c["status"]) for c in summary["components"]] == [
        ("Public API", "partial_outage"),
        ("Web app", "operational"),
        ("Sign-in", "partial_outage"),
    ]
    [incident] = summary["incidents"]
    assert [c["id"] for c in incident["components"]] == ["api", "sign-in"]


def test_an_update_names_the_parts_still_affected_and_one_without_keeps_them() -> None:
    start_outage("--yes", "--component", "api", "--component", "web", "--at", "-30m")
    ok("update", "The API is back; the web app is still slow.", "--component", "web")
    ok("update", "Still working on the web app.", "--at", "+1m")
    first, second = events("public_update")[1:]
    assert first["payload"]["components"] == ["web"]
    assert "components" not in second["payload"]  # not named: as before

    ok("statuspage", "build", str(SITE))
    assert statuses(valid_status_json()) == {
        "api": "operational",
        "web": "partial_outage",
        "sign-in": "operational",
    }

    ok("resolve", "--cause", "A full disk", "--impact", "Slow pages", "--at", "+2m")
    ok("statuspage", "build", str(SITE))
    document = valid_status_json()
    assert set(statuses(document).values()) == {"operational"}
    assert document["incidents"][0]["components"] == ["web"]  # what it affected, still said
    assert "<dt>Affects</dt><dd>Web app</dd>" in page()


def test_an_unknown_component_is_refused_with_the_plans_list_and_nothing_is_recorded() -> None:
    result = crisis(
        "start", "--type", "outage", "--severity", "major", "--title", "Down", "--summary",
        "Unknown", "--component", "api", "--component", "databse", "--yes",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--component 'databse' is not a component in this plan." in result.stderr
    assert "Choose one of: api, web, sign-in." in result.stderr
    assert "Traceback" not in result.stderr
    assert not DB.exists() or events() == []

    start_outage("--yes")
    before = events()
    result = crisis("update", "Still down.", "--component", "dns")
    assert result.exit_code == 2
    assert "'dns' is not a component" in result.stderr and "api, web, sign-in" in result.stderr
    assert events() == before


def test_a_plan_without_components_refuses_the_option_and_says_how_to_add_them() -> None:
    ok("init", "bare")
    result = crisis(
        "start", "--type", "outage", "--severity", "major", "--title", "Down", "--summary",
        "Unknown", "--component", "api", "--yes", "-p", "bare/playbooks/example.yaml",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "The plan names no components" in result.stderr


def test_a_component_without_a_name_is_an_error_at_its_place_in_the_yaml() -> None:
    text = PLAYBOOK.read_text(encoding="utf-8").replace("    name: Web app\n", "    nmae: Web\n")
    PLAYBOOK.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    nmae: Web") + 1
    result = crisis("check")
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert f"example.yaml:{line}:" in result.stderr + result.stdout


def test_plan_shows_the_components_and_check_notices_two_with_one_name() -> None:
    out = ok("plan").stdout
    assert "Components" in out and "Public API" in out and "Sign-in" in out
    PLAYBOOK.write_text(
        PLAYBOOK.read_text(encoding="utf-8").replace("name: Web app", "name: Public API"),
        encoding="utf-8",
    )
    result = crisis("check")
    assert "components 'api' and 'web' are both called 'Public API'" in (
        result.stdout + result.stderr
    )
