"""Draft files are written whole or not at all, and never through a link in the way."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from crisisplan import files
from crisisplan.errors import CrisisError
from crisisplan.files import Folder


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def _no_renaming(*args: object, **kwargs: object) -> None:
    raise AssertionError("written under a temporary name, where it could be written unnamed")


def test_a_new_file_is_written_with_no_name_then_linked_under_its_own(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "_write_renamed", _no_renaming)
    folder = Folder(out, mode=0o600)
    folder.write("00002-ada-example-com.md", "Hi Ada,\n")
    folder.close()
    written = out / "00002-ada-example-com.md"
    assert written.read_text(encoding="utf-8") == "Hi Ada,\n"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600 & ~_umask()
    assert [p.name for p in out.iterdir()] == [written.name]  # nothing beside it


def test_a_file_already_there_is_replaced_whole(out: Path) -> None:
    (out / "a.md").write_text("the draft before", encoding="utf-8")
    folder = Folder(out, mode=0o600)
    folder.write("a.md", "the new draft")
    folder.close()
    assert (out / "a.md").read_text(encoding="utf-8") == "the new draft"
    assert [p.name for p in out.iterdir()] == ["a.md"]


def test_a_link_in_the_way_is_replaced_never_written_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files.secrets, "token_hex", lambda _: "abc")  # its temporary names
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not yours", encoding="utf-8")
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "a.md").symlink_to(elsewhere)
    (drafts / ".b.md.abc.tmp").symlink_to(elsewhere)  # where staging would write b.md
    folder = Folder(drafts, mode=0o600)
    folder.write("a.md", "the draft")
    folder.write("b.md", "another draft")
    folder.close()
    assert elsewhere.read_text(encoding="utf-8") == "not yours"
    assert not (drafts / "a.md").is_symlink()
    assert (drafts / "a.md").read_text(encoding="utf-8") == "the draft"
    assert (drafts / "b.md").read_text(encoding="utf-8") == "another draft"


@pytest.mark.parametrize("unnamed", [True, False], ids=["unnamed", "staged"])
def test_a_folder_in_the_way_is_a_plain_error_and_nothing_is_left_behind(
    out: Path, monkeypatch: pytest.MonkeyPatch, unnamed: bool
) -> None:
    if not unnamed:
        monkeypatch.setattr(files, "_UNNAMED", None)  # as where O_TMPFILE is missing
    (out / "a.md").mkdir()
    folder = Folder(out, mode=0o600)
    with pytest.raises(CrisisError, match=r"could not write .*a\.md"):
        folder.write("a.md", "the draft")
    folder.write("b.md", "the next draft")  # the folder still takes the others
    folder.close()
    assert sorted(p.name for p in out.iterdir()) == ["a.md", "b.md"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
