"""The streamed XLSX writer: what a spreadsheet program reads back (openpyxl stands in
for Excel), awkward text, numbers as numbers, and rows past a sheet's limit kept."""

import zipfile

import openpyxl
import pytest

from grid_api.evaluation import xlsx

AWKWARD = "井盖<缺失> & \\ 换行\n制表\t回车\r控制\x01\x1f字符"
CLEANED = "井盖<缺失> & \\ 换行\n制表\t回车\r控制字符"  # XML 1.0 cannot hold \x01 or \x1f


def _read(path):
    book = openpyxl.load_workbook(path, read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets}


def test_values_read_back_as_written(tmp_path):
    path = tmp_path / "t.xlsx"
    with xlsx.Workbook(path, ["code", "address", "returns", "rating", "lon"]) as book:
        list(book.write_rows([["C1", AWKWARD, 2, None, 120.123456789],
                              ["C2", "", 0, 5, -0.5]]))
    sheets = _read(path)
    assert sheets == {"Sheet1": [["code", "address", "returns", "rating", "lon"],
                                 ["C1", CLEANED, 2, None, 120.123456789],
                                 ["C2", "", 0, 5, -0.5]]}
    header = openpyxl.load_workbook(path)["Sheet1"]["A1"]
    assert header.font.b
    assert book.rows == 2


def test_rows_past_a_sheets_limit_go_on_to_the_next_sheet(tmp_path):
    path = tmp_path / "t.xlsx"
    with xlsx.Workbook(path, ["n"], rows_per_sheet=4) as book:  # 3 rows below the header
        book.write(b"".join(xlsx.row_xml([n]) for n in range(1, 6)))  # one chunk, split
        book.write(xlsx.row_xml([6]) + xlsx.row_xml([7]))
        book.write(b"")
    sheets = _read(path)
    assert sheets == {"Sheet1": [["n"], [1], [2], [3]], "Sheet2": [["n"], [4], [5], [6]],
                      "Sheet3": [["n"], [7]]}
    assert book.rows == 7


def test_an_empty_table_still_has_its_header(tmp_path):
    path = tmp_path / "t.xlsx"
    with xlsx.Workbook(path, ["code", "status"]):
        pass
    assert _read(path) == {"Sheet1": [["code", "status"]]}
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        assert "xl/styles.xml" in package.namelist()


@pytest.mark.parametrize("value", [True, "=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)"])
def test_text_is_never_a_formula_nor_a_number(tmp_path, value):
    path = tmp_path / "t.xlsx"
    with xlsx.Workbook(path, ["v"]) as book:
        list(book.write_rows([[value]]))
    assert _read(path)["Sheet1"][1] == [str(value)]
