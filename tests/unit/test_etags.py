"""If-Match syntax is read in the web layer; the domain sees only versions."""

import pytest

from grid_api.web.etags import etag, expected_versions


def test_an_etag_names_the_resource_and_its_version():
    assert etag(12, 3) == 'W/"12-3"'


@pytest.mark.parametrize(("header", "versions"), [
    (None, None),
    ("*", None),
    ('W/"12-3"', {3}),
    ('"12-3"', {3}),
    ('W/"12-3", W/"12-4"', {3, 4}),
    ('W/"13-3"', set()),        # another case's tag accepts nothing
    ("garbage", set()),
])
def test_if_match_becomes_the_versions_it_accepts(header, versions):
    expected = expected_versions(12, header)
    assert expected == (None if versions is None else frozenset(versions))
