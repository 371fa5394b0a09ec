"""Open311 query arguments that would overflow or fool a digit check are 400s, not 500s."""

import pytest

from grid_api.categories.questions import _check
from grid_api.errors import BadRequest
from grid_api.integrations.open311_arguments import list_arguments, parse_datetime


@pytest.mark.parametrize("raw", ["9999-12-31T00:00:00+00:00", "0001-01-01T00:00:00+01:00",
                                 "1999-12-31T23:59:59+00:00"])
def test_a_date_outside_the_sane_range_is_refused(raw):
    with pytest.raises(BadRequest):
        parse_datetime(raw, "start_date")


@pytest.mark.parametrize("name", ["page", "page_size"])
def test_a_superscript_digit_is_not_a_page_number(name):
    with pytest.raises(BadRequest):
        list_arguments({name: ["²"]})


def test_a_window_from_a_sane_date_is_kept():
    assert parse_datetime("2026-12-01T08:00:00+08:00", "start_date").hour == 0


class _Question:
    datatype = "multivaluelist"
    choices = ({"key": "red"}, {"key": "blue"})


@pytest.mark.parametrize("answer", [[{"a": 1}], {"a": 1}, [["red"]]])
def test_an_answer_that_is_not_a_list_of_keys_is_refused(answer):
    with pytest.raises(ValueError, match="choices"):
        _check(_Question(), answer)
