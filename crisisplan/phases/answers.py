"""The answers to the playbook's review questions: asked, read from a file, or left open."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crisisplan.errors import CrisisError, Location, UsageError


@dataclass
class Answers:
    """The playbook's review questions and what the team said; None where nobody was asked."""

    questions: list[str]
    given: list[str | None]
    source: str  # "file", "terminal", or "none"

    def pairs(self) -> list[dict[str, str | None]]:
        return [
            {"question": q, "answer": a} for q, a in zip(self.questions, self.given, strict=True)
        ]


def unanswered(questions: list[str]) -> Answers:
    """No terminal and no --answers: the report leaves the questions open."""
    return Answers(list(questions), [None] * len(questions), "none")


def read_answers(path: Path, questions: list[str]) -> Answers:
    """`--answers FILE`: YAML mapping each question (or its number) to an answer, or a list."""
    from crisisplan.errors import PlaybookInvalid
    from crisisplan.playbook.safe_yaml import decode_text, load_yaml

    try:
        text = decode_text(path.read_bytes(), path)
    except OSError as exc:
        raise UsageError(
            f"cannot read the answers file {path}: {exc.strerror or exc}.",
            hint="Check the path, or leave --answers out to answer on the terminal.",
        ) from None
    wrapped = _wrap_list(text)

    def unshift(loc: Location) -> Location:
        """A place in the text read -> the same place in the file as written."""
        if wrapped is None or loc.line is None:
            return loc
        _, line, inserted = wrapped
        if inserted and loc.line > line:
            return Location(path, loc.line - 1, loc.column)
        if not inserted and loc.line == line and loc.column is not None:
            return Location(path, loc.line, max(1, loc.column - len(_LIST) - 2))
        return loc

    def unshift_text(message: str) -> str:
        if wrapped is None or not wrapped[2]:
            return message
        return re.sub(
            r"at line (\d+)",
            lambda m: f"at line {unshift(Location(path, int(m.group(1)))).line}",
            message,
        )

    try:
        doc = load_yaml(wrapped[0] if wrapped else text, path, what="answers file")
    except PlaybookInvalid as exc:
        problems = [(unshift(loc), unshift_text(m)) for loc, m in exc.problems]
        raise PlaybookInvalid(problems, hint=exc.hint) from None
    given: list[str | None] = [None] * len(questions)
    if wrapped:
        items = doc.data[_LIST] or []
        if len(items) > len(questions):
            where = unshift(doc.locate((_LIST, len(questions))))
            raise _bad(where, f"there are {len(items)} answers for {len(questions)} questions")
        for i, value in enumerate(items):
            given[i] = _answer(value, unshift(doc.locate((_LIST, i))))
        return Answers(list(questions), given, "file")
    keys = {_plain(q): i for i, q in enumerate(questions)}
    keys.update({str(i): i - 1 for i in range(1, len(questions) + 1)})
    for key, value in doc.data.items():
        index = keys.get(_plain(key))
        if index is None:
            numbered = " ".join(f"({n}) {q}" for n, q in enumerate(questions, start=1))
            raise _bad(
                unshift(doc.locate((key,), key=True)),
                f"{key!r} is not one of the playbook's review questions",
                f"Write each question as the playbook does, or its number. They are: {numbered}",
            )
        given[index] = _answer(value, unshift(doc.locate((key,))))
    return Answers(list(questions), given, "file")


_LIST = "answers"


def _wrap_list(text: str) -> tuple[str, int, bool] | None:
    """A top-level list as the value of one key: (text, line, whether a line was inserted).

    The safe loader reads mappings only, and a list in order is as natural for answers.
    """
    lines = text.split("\n")
    for number, line in enumerate(lines):
        bare = line.strip()
        if not bare or bare.startswith(("#", "%", "---")):
            continue
        if bare.startswith("["):  # a flow list: the key goes on its line
            lines[number] = f"{_LIST}: {line}"
            return "\n".join(lines), number + 1, False
        if bare == "-" or bare.startswith("- "):  # a block list may sit at its key's indent
            lines.insert(number, f"{_LIST}:")
            return "\n".join(lines), number + 1, True
        return None
    return None


def _plain(question: str) -> str:
    return " ".join(question.split()).casefold().rstrip("?.: ")


def _answer(value: Any, where: Location) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        raise _bad(where, "an answer must be text, not a list or a mapping")
    return str(value).strip()


def _bad(where: Location, message: str, hint: str | None = None) -> CrisisError:
    return UsageError(
        message + ".",
        location=where,
        hint=hint or "Write one answer per question: `Question?: answer`, or a list in order.",
    )
