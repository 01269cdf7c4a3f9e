"""clean_for_report: no one can reverse or hide text in a signed report with bidi or control
characters; Vietnamese, newlines and tabs come through unchanged; fold is untouched."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.text import clean_for_report, fold

BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F,
                         0x061C)]


@pytest.mark.parametrize("char", BIDI)
def test_every_bidi_control_is_removed(char: str) -> None:
    assert clean_for_report(f"Rà soát{char}biên chế") == "Rà soátbiên chế"


def test_a_reversed_title_reads_as_typed() -> None:
    # "‮" (RLO) would show "gnidoc.exe" backwards as "exe.gnidoc".
    assert clean_for_report("Báo cáo \u202egnp.exe\u202c tuần 47") == "Báo cáo gnp.exe tuần 47"


def test_control_characters_go_newlines_and_tabs_stay() -> None:
    c0 = "".join(chr(c) for c in range(0x20) if chr(c) not in "\n\t\r")
    c1 = "".join(chr(c) for c in range(0x7F, 0xA0))
    assert clean_for_report(f"Sở{c0}Nội{c1} vụ") == "SởNội vụ"
    assert clean_for_report("dòng 1\r\ndòng 2\rdòng 3\n\tý a") == "dòng 1\ndòng 2\ndòng 3\n\tý a"


def test_vietnamese_is_kept_and_composed() -> None:
    assert clean_for_report("Kiểm đếm nhiệm vụ – “Độc lập”") == "Kiểm đếm nhiệm vụ – “Độc lập”"
    assert clean_for_report("Nguye\u0302\u0303n") == "Nguyễn"  # decomposed input, NFC out
    assert clean_for_report(None) == "" and clean_for_report("") == ""


@given(st.text())
def test_no_forbidden_character_survives_and_cleaning_is_idempotent(text: str) -> None:
    cleaned = clean_for_report(text)
    assert not set(cleaned) & set(BIDI)
    assert all(c in "\n\t" or not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) for c in cleaned)
    assert clean_for_report(cleaned) == cleaned


def test_fold_is_unchanged() -> None:
    assert fold("  Kiểm  ĐẾM nhiệm vụ ") == "kiem dem nhiem vu"
    assert fold(None) == ""
