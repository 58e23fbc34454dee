"""The command reference, rendered from the argparse parser that ``assaystats`` itself uses
(``assaystats.cli.build_parser()``), so that it cannot drift from the command.

    python docs/gen_cli.py > cli.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def subcommands(parser: argparse.ArgumentParser | None = None) -> dict[str, argparse.ArgumentParser]:
    """{name: parser} of every sub-command, in the order of ``assaystats --help``."""
    if parser is None:
        from assaystats.cli import build_parser

        parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _help_of(action: argparse.Action) -> str:
    return _md_cell(action.help % {**vars(action), "prog": ""}) if action.help else ""


def _md_cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _option_row(action: argparse.Action) -> str | None:
    if action.help == argparse.SUPPRESS:
        return None
    if action.option_strings:
        names = ", ".join(f"`{s}`" for s in action.option_strings)
        if action.nargs != 0:
            metavar = action.metavar or action.dest.upper()
            if isinstance(metavar, tuple):
                metavar = " ".join(metavar)
            names += f" `{metavar}`"
    else:
        names = f"`{action.metavar or action.dest}` (positional)"
    extra = []
    if getattr(action, "required", False) and action.option_strings:
        extra.append("required")
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        extra.append("one of " + ", ".join(f"`{c}`" for c in action.choices))
    default = action.default
    if (action.option_strings and action.nargs != 0 and default not in (None, argparse.SUPPRESS, False)
            and "default" not in (action.help or "") and str(default) not in _help_of(action)):
        extra.append(f"default `{default}`")
    text = _help_of(action)
    if extra:
        text = f"{text} ({'; '.join(extra)})" if text else "; ".join(extra)
    return f"| {names} | {text} |"


def render(parser: argparse.ArgumentParser | None = None) -> str:
    if parser is None:
        from assaystats.cli import build_parser

        parser = build_parser()
    subs = subcommands(parser)
    helps = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
    out = ["# Command reference", "",
           ("Generated at build time from `assaystats.cli.build_parser()` (docs/gen_cli.py), the parser the command "
           "itself uses. Exit codes: 0 success; 2 bad input or usage (one line on stderr, nothing written); 3 the "
           "output folder appeared during the run (the result is kept beside it); 1 an internal error; 130 / 143 "
           "interrupted."), "", "```text", parser.format_help().rstrip(), "```", "",
           "| sub-command | what it does |", "|---|---|"]
    out += [f"| [`{name}`](#{name}) | {_md_cell(helps.get(name, ''))} |" for name in subs]
    out.append("")
    for name, sp in subs.items():
        out += [f"## `assaystats {name}` {{#{name}}}", "", _md_cell(sp.description or helps.get(name, "")), "",
                "```text", sp.format_usage().strip(), "```", "", "| option | meaning |", "|---|---|"]
        out += [r for r in (_option_row(a) for a in sp._actions) if r]
        if sp.epilog:
            out += ["", "```text", sp.epilog.rstrip(), "```"]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
