"""The README's runnable blocks are found, their answers parse, and a drifted answer is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.readme_blocks import Block, _example_json, differences, runnable

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_the_readme_has_its_walkthrough_sdk_and_cli_blocks_marked_to_run():
    blocks = runnable(README)
    assert len(blocks) >= 8
    assert {b.lang for b in blocks} == {"sh", "python"}
    assert sum(b.answer is not None for b in blocks) >= 6
    assert any("examples/pricing-call.vtt" in b.body for b in blocks if b.lang == "python")


def test_every_json_answer_in_the_readme_parses():
    for block in runnable(README):
        if block.answer is not None and block.answer.lang == "json":
            _example_json(block.answer.body)


def test_every_file_the_blocks_name_under_examples_exists():
    for block in runnable(README):
        for word in block.body.replace('"', " ").replace("@", " ").split():
            if word.startswith("examples/"):
                assert (ROOT / word).is_file(), f"README line {block.line}: {word} is missing"


def answer(lang: str, body: str) -> Block:
    return Block(lang, body, 1)


@pytest.mark.parametrize(
    ("output", "problem"),
    [
        ('{"jobId": "job_1", "status": "succeeded", "stage": null, "reportId": "rep_1", "more": 1}', None),
        ('{"jobId": "job_1", "status": "failed", "stage": null, "reportId": "rep_1"}', "/status: expected 'succeeded'"),
        ('{"jobId": "job_1", "status": "succeeded", "stage": null}', "/reportId: missing"),
        ('{"jobId": 7, "status": "succeeded", "stage": null, "reportId": "rep_1"}', "/jobId: expected a string"),
        ('{"jobId": "job_1", "status": "succeeded", "stage": "storing", "reportId": "rep_1"}', "/stage: expected null"),
        ("not json", "not one JSON document"),
    ],
)
def test_a_json_answer_is_compared_by_shape(output: str, problem: str | None):
    found = differences(
        answer("json", '{"jobId": "job_...", "status": "succeeded", "stage": null, "reportId": "rep_...", ...}'), output
    )
    assert (found == []) if problem is None else any(problem in d for d in found), found


def test_a_text_answer_matches_lines_in_order_with_wildcards():
    example = answer("text", "# Sales playbook: ...\n...\n## Bottom line\n")
    assert differences(example, "# Sales playbook: Ana Ruiz\n\nsome text\n## Bottom line\n") == []
    assert differences(example, "## Bottom line\n# Sales playbook: Ana Ruiz\n") != []
    assert differences(example, "# General report: Ana\n## Bottom line\n") != []
