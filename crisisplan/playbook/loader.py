"""Find, load and validate a playbook and its template library; every problem located."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from crisisplan.errors import Location, PlaybookError, PlaybookInvalid, UsageError
from crisisplan.playbook.model import PLAYBOOK_VERSION, Loc, Playbook, crosscheck
from crisisplan.playbook.safe_yaml import YamlDoc, decode_text, load_yaml
from crisisplan.playbook.templates import FrontMatter, Template
from crisisplan.playbook.validation_messages import explain, shown

TEMPLATE_SUFFIX = ".md.j2"
_FIX_HINT = "Fix each problem above, then run `crisis check` again."
_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class Plan:
    """A validated playbook, where it came from, and its template library by id."""

    playbook: Playbook
    path: Path
    library_dir: Path
    templates: dict[str, Template]
    doc: YamlDoc = field(repr=False, compare=False)

    def locate(self, loc: Loc, *, key: bool = False) -> Location:
        """Where the value at `loc` is written in the playbook (its key with `key=True`)."""
        return self.doc.locate(loc, key=key)

    def template_for(self, purpose: str) -> Template:
        """The template the playbook names for `purpose`, or an error saying what to add."""
        for named_purpose, template_id in self.playbook.templates.items():
            if named_purpose == purpose:
                return self.templates[template_id]
        ids = ", ".join(self.templates) or "none yet"
        raise PlaybookError(
            f"the playbook names no template for {purpose}",
            location=self.locate(("templates",), key=True),
            hint=f"Add `{purpose}: TEMPLATE-ID` under `templates:` (templates in "
            f"{self.library_dir}: {ids}).",
        )

    def templates_by_id(self, template_id: str) -> Template:
        """The library template with this id, or an error listing the ids there are."""
        template = self.templates.get(template_id)
        if template is None:
            near = difflib.get_close_matches(template_id, list(self.templates), n=1)
            ids = ", ".join(self.templates) or "none yet"
            raise UsageError(
                f"there is no template '{template_id}' in {self.library_dir}",
                hint=f"Did you mean '{near[0]}'?" if near else f"Templates there: {ids}.",
            )
        return template


def find_playbook(explicit: Path | None) -> Path:
    """The playbook to use: --playbook, else $CRISIS_PLAYBOOK, else the only one in playbooks/."""
    if explicit is not None:
        return _usable(explicit, "given with --playbook")
    from_env = os.environ.get("CRISIS_PLAYBOOK")
    if from_env:
        return _usable(Path(from_env), "named by CRISIS_PLAYBOOK")
    folder = Path("playbooks")
    found = sorted(
        p for p in (folder.glob("*.y*ml") if folder.is_dir() else []) if _is_yaml_file(p)
    )
    if len(found) == 1:
        return found[0]
    if not found:
        raise UsageError(
            "no playbook to read: none given, CRISIS_PLAYBOOK is not set, "
            "and there is no *.yaml file in ./playbooks/",
            hint="Pass --playbook PATH, set CRISIS_PLAYBOOK=PATH, or run `crisis init` "
            "to write an example plan.",
        )
    raise UsageError(
        f"./playbooks/ holds {len(found)} playbooks ({', '.join(p.name for p in found)}); "
        "which one is meant?",
        hint="Choose one with --playbook PATH or CRISIS_PLAYBOOK=PATH.",
    )


def load_plan(path: Path) -> Plan:
    """Read and validate the playbook at `path` and every template in its library."""
    doc = load_yaml(_read(path, "playbook"), path)
    _check_version(doc)
    playbook = _validate(Playbook, doc)
    problems = [(doc.locate(loc), message) for loc, message in crosscheck(playbook)]
    library_dir, missing = _library_dir(path, playbook, doc)
    templates: dict[str, Template] = {}
    if missing is not None:
        problems.append(missing)
    else:
        templates, broken = _load_library(library_dir, problems)
        problems.extend(_check_purposes(playbook, templates, broken, doc, library_dir))
    if problems:
        raise PlaybookInvalid(_in_order(problems, path), hint=_FIX_HINT)
    return Plan(playbook, path, library_dir, templates, doc)


def _is_yaml_file(path: Path) -> bool:
    return path.suffix in (".yaml", ".yml") and path.is_file()


def _usable(path: Path, how: str) -> Path:
    if not path.exists():
        raise PlaybookError(
            f"the playbook {how} does not exist",
            location=Location(path),
            hint="Check the path, or run `crisis init` to write an example plan.",
        )
    if path.is_dir():
        inside = sorted(p.name for p in path.iterdir() if _is_yaml_file(p))
        raise PlaybookError(
            f"the playbook {how} is a folder, not a YAML file",
            location=Location(path),
            hint=f"Name a file inside it: {', '.join(inside)}."
            if inside
            else "Name the playbook's .yaml file.",
        )
    if not os.access(path, os.R_OK):
        raise PlaybookError(
            f"the playbook {how} cannot be read (permission denied)",
            location=Location(path),
            hint="Check the file's permissions.",
        )
    return path


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise PlaybookError(
            f"the {what} is a folder, not a file",
            location=Location(path),
            hint="Name the file itself.",
        ) from None
    except OSError as error:
        reason = (error.strerror or str(error)).lower()
        raise PlaybookError(
            f"the {what} cannot be read ({reason})",
            location=Location(path),
            hint="Check that the file exists and that you may read it.",
        ) from None


def _check_version(doc: YamlDoc) -> None:
    if "playbook" not in doc.data:
        message = "missing `playbook:` version; add `playbook: 1` at the top"
        raise _one(Location(doc.source, 1, 1), message)
    version = doc.data["playbook"]
    if type(version) is not int or version != PLAYBOOK_VERSION:
        message = (
            f"unsupported playbook version {shown(version, quote=False)}; "
            f"this crisis reads version {PLAYBOOK_VERSION}"
        )
        hint = "Write it in format version 1, or use the crisisplan release that reads it."
        raise _one(doc.locate(("playbook",)), message, hint)


def _one(where: Location, message: str, hint: str | None = None) -> PlaybookInvalid:
    return PlaybookInvalid([(where, message)], hint=hint)


def _validate(model: type[_M], doc: YamlDoc) -> _M:
    try:
        return model.model_validate(doc.data)
    except ValidationError as error:
        problems = [explain(model, detail, doc) for detail in error.errors(include_url=False)]
        raise PlaybookInvalid(_in_order(problems, Path(doc.source)), hint=_FIX_HINT) from None


# --- the template library ------------------------------------------------------------------


def _library_dir(
    path: Path, playbook: Playbook, doc: YamlDoc
) -> tuple[Path, tuple[Location, str] | None]:
    if playbook.library is not None:
        library = path.parent / playbook.library
        if library.is_dir():
            return library, None
        state = "is not a folder" if library.exists() else "does not exist"
        return library, (doc.locate(("library",)), f"the library folder {library} {state}")
    candidates = list(
        dict.fromkeys([path.parent.parent / "response_library", path.parent / "response_library"])
    )
    for library in candidates:
        if library.is_dir():
            return library, None
    looked = " or ".join(str(c) for c in candidates)
    return candidates[0], (
        Location(path, 1, 1),
        f"no response library: there is no folder {looked}; create it "
        "or set `library:` to the folder that holds the templates",
    )


def _load_library(
    library: Path, problems: list[tuple[Location, str]]
) -> tuple[dict[str, Template], set[str]]:
    templates: dict[str, Template] = {}
    broken: set[str] = set()
    root = library.resolve()
    for file in sorted(library.glob(f"*{TEMPLATE_SUFFIX}")):
        template_id = file.name.removesuffix(TEMPLATE_SUFFIX)
        try:
            templates[template_id] = _load_template(file, template_id, root)
        except PlaybookInvalid as error:
            # One plan-wide hint is shown at the end; keep a lone problem's own advice.
            if len(error.problems) == 1 and error.hint and error.hint != _FIX_HINT:
                where, message = error.problems[0]
                problems.append((where, f"{message}. {error.hint}"))
            else:
                problems.extend(error.problems)
            broken.add(template_id)
        except PlaybookError as error:
            problems.append((error.location or Location(file), error.message))
            broken.add(template_id)
    return templates, broken


def _load_template(file: Path, template_id: str, root: Path) -> Template:
    here = Location(file, 1, 1)
    if file.is_symlink() and not file.resolve().is_relative_to(root):
        message = f"template '{template_id}' is a link to {file.resolve()}, outside the library"
        raise _one(here, message, "Copy the file into the library instead.")
    lines = decode_text(_read(file, "template"), file).split("\n")
    if lines[0].rstrip() != "---":
        message = "the template has no front matter"
        hint = "Start it with a `---` line, then `id:` and `purpose:`, then another `---` line."
        raise _one(here, message, hint)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        message = "the front matter that starts at line 1 is never closed"
        raise _one(here, message, "Add a `---` line after it.")
    # A leading newline keeps the front matter's line numbers those of the file.
    doc = load_yaml("\n" + "\n".join(lines[1:end]), file, what="front matter")
    front = _validate(FrontMatter, doc)
    if front.id != template_id:
        message = f"the template id '{front.id}' does not match the file name {file.name}"
        raise _one(doc.locate(("id",)), message, f"Set `id: {template_id}` or rename the file.")
    subject_at = None
    if front.subject is not None:
        at = doc.locate(("subject",))
        subject_at = (at.line or 1, at.column or 1)
    body = "\n".join(lines[end + 1 :])
    return Template(front=front, body=body, path=file, body_line=end + 2, subject_at=subject_at)


def _check_purposes(
    playbook: Playbook,
    templates: dict[str, Template],
    broken: set[str],
    doc: YamlDoc,
    library: Path,
) -> list[tuple[Location, str]]:
    problems: list[tuple[Location, str]] = []
    for purpose, template_id in playbook.templates.items():
        where, template = doc.locate(("templates", purpose)), templates.get(template_id)
        named = f"templates.{purpose} names '{template_id}'"
        if template is None and template_id not in broken:
            near = difflib.get_close_matches(template_id, list(templates), n=1)
            also = f"did you mean '{near[0]}'?" if near else f"it holds {', '.join(templates)}"
            missing = f"{template_id}{TEMPLATE_SUFFIX} in {library}"
            problems.append((where, f"{named}, but there is no {missing}; {also}"))
        elif template is not None and template.front.purpose != purpose:
            actual = f"{template.front.purpose} ({template.path})"
            problems.append((where, f"{named}, but that template's purpose is {actual}"))
    return problems


def _in_order(problems: list[tuple[Location, str]], main: Path) -> list[tuple[Location, str]]:
    """The playbook's problems first, then each template file's, each by line and column."""

    def key(problem: tuple[Location, str]) -> tuple[bool, str, int, int]:
        at = problem[0]
        return Path(at.file) != main, str(at.file), at.line or 0, at.column or 0

    return sorted(problems, key=key)
