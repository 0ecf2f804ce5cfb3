"""The small things a stressed reader notices (issue 21, item 7)."""

from __future__ import annotations

from tests.helpers import crisis, ok


def test_init_in_the_current_folder_says_no_cd() -> None:
    written = ok("init", ".")
    assert written.stdout.rstrip().endswith("Next: crisis check && crisis plan")
    assert "cd ." not in written.stdout


def test_plan_and_check_take_the_playbook_either_way() -> None:
    ok("init", ".")
    as_argument = ok("plan", "playbooks/example.yaml").stdout
    assert as_argument == ok("plan", "-p", "playbooks/example.yaml").stdout
    assert "Ready:" in ok("check", "-p", "playbooks/example.yaml").stdout
    both = crisis("check", "playbooks/example.yaml", "-p", "other.yaml")
    assert both.exit_code == 2
    assert "two playbooks given" in both.stderr and "Traceback" not in both.stderr
