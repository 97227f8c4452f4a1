"""The bash completion script of ``ravensec completion bash``, generated from an argument parser."""

from __future__ import annotations

import argparse


def _tree(parser: argparse.ArgumentParser, path: str, out: dict[str, tuple[list[str], list[str]]]) -> None:
    words: list[str] = []
    options: list[str] = []
    for action in parser._actions:  # argparse has no public walk; these attributes are stable since 3.2
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                words.append(name)
                _tree(sub, f"{path} {name}".strip(), out)
        elif action.option_strings and action.help != argparse.SUPPRESS:
            options.extend(o for o in action.option_strings if o.startswith("--"))
        elif action.choices and not action.option_strings:
            words.extend(str(c) for c in action.choices)
    out[path] = (words, options)


def bash_script(parser: argparse.ArgumentParser) -> str:
    tree: dict[str, tuple[list[str], list[str]]] = {}
    _tree(parser, "", tree)
    cases = []
    for path, (words, options) in sorted(tree.items()):
        cases.append(f'        "{path}") opts="{" ".join(words + sorted(set(options)))}" ;;')
    return "\n".join([
        "# bash completion for ravensec; load with: source <(ravensec completion bash)",
        "_ravensec() {",
        "    local cur path word opts i",
        '    cur="${COMP_WORDS[COMP_CWORD]}"',
        '    path=""',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        word="${COMP_WORDS[i]}"',
        '        [[ "$word" == -* ]] && continue',
        '        case "${path:+$path }$word" in',
        *[f'            "{p}") path="{p}" ;;' for p in sorted(tree) if p],
        "        esac",
        "    done",
        '    case "$path" in',
        *cases,
        '        *) opts="" ;;',
        "    esac",
        '    COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
        "}",
        "complete -o default -F _ravensec ravensec",
        "",
    ])

