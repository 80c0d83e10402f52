"""A small reader for nginx configuration text: directives, their arguments and blocks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_TOKEN = re.compile(r"""#[^\n]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[{};]|[^\s{};"'#]+""")


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None
    parent: Directive | None = field(default=None, repr=False)

    def children(self, name: str) -> list[Directive]:
        return [child for child in self.block or [] if child.name == name]

    def walk(self) -> Iterator[Directive]:
        for child in self.block or []:
            yield child
            yield from child.walk()

    def proxy_headers(self) -> dict[str, str]:
        """The headers nginx sends upstream from here: the nearest level that sets any
        proxy_set_header wins whole (nginx does not merge the levels)."""
        node: Directive | None = self
        while node is not None:
            found = node.children("proxy_set_header")
            if found:
                return {d.args[0].lower(): d.args[1] for d in found}
            node = node.parent
        return {}

    def inherited(self, name: str) -> Directive | None:
        """The nearest `name` directive in this block or an enclosing one (nginx inheritance)."""
        node: Directive | None = self
        while node is not None:
            found = node.children(name)
            if found:
                return found[-1]
            node = node.parent
        return None


def without_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] if "#" in line else line for line in text.splitlines())


def parse(text: str) -> Directive:
    """The whole config as the block of a synthetic `main` directive."""
    root = Directive("main", [], [])
    stack = [root]
    words: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.startswith("#"):
            continue
        if token == ";":
            name, *args = words
            stack[-1].block.append(Directive(name, args, None, stack[-1]))  # type: ignore[union-attr]
            words = []
        elif token == "{":
            name, *args = words
            directive = Directive(name, args, [], stack[-1])
            stack[-1].block.append(directive)  # type: ignore[union-attr]
            stack.append(directive)
            words = []
        elif token == "}":
            assert not words, f"unterminated directive before }}: {words}"
            stack.pop()
        else:
            words.append(token[1:-1] if token[0] in "\"'" else token)
    assert len(stack) == 1 and not words, "unbalanced braces in nginx config"
    return root


def location(config: Directive, *args: str) -> Directive:
    for directive in config.walk():
        if directive.name == "location" and directive.args == list(args):
            return directive
    raise AssertionError(f"no `location {' '.join(args)}` in the config")


def upstream(config: Directive, name: str) -> Directive:
    for directive in config.walk():
        if directive.name == "upstream" and directive.args == [name]:
            return directive
    raise AssertionError(f"no `upstream {name}` in the config")


def seconds(value: str) -> float:
    """nginx time ("2s", "1h", "500ms", "60") in seconds."""
    match = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", value)
    assert match, f"not an nginx time: {value}"
    unit = {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    return int(match.group(1)) * unit


def tls_enabled(template: str) -> str:
    """The template with its `#tls ` lines switched on, as nginx/README.md says to (sed)."""
    return re.sub(r"(?m)^( *)#tls ", r"\1", template)
