"""`crisis` and `python -m crisisplan`: the last guard against tracebacks.

Loading the commands is inside the guard: they take a tenth of a second to import, and
Ctrl-C pressed meanwhile must not print a traceback either.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Console-script entry point."""
    try:
        from crisisplan.cli import app

        if "_CRISIS_COMPLETE" in os.environ:  # a <TAB>: build only what it completes
            from crisisplan.cli.completion import only_the_command_completed

            only_the_command_completed(app, dict(os.environ))
        app(prog_name="crisis")
    except KeyboardInterrupt:  # while the commands load, before one runs
        sys.stderr.write("Interrupted; nothing was recorded.\n")
        sys.exit(130)  # errors.EXIT_INTERRUPTED, whose import Ctrl-C may have cut short
    except Exception as exc:
        if os.environ.get("CRISIS_DEBUG") == "1":
            raise
        from crisisplan.errors import EXIT_BAD_INPUT

        sys.stderr.write(
            f"error: internal error ({type(exc).__name__}): {exc}. "
            "This is a bug in crisis; run again with CRISIS_DEBUG=1 and report the traceback.\n"
        )
        sys.exit(EXIT_BAD_INPUT)


if __name__ == "__main__":
    main()
