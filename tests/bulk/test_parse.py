"""Reading the file: encodings, separators, quoted line breaks, limits, in plain words."""

from __future__ import annotations

import codecs

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from posts import bulk


def test_utf8_with_bom_and_semicolons_as_excel_in_europe_saves_it():
    data = codecs.BOM_UTF8 + "accounts;text;scheduled_at\r\n@acme;Café, crème et ☕;2026-03-02 09:00\r\n".encode()
    parsed = bulk.parse(bulk.decode(data))
    assert parsed.delimiter == ";"
    assert parsed.header == ["accounts", "text", "scheduled_at"]  # no BOM glued to the first column
    assert parsed.rows == [(2, {"accounts": "@acme", "text": "Café, crème et ☕", "scheduled_at": "2026-03-02 09:00"})]


def test_a_quoted_cell_keeps_its_line_breaks_and_rows_keep_the_spreadsheet_numbers():
    text = 'accounts,text\n@acme,"First line\nsecond line, with a comma"\n,\n@acme,"He said ""hi"""\n'
    parsed = bulk.parse(text)
    # the blank row 3 is skipped, the next one is still row 4 as in the spreadsheet
    assert [number for number, _ in parsed.rows] == [2, 4]
    assert parsed.rows[0][1]["text"] == "First line\nsecond line, with a comma"
    assert parsed.rows[1][1]["text"] == 'He said "hi"'


def test_tab_separated_utf16_as_excel_unicode_text():
    data = "accounts\ttext\n@acme\tHello\n".encode("utf-16")
    parsed = bulk.parse(bulk.decode(data))
    assert parsed.delimiter == "\t"
    assert parsed.rows[0][1] == {"accounts": "@acme", "text": "Hello"}


def test_a_file_that_is_not_utf8_says_how_to_save_it():
    with pytest.raises(bulk.FileError, match="not UTF-8 text .*line 2.*CSV UTF-8"):
        bulk.decode("accounts,text\n@acme,Café\n".encode("cp1252"))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "The file is empty"),
        ("text,when\nHello,\n", "no “accounts” column .*it has: text, when"),
        ("accounts,scheduled_at\n@acme,\n", "no “text” column"),
        ("accounts,text\n", "a header but no rows"),
        ("accounts,text,Text\n@a,b,c\n", "“Text” appears twice"),
    ],
)
def test_what_is_wrong_with_the_whole_file(text, words):
    with pytest.raises(bulk.FileError, match=words):
        bulk.parse(text)


def test_columns_by_other_names_and_ignored_columns_are_told():
    parsed = bulk.parse("Account,Caption,Text Twitter,Colour,text_myspace,error\n@a,Hello,Hi X,red,x,old error\n")
    assert parsed.columns == ["accounts", "text", "text_x", "", "", ""]
    assert "Column “Colour” is ignored: it is not one we read." in parsed.notes
    assert any("no network called “myspace”" in note for note in parsed.notes)
    assert not any("error" in note for note in parsed.notes)  # our own column, from the errors download


def test_a_row_with_more_cells_than_the_header_is_reported_not_guessed():
    parsed = bulk.parse("accounts,text\n@acme,Hello, world\n")
    assert "3 cells but the header has 2 columns" in parsed.problems[2]
    assert "in quotes" in parsed.problems[2]


def test_too_many_rows_and_too_large_a_file(settings):
    settings.BULK_IMPORT_MAX_ROWS = 3
    with pytest.raises(bulk.FileError, match="more than 3 rows"):
        bulk.parse("accounts,text\n" + "@a,b\n" * 4)
    assert len(bulk.parse("accounts,text\n" + "@a,b\n" * 3).rows) == 3
    settings.BULK_IMPORT_MAX_BYTES = 100
    with pytest.raises(bulk.FileError, match="we import files of up to"):
        bulk.read_upload(SimpleUploadedFile("big.csv", b"accounts,text\n" + b"@a,b\n" * 40))


def test_the_template_reads_back_with_two_example_rows():
    parsed = bulk.parse(bulk.template_csv())
    assert len(parsed.rows) == 2 and not parsed.notes
    assert "\n" in parsed.rows[0][1]["text"]  # shows a quoted line break
