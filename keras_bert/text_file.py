"""Reading users' text files (corpora, TSV, CoNLL, JSON) as UTF-8, with errors that name the
file and the line.

Python's own decoding error names a byte position ("can't decode byte 0xe9 in position
7313"); here a file that is not UTF-8, or that is binary (NUL bytes), is refused with its
path, its line (counting every line, blank ones too) and the byte. A UTF-8 byte order mark
at the start is dropped, as Excel and Notepad write one.

Examples:

    for number, line in read_lines("corpus.txt"):
        ...
    text = read_text("train.tsv")
"""

import codecs

BOM = codecs.BOM_UTF8.decode("utf-8")


def _not_text(path, number, raw, column):
    if raw[column : column + 1] == b"\x00":
        return ValueError(
            f"{path} line {number} holds a NUL byte (column {column + 1}): it is a binary file, "
            "not text; pass UTF-8 text files."
        )
    return ValueError(
        f"{path} line {number} is not UTF-8 text (byte 0x{raw[column]:02x} at column "
        f"{column + 1}); save the file as UTF-8."
    )


def decode_line(raw, path, number):
    """One line's bytes -> str; a `ValueError` naming the file and line when not UTF-8 text."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_text(path, number, raw, error.start) from None
    if "\x00" in line:
        raise _not_text(path, number, raw, raw.index(b"\x00"))
    return line


def read_lines(path):
    """Yields `(line number, line)` of a UTF-8 text file, streaming, line ends kept."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            line = decode_line(raw, path, number)
            yield number, line[1:] if number == 1 and line.startswith(BOM) else line


def read_text(path):
    """The whole UTF-8 text of a file (its byte order mark dropped)."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        start = error.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
        begin = data.rfind(b"\n", 0, start) + 1
        end = data.find(b"\n", start)
        raw = data[begin : len(data) if end < 0 else end]
        raise _not_text(path, data.count(b"\n", 0, start) + 1, raw, start - begin) from None
    if "\x00" in text:
        start = data.index(b"\x00")
        begin = data.rfind(b"\n", 0, start) + 1
        line = data.count(b"\n", 0, start) + 1
        raise _not_text(path, line, data[begin : start + 1], start - begin)
    return text
