"""Every JSON example in the README (a ```json block) is what the code emits for the bundled
history, asked the question the example documents.

An example may leave things out: a string holding "…" stands for any string of that form
("…@60" is any text ending in "@60"); a nested object may leave keys out (a key "…" says so
outright); a non-empty list shows some of the answer's items, in their order. An empty list
says the answer's list is empty. Everything else an example shows is checked: each key it
shows is in the answer with the same JSON type, each scalar it shows is the answer's value,
and its top level names every key the answer has, so the README shows the whole shape.

The README's other JSON forms, the key lists after "JSON:" (`{"known_at", "position", …}`),
are held to the answers' keys at every level they show.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.commands import invoked

README = (Path(__file__).parents[2] / "README.md").read_text()

#: The question each command's JSON example answers (the arguments after `--store STORE`).
QUESTIONS: dict[str, tuple[str, ...]] = {
    "as-of": ("as-of", "2026-01-08", "-e", "Dy", "--from", "CN", "--to", "JP"),
}
#: The question each command's "JSON:" key list is checked on: one whose answer has an item
#: in every list the key list describes.
KEY_LIST_QUESTIONS: dict[str, tuple[str, ...]] = {
    "timeline": ("timeline", "-e", "Ho", "--from", "CN", "--to", "US", "--actions"),
    "diff": ("diff", "2025-10-01", "2025-12-01", "-e", "REE", "--from", "CN", "--to", "US"),
    "search": ("search", "No. 70", "--type", "measure", "--on", "2026-12-01"),
    "show": ("show", "cn-us-2025-busan-summit"),
    "group": ("group", "@jp-group-a", "--on", "2023-08-01"),
}

ELIDED = "…"
_HEADING = re.compile(r"^### `([a-z-]+)`", re.M)
_JSON_BLOCK = re.compile(r"^```json\n(.*?)^```", re.M | re.S)
_KEY_LIST = re.compile(r"JSON: `(\{.*?\})`", re.S)


def _section(offset: int) -> str:
    """The command whose README section holds the text at `offset`."""
    headings = [match.group(1) for match in _HEADING.finditer(README, 0, offset)]
    return headings[-1] if headings else "(before any command's section)"


EXAMPLES = [(_section(match.start()), match.group(1)) for match in _JSON_BLOCK.finditer(README)]
KEY_LISTS = [
    (_section(match.start()), " ".join(match.group(1).split()))
    for match in _KEY_LIST.finditer(README)
]


@pytest.fixture(scope="module")
def bundled(bundled_module_store: str) -> str:
    """One store with the bundled history for the whole module."""
    return bundled_module_store


@pytest.fixture(scope="module")
def answers(bundled: str) -> dict[tuple[str, ...], Any]:
    """Each question's JSON answer, asked once."""
    return {
        question: json.loads(invoked("--store", bundled, *question, "--format", "json").stdout)
        for question in (*QUESTIONS.values(), *KEY_LIST_QUESTIONS.values())
    }


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _elided_match(shown: str, real: str) -> bool:
    """Whether `real` has the form of `shown`, each "…" standing for any text."""
    pattern = ".*".join(re.escape(part) for part in shown.split(ELIDED))
    return re.fullmatch(pattern, real, re.S) is not None


def mismatches(shown: Any, real: Any, path: str = "$", *, values: bool) -> list[str]:
    """Where the answer `real` differs from the example `shown`: in shape (keys present, JSON
    types, elided list items found in order), and with `values` in the scalars shown too."""
    if _json_type(shown) != _json_type(real):
        return [
            f"{path}: the README shows {_json_type(shown)}, the answer has "
            f"{_json_type(real)} ({json.dumps(real, ensure_ascii=False)[:80]})"
        ]
    if isinstance(shown, dict):
        found = []
        for key, value in shown.items():
            if key == ELIDED:
                continue
            if key not in real:
                found.append(f"{path}.{key}: the README shows it, the answer has no such key")
            else:
                found += mismatches(value, real[key], f"{path}.{key}", values=values)
        return found
    if isinstance(shown, list):
        if not shown:
            return (
                []
                if not real or not values
                else [f"{path}: the README shows an empty list, the answer has {len(real)} items"]
            )
        found, start = [], 0
        for index, item in enumerate(shown):
            at = next(
                (
                    j
                    for j in range(start, len(real))
                    if not mismatches(item, real[j], values=values)
                ),
                None,
            )
            if at is None:
                closest = (
                    mismatches(
                        item, real[min(start, len(real) - 1)], f"{path}[{index}]", values=values
                    )
                    if real
                    else []
                )
                found.append(
                    f"{path}[{index}]: no item of the answer (after those matched "
                    f"before it) is this one; against the next: {closest[:3]}"
                )
            else:
                start = at + 1
        return found
    if not values:
        return []
    if isinstance(shown, str) and ELIDED in shown:
        return (
            [] if _elided_match(shown, real) else [f"{path}: {real!r} is not of the form {shown!r}"]
        )
    return [] if shown == real else [f"{path}: the README shows {shown!r}, the answer has {real!r}"]


def _example_ids() -> list[str]:
    return [f"{command}-{index}" for index, (command, _) in enumerate(EXAMPLES)]


def _answer(command: str, answers: dict[tuple[str, ...], Any]) -> Any:
    question = QUESTIONS.get(command)
    assert question is not None, (
        f"a JSON example in the section of {command!r}: name the question it answers in QUESTIONS"
    )
    return answers[question]


def test_the_readme_has_json_examples() -> None:
    assert EXAMPLES
    assert {command for command, _ in KEY_LISTS} >= set(KEY_LIST_QUESTIONS)


@pytest.mark.parametrize(("command", "example"), EXAMPLES, ids=_example_ids())
def test_an_example_is_json(command: str, example: str) -> None:
    json.loads(example)


@pytest.mark.parametrize(("command", "example"), EXAMPLES, ids=_example_ids())
def test_every_key_an_example_shows_is_in_the_answer_with_its_json_type(
    command: str, example: str, answers: dict[tuple[str, ...], Any]
) -> None:
    assert mismatches(json.loads(example), _answer(command, answers), values=False) == []


@pytest.mark.parametrize(("command", "example"), EXAMPLES, ids=_example_ids())
def test_every_value_an_example_shows_is_the_answers(
    command: str, example: str, answers: dict[tuple[str, ...], Any]
) -> None:
    assert mismatches(json.loads(example), _answer(command, answers), values=True) == []


@pytest.mark.parametrize(("command", "example"), EXAMPLES, ids=_example_ids())
def test_an_example_shows_every_top_level_key_of_the_answer(
    command: str, example: str, answers: dict[tuple[str, ...], Any]
) -> None:
    shown = json.loads(example)
    real = _answer(command, answers)
    assert ELIDED not in shown, "the top level of an example elides no key"
    assert sorted(set(real) - set(shown)) == []


# -- the "JSON:" key lists -------------------------------------------------------------------

#: `{…anything…}` or `[same]`: a part of a key list that stands for what is said elsewhere.
_ANY_PART = re.compile(r"\{…[^{}]*…\}|\{…\}|\[same\]")


def key_list(text: str) -> Any:
    """A key list such as `{"a", "b": [{"c"}]}` as JSON: a key without a value (`"a"`)
    becomes `"a": "…"`, and `{…}` or `[same]` becomes "…" (any value)."""
    text = _ANY_PART.sub(f'"{ELIDED}"', text)
    text = re.sub(r'(?<=[{,])(\s*"[^"]*")(?=\s*[,}])', r'\1: "…"', text)
    return json.loads(text)


def key_mismatches(shown: Any, real: Any, path: str = "$") -> list[str]:
    """Where the keys of `real` differ from those `shown`, at every level shown: an object
    shown names exactly the answer's keys; a list shown describes each of its items."""
    if shown == ELIDED:
        return []
    if isinstance(shown, dict):
        if not isinstance(real, dict):
            return [f"{path}: the README shows an object, the answer has {_json_type(real)}"]
        found = []
        if set(shown) != set(real):
            found.append(f"{path}: the README lists {sorted(shown)}, the answer has {sorted(real)}")
        for key in shown.keys() & real.keys():
            found += key_mismatches(shown[key], real[key], f"{path}.{key}")
        return found
    if isinstance(shown, list):
        if not isinstance(real, list):
            return [f"{path}: the README shows a list, the answer has {_json_type(real)}"]
        if not real:
            return [f"{path}: the question checked has no item here; ask one that has"]
        return [
            problem
            for index, item in enumerate(real)
            for shape in shown[:1]
            for problem in key_mismatches(shape, item, f"{path}[{index}]")
        ]
    return []


@pytest.mark.parametrize(
    ("command", "listed"), KEY_LISTS, ids=[command for command, _ in KEY_LISTS]
)
def test_a_json_key_list_names_the_keys_of_the_answer(
    command: str, listed: str, answers: dict[tuple[str, ...], Any]
) -> None:
    question = KEY_LIST_QUESTIONS.get(command)
    assert question is not None, (
        f"a 'JSON:' key list in the section of {command!r}: name a question for it in "
        "KEY_LIST_QUESTIONS"
    )
    assert key_mismatches(key_list(listed), answers[question]) == []


def test_the_comparison_catches_what_it_should() -> None:
    real = {"a": 1, "b": "x@60", "c": [{"k": 1}, {"k": 2}, {"k": 3}], "d": None}
    assert mismatches({"a": 1, "b": "…@60", "c": [{"k": 2}], "d": None}, real, values=True) == []
    assert mismatches({"a": 2}, real, values=True)  # a value that is not the answer's
    assert not mismatches({"a": 2}, real, values=False)
    assert mismatches({"a": "1"}, real, values=False)  # another JSON type
    assert mismatches({"e": 1}, real, values=False)  # a key the answer lacks
    assert mismatches({"b": "…@61"}, real, values=True)
    assert mismatches({"c": [{"k": 3}, {"k": 2}]}, real, values=True)  # out of order
    assert mismatches({"c": []}, real, values=True)  # an empty list states emptiness
    assert not mismatches({"c": [{"k": 1, "…": "…"}]}, real, values=True)
    assert key_list('{"a", "b": [{"c", "d": {…}}], "e": [same]}') == {
        "a": "…",
        "b": [{"c": "…", "d": "…"}],
        "e": "…",
    }
    assert key_mismatches(key_list('{"a", "b"}'), {"a": 1, "b": 2, "c": 3})
