"""The documentation is in the repository: README, --help and docs/ name no file outside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from proofs.cli import COMMANDS, build_parser

from .cli_parsers import subcommand_parsers
from .source import source_root

#: Commands documented by a page docs/commands/<name>.md (each page has examples): every command.
DOCUMENTED = ("verify", "spectrum", "trajectory", "simulate", "report", "heldout", "fullrank", "sweep",
              "experiment", "cache")
#: Ways text can point outside the repository.
OUTSIDE = re.compile(r"\.\./|shared/|THEORY\.md|/work/")
#: Markdown links [text](target) to relative targets.
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
#: "docs/theory.md section N" references.
SECTION = re.compile(r"docs/theory\.md\s+section\s+(\d+)")


def _help_texts() -> dict[str, str]:
    parser = build_parser()
    texts = {"modspec": parser.format_help()}
    texts.update({f"modspec {name}": p.format_help() for name, p in subcommand_parsers(parser).items()})
    return texts


def test_help_names_no_file_outside_the_repository() -> None:
    bad = {name: OUTSIDE.findall(text) for name, text in _help_texts().items() if OUTSIDE.search(text)}
    assert not bad, bad


def test_readme_names_no_file_outside_the_repository_and_its_links_resolve() -> None:
    root = source_root()
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert not OUTSIDE.search(readme), OUTSIDE.findall(readme)
    missing = [t for t in LINK.findall(readme) if "://" not in t and not (root / t).exists()]
    assert not missing, missing


def test_docs_links_resolve_inside_the_repository() -> None:
    root = source_root()
    pages = sorted((root / "docs").rglob("*.md"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"shared/|THEORY\.md|/work/", text), page
        for target in LINK.findall(text):
            if "://" in target:
                continue
            resolved = (page.parent / target).resolve()
            assert resolved.exists() and root in resolved.parents, (page.name, target)


def test_every_section_reference_exists_in_docs_theory() -> None:
    root = source_root()
    headings = set(re.findall(r"^## (\d+)\. ", (root / "docs/theory.md").read_text(encoding="utf-8"), re.M))
    texts = list(_help_texts().values()) + [(root / "README.md").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for layer in ("theory", "numeric", "proofs")
              for p in (root / layer).rglob("*.py")]
    cited = {n for text in texts for n in SECTION.findall(text)}
    assert cited and cited <= headings, sorted(cited - headings)


def test_every_command_is_documented() -> None:
    assert set(COMMANDS) == set(DOCUMENTED)


@pytest.mark.parametrize("command", DOCUMENTED)
def test_documented_command_has_a_page_with_examples(command: str) -> None:
    assert command in COMMANDS
    page = source_root() / "docs" / "commands" / f"{command}.md"
    text = page.read_text(encoding="utf-8")
    assert f"modspec {command}" in text and "```sh" in text, page


def test_flag_tables_of_the_command_pages_show_the_metavars_the_parser_uses() -> None:
    checked = 0
    for name, parser in subcommand_parsers().items():
        text = (source_root() / "docs" / "commands" / f"{name}.md").read_text(encoding="utf-8")
        by_flag = {o: a for a in parser._actions for o in a.option_strings}
        for m in re.finditer(r"^\| `(--[a-z0-9-]+)([^`]*)` \|", text, re.M):
            action = by_flag.get(m.group(1))
            assert action is not None, f"docs/commands/{name}.md documents {m.group(1)}, which modspec {name} lacks"
            if action.metavar is not None:
                shown = " ".join(action.metavar) if isinstance(action.metavar, tuple) else action.metavar
                assert m.group(2).strip() == (f"[{shown}]" if action.nargs == "?" else shown), (name, m.group(0))
                checked += 1
    assert checked >= 7, checked


def test_every_example_on_a_command_page_parses() -> None:
    import shlex

    parser, count = build_parser(), 0
    for page in sorted((source_root() / "docs" / "commands").glob("*.md")):
        for block in re.findall(r"```sh\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            for line in block.splitlines():
                argv = shlex.split(line, comments=True)
                ends = [i for i, token in enumerate(argv) if token in (">", ">>", "|", "&&", ";", "2>")]
                argv = argv[:ends[0]] if ends else argv  # the command, without a redirection or pipe after it
                if argv and argv[0] == "modspec":
                    parser.parse_args(argv[1:])  # SystemExit on a flag or value the parser refuses
                    count += 1
    assert count >= 20, count
