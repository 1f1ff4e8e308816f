"""The structure of the ``modspec`` parser, pinned: every command's help, description, epilog and flags.

``tests/golden/cli.json`` holds what a reader of ``modspec --help`` and of
``modspec COMMAND --help`` sees, as argparse stores it rather than as it
formats it (the formatted help changes between Python versions; these fields
do not): for the top-level parser and every subcommand, its one-line help,
description, epilog, prog, its own argument groups and mutually exclusive
groups, and for every action its option strings, dest, help (raw, with
``%(default)s``-style fields unexpanded), metavar, default (repr), const
(repr), type name, choices, nargs and whether it is required. Any change of
the command line's text or flags is a change here. After reviewing such a
change, rewrite the file with ``python -m tests.test_cli_golden`` from the
repository root.
"""

from __future__ import annotations

import argparse
import json

from proofs.cli import build_parser
from .cli_parsers import subcommand_parsers
from .golden_records import load_golden, write_golden

REGENERATE = "review, then rewrite it with python -m tests.test_cli_golden"


def _name(x: object) -> str | None:
    return None if x is None else getattr(x, "__name__", repr(x))


def action_record(action: argparse.Action) -> dict:
    """What argparse stores of one flag or positional argument, as JSON values."""
    sub = isinstance(action, argparse._SubParsersAction)
    return {
        "option_strings": list(action.option_strings), "dest": action.dest, "help": action.help,
        "metavar": list(action.metavar) if isinstance(action.metavar, tuple) else action.metavar,
        "default": repr(action.default), "const": repr(action.const), "type": _name(action.type),
        "choices": None if action.choices is None else list(action.choices), "nargs": action.nargs,
        "required": bool(action.required),
        **({"commands": {c.dest: c.help for c in action._choices_actions}} if sub else {}),
    }


def parser_record(parser: argparse.ArgumentParser, one_line: str | None = None) -> dict:
    """One parser's texts, groups and actions (argparse's own "positional"/"options" group titles excluded:
    they differ between Python versions)."""
    own_groups = [g for g in parser._action_groups if g not in (parser._positionals, parser._optionals)]
    return {
        "prog": parser.prog, "help": one_line, "description": parser.description, "epilog": parser.epilog,
        "groups": [{"title": g.title, "description": g.description, "dests": [a.dest for a in g._group_actions]}
                   for g in own_groups],
        "exclusive": [{"required": g.required, "dests": [a.dest for a in g._group_actions]}
                      for g in parser._mutually_exclusive_groups],
        "actions": [action_record(a) for a in parser._actions],
    }


def cli_record() -> dict:
    """The whole parser: ``modspec`` itself and each subcommand by name."""
    parser = build_parser()
    commands = subcommand_parsers(parser)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    one_line = {c.dest: c.help for c in sub._choices_actions}
    return {"modspec": parser_record(parser),
            **{name: parser_record(p, one_line[name]) for name, p in commands.items()}}


def test_golden_file_lists_every_command():
    golden = load_golden("cli")
    assert sorted(golden) == sorted(["modspec", *subcommand_parsers()]), REGENERATE


def test_command_line_help_and_flags_match_the_reviewed_golden_file():
    expected = load_golden("cli")
    got = json.loads(json.dumps(cli_record()))
    for command in sorted(set(expected) | set(got)):
        assert command in got and command in expected, f"command {command} added or removed ({REGENERATE})"
        exp, new = expected[command], got[command]
        for key in sorted((set(exp) | set(new)) - {"actions"}):
            assert new.get(key) == exp.get(key), f"{command} {key} differs from tests/golden/cli.json ({REGENERATE})"
        assert [a["dest"] for a in new["actions"]] == [a["dest"] for a in exp["actions"]], \
            f"{command}: flags added, removed or reordered ({REGENERATE})"
        for a, b in zip(new["actions"], exp["actions"]):
            assert a == b, f"{command} {a['option_strings'] or a['dest']} differs from tests/golden/cli.json ({REGENERATE})"


def test_golden_record_keeps_help_format_fields_unexpanded():
    # the record holds what argparse stores; '%(choices)s' is expanded only when help is printed
    which = next(a for a in subcommand_parsers()["experiment"]._actions if a.dest == "which")
    assert "%(choices)s" in which.help
    assert action_record(which)["help"] == which.help


if __name__ == "__main__":  # rewrite the golden file (after review)
    write_golden("cli", cli_record(), sort_keys=False)
