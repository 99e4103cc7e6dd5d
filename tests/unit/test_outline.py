"""The outline of a file read ahead of checking it (`domain.outline.outline_of_raw`) reads its
records lightly (`Rereading.ahead`): decoded, not validated, definitions of groups and parties
alone read exactly. It outlines a valid file as the validated batch does, and a wrong record
neither breaks it nor changes what checking the file reports."""

from __future__ import annotations

import io

import pytest

from domain.application import Regimes
from domain.batch import Batch
from domain.errors import BatchRejected, RecordError
from domain.outline import outline_of, outline_of_raw, read_exactly
from regimes.reading import Rereading, read_into, rereading
from tests.samples import GROUP_G, RECORDED_AT, action, batch, follow_up, imposed, jsonl

GROUP = GROUP_G
VALID = [
    imposed("early", destinations=["@g"]),
    action("talks", occurred_on="2025-05-01"),
    imposed("other", items=["Ga"], responds_to=["talks"]),
    GROUP,
    follow_up("measure_suspended", "early", effective_on="2025-06-01"),
]


def _reading(data: bytes) -> Rereading:
    read = rereading([(io.BytesIO(data), "input.jsonl")])
    assert read is not None
    return read


def test_a_valid_file_read_lightly_outlines_as_read_exactly_and_as_validated() -> None:
    read = _reading(jsonl(*VALID))
    light = outline_of_raw(read.ahead(read_exactly))
    assert light == outline_of_raw(read()) == outline_of(batch(*VALID).records)
    assert light.last["measure"] == {"early": 4, "other": 2}
    assert (light.groups, light.records) == ({"g"}, 5)


def test_only_a_definition_is_read_exactly_ahead() -> None:
    twice = b'{"type": "measure_lifted", "measure": "a", "measure": "b"}\n'
    defined_twice = b'{"type": "group_defined", "group": "a", "group": "b"}\n'
    read = _reading(twice + defined_twice)
    light = [raw for _, raw, _ in read.ahead(read_exactly)]
    assert light[0] == {"type": "measure_lifted", "measure": "b"}  # decoded only
    assert isinstance(light[1], RecordError)  # as the checking reading finds it
    assert [type(raw) for _, raw, _ in read()] == [type(light[1])] * 2


#: Wrong records of every kind the outline looks into, each with the field it is refused for.
WRONG: list[tuple[bytes, str]] = [
    (b'{"type": ["measure_imposed"], "measure": "early"}', "type"),
    (b'{"type": {"a": 1}}', "type"),
    (b'{"type": "measure_lifted", "measure": ["early"]}', "measure"),
    (b'{"type": "measure_lifted", "measure": "early", "measure": "other"}', "measure"),
    (b'{"type": "nothing_known", "measure": "early"}', "type"),
    (jsonl(imposed("new", responds_to="talks")).strip(), "responds_to"),
    (jsonl(imposed("new", responds_to=[1, {}])).strip(), "responds_to[0]"),
    (b"[1, 2]", "record"),
    (b'{"type": "measure_lifted", "measure": "early", oops}', "record"),
]


def _whole(app: Regimes, data: bytes) -> list[RecordError]:
    """The errors of appending the file read whole first (as a pipe is)."""
    whole = Batch()
    read_into(whole, io.BytesIO(data), "input.jsonl")
    with pytest.raises(BatchRejected) as raised:
        app.append(whole, RECORDED_AT)
    return raised.value.errors


@pytest.mark.parametrize(("wrong", "field"), WRONG, ids=[field for _, field in WRONG])
def test_a_wrong_record_is_reported_by_checking_as_when_read_whole(
    popo_app: Regimes, wrong: bytes, field: str
) -> None:
    data = jsonl(*VALID[:4]) + wrong + b"\n" + jsonl(*VALID[4:])
    outline = outline_of_raw(_reading(data).ahead(read_exactly))
    assert outline.records == 6
    with pytest.raises(BatchRejected) as raised:
        popo_app.append_records(_reading(data), RECORDED_AT)
    errors = raised.value.errors
    assert errors == _whole(popo_app, data)
    assert (5, field, "input.jsonl") in [
        (error.line, error.field, error.source) for error in errors
    ]
    assert popo_app.last_position() == 0


def test_a_definition_giving_a_key_twice_defines_no_group_ahead(popo_app: Regimes) -> None:
    """Decoded only, it would have defined the group, and the measure naming it would have
    passed; read exactly, the measure is refused as when the file is read whole."""
    definition = jsonl(GROUP)[:-2] + b', "title": "Again"}\n'
    data = jsonl(*VALID[:3]) + definition + jsonl(*VALID[4:])
    assert outline_of_raw(_reading(data).ahead(read_exactly)).groups == set()
    with pytest.raises(BatchRejected) as raised:
        popo_app.append_records(_reading(data), RECORDED_AT)
    assert raised.value.errors == _whole(popo_app, data)
    assert [(error.line, error.field) for error in raised.value.errors] == [
        (1, "destinations"),
        (4, "title"),
        (5, "measure"),
    ]


def test_an_outline_of_wrong_records_alone_is_empty() -> None:
    data = b"".join(wrong + b"\n" for wrong, _ in WRONG[:2] + WRONG[7:])
    outline = outline_of_raw(_reading(data).ahead(read_exactly))
    assert outline.records == 4
    assert (outline.last, outline.groups, outline.parties) == (
        {"measure": {}, "action": {}, "group": {}, "party": {}},
        set(),
        set(),
    )


def test_the_light_reading_keeps_every_format_but_json_lines_exact() -> None:
    """A JSON array or a YAML list is read whole, and exactly, either way."""
    data = b"[" + b",".join(jsonl(record)[:-1] for record in VALID) + b"]"
    read = _reading(data)
    assert list(read.ahead(read_exactly)) == list(read())


def test_read_exactly_picks_definitions_of_groups_and_parties_alone() -> None:
    raws: list[object] = [
        GROUP,
        {"type": "party_identified"},
        VALID[0],
        {"type": []},
        [GROUP],
        None,
    ]
    picked = [read_exactly(raw) for raw in raws]
    assert picked == [True, True, False, False, False, False]
