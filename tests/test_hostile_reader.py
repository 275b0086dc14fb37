"""The one template reader on crafted defined names: fields placed far apart are read one by one."""
from __future__ import annotations

import re

from test_hostile import assert_finishes, edited, folder_with


def test_text_fields_named_at_opposite_corners_of_a_sheet_are_read_cell_by_cell(tmp_path):
    """``TEXT_s6`` moved to the sheet's last cell: the box around the agency (B3) and it
    would be 17 billion cells; the reader reads the fields one by one instead."""
    def far(text):
        out, n = re.subn(r"(<definedName name=\"TEXT_s6\"[^>]*>)[^<]*(</definedName>)",
                         lambda m: m.group(1) + "'封面及正文'!$XFD$1048576" + m.group(2), text)
        assert n == 1
        return out
    data = edited("xl/workbook.xml", far)
    assert_finishes(folder_with(tmp_path, "远处.xlsx", data), tmp_path, "远处.xlsx")
