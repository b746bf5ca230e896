"""The doctor's findings in words: a line per finding with its mark and, under a problem, what to
do; then one summary line. Or JSON for monitoring scripts."""

from __future__ import annotations

import json
from dataclasses import asdict

from appliance.ops.doctor.findings import Finding, exit_code

MARKS = {"ok": "[ OK ]", "info": "[INFO]", "warn": "[WARN]", "fail": "[GAGAL]"}
MARKS_EN = {**MARKS, "fail": "[FAIL]"}
SUMMARIES = {
    0: ("Semua baik.", "All good."),
    1: ("Ada peringatan: antrean jalan, tetapi periksa di atas.", "Warnings: see above."),
    2: ("Ada masalah yang harus diperbaiki (lihat di atas).", "Problems to fix (see above)."),
}


def render(findings: list[Finding], lang: str) -> str:
    marks = MARKS_EN if lang == "en" else MARKS
    lines = []
    for f in findings:
        lines.append(f"{marks[f.level]:7} {f.check:9} {f.message}")
        if f.fix:
            lines.append(f"{'':17} -> {f.fix}")
    summary = SUMMARIES[exit_code(findings)]
    lines.append(summary[1] if lang == "en" else summary[0])
    return "\n".join(lines) + "\n"


def render_json(findings: list[Finding]) -> str:
    report = {"exit_code": exit_code(findings), "findings": [asdict(f) for f in findings]}
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
