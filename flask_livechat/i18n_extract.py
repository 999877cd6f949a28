"""Babel extractor for i18n.py (babel.cfg): each ``WIDGET`` entry becomes a message with the key as context,
each ``WIDGET_PLURALS`` entry a plural one, and the module's own ``translate()`` calls are extracted as in any
other module. Reading the source (not importing it) keeps extraction independent of the installed package."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from io import BytesIO
from typing import IO, Any

from babel.messages.extract import extract_python


def extract_widget(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[Any, ...]]:
    source = fileobj.read()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if not isinstance(node, ast.AnnAssign | ast.Assign):
            continue
        targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if not names & {"WIDGET", "WIDGET_PLURALS"} or not isinstance(node.value, ast.Dict):
            continue
        for key_node, value_node in zip(node.value.keys, node.value.values, strict=True):
            key = ast.literal_eval(key_node) if key_node is not None else None
            value = ast.literal_eval(value_node)
            if isinstance(value, str):
                yield value_node.lineno, "pgettext", (key, value), [f"Widget: {key}"]
            else:
                singular, plural = value
                yield value_node.lineno, "npgettext", (key, singular, plural), [f"Widget: {key}"]
    # The module's own translate() calls (system lines), as the python extractor would find them.
    yield from extract_python(BytesIO(source), keywords, comment_tags, options)
