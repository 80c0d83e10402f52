"""Expected board layouts, edited the way a user's change should edit them."""

from __future__ import annotations

import copy

from tests.browser.board_page import Layout


def titles_in(layout: Layout, column_id: int) -> list[str]:
    for column, titles in layout:
        if column == column_id:
            return list(titles)
    raise KeyError(column_id)


def put(layout: Layout, title: str, column_id: int, index: int | None = None) -> Layout:
    """`layout` with `title` taken out of wherever it is and put at `index` of the column."""
    changed = removed(layout, title)
    for column, titles in changed:
        if column == column_id:
            titles.insert(len(titles) if index is None else index, title)
    return changed


def removed(layout: Layout, title: str) -> Layout:
    changed = copy.deepcopy(layout)
    for _, titles in changed:
        if title in titles:
            titles.remove(title)
    return changed


def renamed(layout: Layout, old: str, new: str) -> Layout:
    return [[column, [new if t == old else t for t in titles]] for column, titles in layout]
