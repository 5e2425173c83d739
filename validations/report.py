"""The officers' validation report of one submission, as a template context: counts, the most frequent problems
with example rows and what to fix, the table-wide checks, and where the Data Docs are. Pure: a summary and a
label catalogue in, a dict out."""

from __future__ import annotations

from reports.formatting import number
from reports.words import counted
from schemas.readers.refusal import refusal_sentence
from validations.problems import describe
from validations.rules import load_rules

TOP_PROBLEMS = 5


def report_context(summary: dict, t: dict[str, str], language: str = "fr", docs_link: str | None = None) -> dict:
    """Everything the validation templates show, in the catalogue's language (`language` names it).

    `docs_link`: the absolute address of the submission's Data Docs page on the published site (VIGIE_SITE_URL);
    without it the report names the page in words, never a path on the officer's disk.
    """
    rows_read = int(summary.get("rows_read") or 0)
    quarantined = int(summary.get("rows_quarantined") or 0)
    rejected = summary["status"] == "rejected"
    return {
        "t": t,
        "id": summary["submission_id"],
        "short_id": short_id(summary["submission_id"]),
        "file": summary["file"],
        "rejected": rejected,
        "duplicate": bool(summary.get("duplicate")),
        "status_label": t["validation_status_rejected" if rejected else "validation_status_validated"],
        "refusal": refusal_text(summary, t) if rejected else None,
        "tables": ", ".join(table_name(name, t) for name in summary.get("tables") or []) or "-",
        "clusters": ", ".join(summary.get("clusters") or []) or "-",
        "campaigns": ", ".join(summary.get("campaigns") or []) or "-",
        "counts": [
            (t["validation_rows_read"], rows_read),
            (t["validation_rows_accepted"], int(summary.get("rows_accepted") or 0)),
            (t["validation_rows_quarantined"], quarantined),
            (t["validation_rows_warned"], int(summary.get("rows_warned") or 0)),
        ],
        "parts": summary.get("parts") or [],
        "problems": [] if rejected else top_problems(summary, t, language),
        "quality_alert": quality_alert(summary),
        "expectations": failed_expectations(summary, t, language),
        "column_warnings": [] if rejected else column_warnings(summary, t),
        "unused_columns": unused_columns(summary, t),
        "data_docs": _docs_where(summary, t, docs_link),
        "docs_link": docs_link if summary.get("data_docs") else None,
        "how_to_fix": t["validation_how_to_fix"].format(id=short_id(summary["submission_id"])) if quarantined else None,
    }


def short_id(submission_id: str) -> str:
    """The first 8 characters of a submission id: what an officer types (`--submission` takes a prefix)."""
    return str(submission_id)[:8]


def table_name(name: str, t: dict[str, str]) -> str:
    """A table's name in the catalogue's language (`livraisons`), the contract's name when it has none."""
    return t.get(f"table_{name}", name)


def _docs_where(summary: dict, t: dict[str, str], docs_link: str | None) -> str | None:
    """Where the submission's Data Docs page is: its address on the site, or the page named in words."""
    if not summary.get("data_docs"):
        return None
    return t["validation_docs_page"] if docs_link else t["validation_docs_words"].format(file=summary["file"])


def quality_alert(summary: dict) -> bool:
    """Whether the submission calls for a data-quality alert: refused whole, or more than the share of its rows
    quarantined that validations/rules.yaml allows (5 % by default)."""
    if summary["status"] == "rejected":
        return True
    read = int(summary.get("rows_read") or 0)
    return read > 0 and int(summary.get("rows_quarantined") or 0) / read > load_rules().max_quarantined_share


def subject(summary: dict, t: dict[str, str]) -> str:
    """The message's subject line."""
    if summary["status"] == "rejected":
        return t["validation_subject_rejected"].format(file=summary["file"])
    language = t.get("language_code", "fr")
    return t["validation_subject"].format(
        file=summary["file"],
        accepted=counted(summary["rows_accepted"], "n_rows_accepted", t, language),
        quarantined=number(summary["rows_quarantined"], language, 0),
    )


def refusal_text(summary: dict, t: dict[str, str]) -> str:
    """Why the whole file was refused, in the catalogue's language (the English reason when it has no entry)."""
    code = summary.get("reason_code")
    details = ((summary.get("examples") or {}).get(code) or [{}])[0].get("detail") or {}
    if "table" in details:
        details = {**details, "table": table_name(details["table"], t)}
    if details.get("problem_code"):  # a malformed form mapping: its problem in the catalogue's language too
        problem = t.get(f"form_problem_{details['problem_code']}")
        details = {**details, "problem": _filled(problem, details) or details.get("problem", "")}
    try:
        return refusal_sentence(str(code), details, t)
    except (KeyError, IndexError):
        return str(summary.get("reason") or "")


def _filled(template: str | None, details: dict) -> str | None:
    """`template` filled with `details`, or None when there is no template or it names a missing detail."""
    try:
        return template.format(**details) if template else None
    except (KeyError, IndexError):
        return None


def top_problems(summary: dict, t: dict[str, str], language: str = "fr") -> list[dict]:
    """The most frequent problems: label, rows concerned, example rows, what to fix (numbers the reader's way)."""
    counts = summary.get("problems") or {}
    chosen = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_PROBLEMS]
    found = []
    for code, count in chosen:
        said = [
            (e.get("row_number"), describe(code, e.get("column"), *_readable(code, e, language), t))
            for e in (summary.get("examples") or {}).get(code, [])
        ]
        examples = [f"{t['validation_row']} {row} : {text}" for row, text in said]
        found.append(
            {
                "code": code,
                "title": said[0][1] if said else t.get(f"problem_{code}", code),
                "count": count,
                "count_text": counted(count, "n_rows", t, language),
                "examples": examples,
                "fix": t.get(f"fix_{code}", t.get("fix_contract", "")),
                "warning": code in ("outlier", "late_date"),
            }
        )
    return found


def failed_expectations(summary: dict, t: dict[str, str], language: str = "fr") -> list[str]:
    """The table-wide checks that were not met, in words (each suite's notes are kept in English and French)."""
    notes = "notes_fr" if language == "fr" else "notes"
    return [
        f"{table_name(r['table'], t)} · "
        + t["validation_expectation_failed"].format(
            notes=r.get(notes) or r["notes"], percent=f"{number(r['unexpected_percent'], language, 1)}\u00a0%"
        )
        for r in summary.get("expectations") or []
        if not r["success"]
    ]


def column_warnings(summary: dict, t: dict[str, str]) -> list[str]:
    """The file's column warnings in words: required columns empty in every row (titles as in the file),
    optional columns absent (validations/columns.py)."""
    return [
        t[f"validation_column_{w['code']}"].format(
            table=table_name(w["table"], t), columns=", ".join(w.get("titles") or w["columns"])
        )
        for w in summary.get("column_warnings") or []
    ]


def unused_columns(summary: dict, t: dict[str, str]) -> list[str]:
    """The file's columns that were not used, per table, titles as in the file."""
    return [
        t["validation_unused_columns"].format(table=table_name(table, t), columns=", ".join(titles))
        for table, titles in (summary.get("unused_columns") or {}).items()
    ]


def _readable(code: str, example: dict, language: str) -> tuple[object, object]:
    """An example's value and detail as the reader writes numbers; an outlier's detail keeps only the group's
    median (the robust z-score behind the flag is a statistician's word, left to the quarantine)."""
    value, detail = example.get("value"), example.get("detail")
    if isinstance(value, float):
        value = number(value, language, 0 if value == int(value) else 1)
    if code == "outlier" and isinstance(detail, str):
        median = detail.split(" / ", 1)[0].replace(",", "")
        try:
            detail = number(float(median), language, 0)
        except ValueError:
            detail = median
    return value, detail
