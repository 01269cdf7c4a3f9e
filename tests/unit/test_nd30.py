"""The text rules of Nghị định 30/2020/NĐ-CP the briefing follows, one by one."""

from __future__ import annotations

from datetime import date

import pytest

from activities.briefing import nd30


@pytest.mark.parametrize(("day", "expected"), [
    (date(2027, 1, 5), "An Giang, ngày 05 tháng 01 năm 2027"),
    (date(2026, 2, 28), "An Giang, ngày 28 tháng 02 năm 2026"),
    (date(2026, 3, 9), "An Giang, ngày 09 tháng 3 năm 2026"),
    (date(2026, 11, 24), "An Giang, ngày 24 tháng 11 năm 2026"),
    (date(2026, 10, 10), "An Giang, ngày 10 tháng 10 năm 2026"),
    (date(2026, 12, 1), "An Giang, ngày 01 tháng 12 năm 2026"),
])
def test_date_line_pads_days_under_10_and_months_1_and_2_only(day: date, expected: str) -> None:
    assert nd30.date_line("An Giang", day) == expected


@pytest.mark.parametrize(("name", "place"), [
    ("UBND tỉnh An Giang", "An Giang"),
    ("UBND xã Hòa Xá", "Hòa Xá"),
    ("UBND phường Long Xuyên", "Long Xuyên"),
    ("UBND đặc khu Phú Quốc", "Phú Quốc"),
    ("UBND thành phố Cần Thơ", "Cần Thơ"),
    ("Ủy ban nhân dân tỉnh An Giang", "An Giang"),
    ("Tỉnh An Giang", "An Giang"),
    ("UBND thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh"),  # named after a person
    ("UBND phường 3", "Phường 3"),  # named by a number
])
def test_place_name_drops_the_level(name: str, place: str) -> None:
    assert nd30.place_name(name) == place


def test_document_number() -> None:
    assert nd30.document_number(15) == "15/BC-UBND"
    assert nd30.document_number(5) == "05/BC-UBND"
    assert nd30.document_number(123, "KH", "SNV") == "123/KH-SNV"
    with pytest.raises(ValueError):
        nd30.document_number(0)


@pytest.mark.parametrize(("name", "code"), [
    ("UBND tỉnh An Giang", "UBND"), ("UBND xã Hòa Xá", "UBND"),
    ("Văn phòng UBND tỉnh", "VP"), ("Sở Nội vụ", "SNV"), ("Sở Tài chính", "STC"),
    ("Sở Giáo dục và Đào tạo", "SGDĐT"), ("Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
    ("Phòng Tổ chức cán bộ", "TCCB"), ("Thanh tra tỉnh", "TTr"),
])
def test_abbreviation(name: str, code: str) -> None:
    assert nd30.abbreviation(name) == code


def test_issuer_lines() -> None:
    assert nd30.issuer_lines("UBND tỉnh An Giang") == ("", ["ỦY BAN NHÂN DÂN", "TỈNH AN GIANG"])
    assert nd30.issuer_lines("UBND xã Hòa Xá", "UBND tỉnh An Giang") == (
        "", ["ỦY BAN NHÂN DÂN", "XÃ HÒA XÁ"])
    assert nd30.issuer_lines("Sở Nội vụ", "UBND tỉnh An Giang") == (
        "UBND TỈNH AN GIANG", ["SỞ NỘI VỤ"])
    assert nd30.issuer_lines("Sở Nội vụ") == ("", ["SỞ NỘI VỤ"])


def test_signature_lines() -> None:
    assert nd30.signature_lines("UBND tỉnh An Giang", deputy=False) == [
        "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert nd30.signature_lines("UBND xã Hòa Xá", deputy=True) == [
        "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert nd30.signature_lines("Sở Nội vụ", deputy=False) == ["GIÁM ĐỐC"]
    assert nd30.signature_lines("Sở Nội vụ", deputy=True) == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    assert nd30.signature_lines("Thanh tra tỉnh", deputy=False) == ["CHÁNH THANH TRA"]


def test_recipient_lines() -> None:
    assert nd30.recipient_lines(["Chủ tịch, các PCT UBND tỉnh", "Các sở, ban, ngành;"],
                                "VP") == [
        "- Chủ tịch, các PCT UBND tỉnh;", "- Các sở, ban, ngành;", "- Lưu: VT, VP."]
    assert nd30.recipient_lines([]) == ["- Lưu: VT."]


def test_fixed_lines() -> None:
    assert nd30.QUOC_HIEU == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert nd30.TIEU_NGU == "Độc lập - Tự do - Hạnh phúc"
