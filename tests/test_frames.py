from conftest import REPORTS, load_transcription
from xlreport import Report, check
from xlreport.frames import FINDING_COLUMNS, SUMMARY_COLUMNS, findings_frame, summary_frame


def test_findings_and_summary_tables_of_real_reports():
    results = []
    for name in ("2023_huaian-hongzequ_1.json", "2024_huaian-shi_1.json"):
        data = load_transcription(REPORTS / name)
        report, _ = Report.from_interchange({**data, "year": int(name[:4])})
        results.append((report, check(report)))
    frame = findings_frame(results)
    assert list(frame.columns) == FINDING_COLUMNS
    errors = frame[frame.severity == "error"]
    assert list(errors.rule) == ["四.total", "四.total"]
    assert list(errors.file) == ["2023_huaian-hongzequ_1.txt"] * 2
    assert list(errors.difference) == [-11, -5]
    assert errors.iloc[0].cells.split(";")[0] == "t4.review.total"
    assert errors.iloc[0].severity_label == "错误"
    summary = summary_frame(results)
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert list(summary.status) == ["有错误", "通过"]
    assert list(summary.errors) == [2, 0]
