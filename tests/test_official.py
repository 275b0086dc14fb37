"""The hand-made workbook reader (``xlreport.readers.official``) on the layouts departments
really use, each built from the real reports: both a consistent and a broken variant."""
from __future__ import annotations

from xlreport.labels import canon_label, shorter_forms
from xlreport.readers.official import norm_label


def test_one_label_normaliser():
    assert norm_label is not None and norm_label("１、属于\n国家秘密") == canon_label("1．属于国家秘密")
    assert canon_label("（一）予以公开") == canon_label("(一) 予以公开") == "(一)予以公开"
    assert canon_label("“三安全一稳定”") == canon_label('"三安全一稳定"') == canon_label("三安全\u200b一稳定")
    assert canon_label("一.本年新收") == canon_label("一、本年新收")
    assert canon_label(None) == canon_label(3) == ""
    assert shorter_forms("（二）部分公开（区分处理的）") == ["(二)部分公开", "部分公开"]
