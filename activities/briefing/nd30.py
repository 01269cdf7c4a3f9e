"""The text rules of Nghị định 30/2020/NĐ-CP (thể thức văn bản hành chính) the briefing follows:
số và ký hiệu, địa danh and date, the issuing body's name, the signature block, nơi nhận.
Pure functions over strings, so each rule is tested on its own."""

from __future__ import annotations

import unicodedata
from datetime import date

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
COMMITTEE = "ỦY BAN NHÂN DÂN"
COMMITTEE_CODE = "UBND"
CHAIRMAN = "CHỦ TỊCH"

# Administrative levels as unit names spell them after "UBND"; longest first, so "thành phố"
# is tried before anything shorter.
LEVELS = ("thành phố", "đặc khu", "phường", "tỉnh", "xã")
_COMMITTEE_PREFIXES = ("ubnd ", "ủy ban nhân dân ", "uỷ ban nhân dân ")
# Units named after a person (or by a number) keep their full name as địa danh (Phụ lục I, II.4).
FULL_NAME_PLACES = frozenset({"hồ chí minh"})
# Head of a unit by the first word(s) of its name; "Sở …" and anything unknown: Giám đốc.
_HEAD_BY_PREFIX = (
    ("văn phòng", "CHÁNH VĂN PHÒNG"),
    ("thanh tra", "CHÁNH THANH TRA"),
    ("ban", "TRƯỞNG BAN"),
    ("phòng", "TRƯỞNG PHÒNG"),
    ("sở", "GIÁM ĐỐC"),
)
_CODE_BY_PREFIX = (("văn phòng", "VP"), ("thanh tra", "TTr"))
_SMALL_WORDS = frozenset({"và", "-", ","})


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def split_committee(name: str) -> tuple[str, str] | None:
    """A People's Committee's level and locality: "UBND xã Hòa Xá" → ("xã", "Hòa Xá");
    None when the name is not a People's Committee's."""
    text = _nfc(name)
    lower = text.lower()
    for prefix in _COMMITTEE_PREFIXES:
        if lower.startswith(prefix):
            rest = text[len(prefix):]
            for level in LEVELS:
                if rest.lower().startswith(level + " "):
                    return level, rest[len(level) + 1:].strip()
            return "", rest.strip()
    return None


def place_name(name: str) -> str:
    """Địa danh for the date line: the locality without its level ("UBND tỉnh An Giang" →
    "An Giang", "UBND xã Hòa Xá" → "Hòa Xá"); a locality named by a number or after a person
    keeps its level ("Thành phố Hồ Chí Minh", "Phường 3")."""
    split = split_committee(name)
    if split is None:
        text = _nfc(name)
        level = next((lv for lv in LEVELS if text.lower().startswith(lv + " ")), "")
        split = (level, text[len(level):].strip()) if level else ("", text)
    level, locality = split
    if level and (locality.isdigit() or locality.lower() in FULL_NAME_PLACES):
        return f"{level[0].upper()}{level[1:]} {locality}"
    return locality


def date_line(place: str, day: date) -> str:
    """"An Giang, ngày 05 tháng 01 năm 2027": days under 10 and months 1 and 2 take a leading
    zero, no others (Phụ lục I, II.4.b)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def document_number(sequence: int, kind_code: str = "BC", issuer_code: str = COMMITTEE_CODE,
                    ) -> str:
    """Số và ký hiệu: "15/BC-UBND"; numbers under 10 take a leading zero ("05/BC-UBND")."""
    if sequence < 1:
        raise ValueError(f"document sequence must be positive, got {sequence}")
    return f"{sequence:02d}/{kind_code}-{issuer_code}"


def abbreviation(name: str) -> str:
    """The short name used in ký hiệu and "Lưu: VT, …": "UBND tỉnh An Giang" → "UBND",
    "Văn phòng UBND tỉnh" → "VP", "Sở Nội vụ" → "SNV", "Phòng Tổ chức cán bộ" → "TCCB"."""
    if split_committee(name) is not None:
        return COMMITTEE_CODE
    text = _nfc(name)
    lower = text.lower()
    for prefix, code in _CODE_BY_PREFIX:
        if lower.startswith(prefix):
            return code
    words = [w for w in text.replace(",", " ").split() if w.lower() not in _SMALL_WORDS]
    if lower.startswith("phòng ") and len(words) > 1:
        words = words[1:]
    return "".join(w[0] for w in words).upper()


def issuer_lines(name: str, parent_name: str | None = None) -> tuple[str, list[str]]:
    """The issuing body's name (Phụ lục I, II.3) as (cơ quan chủ quản, lines of the body's own
    name), all in capitals. A People's Committee has no chủ quản line and is written in two
    lines ("ỦY BAN NHÂN DÂN" / "TỈNH AN GIANG"); any other body sits under its committee,
    abbreviated as the decree allows ("UBND TỈNH AN GIANG" / "SỞ NỘI VỤ")."""
    split = split_committee(name)
    if split is not None:
        level, locality = split
        return "", [COMMITTEE, f"{level} {locality}".strip().upper()]
    parent = ""
    if parent_name:
        parent_split = split_committee(parent_name)
        parent = (f"{COMMITTEE_CODE} {' '.join(parent_split)}".strip() if parent_split
                  else _nfc(parent_name)).upper()
    return parent, [_nfc(name).upper()]


def head_title(name: str) -> str:
    """The head's title in a signature block: "CHỦ TỊCH" of a People's Committee, "GIÁM ĐỐC"
    of a department, "CHÁNH VĂN PHÒNG", "CHÁNH THANH TRA", "TRƯỞNG BAN"…"""
    if split_committee(name) is not None:
        return CHAIRMAN
    lower = _nfc(name).lower()
    return next((title for prefix, title in _HEAD_BY_PREFIX if lower.startswith(prefix)),
                "GIÁM ĐỐC")


def signature_lines(issuer_name: str, *, deputy: bool) -> list[str]:
    """Quyền hạn and chức vụ of the signer (Phụ lục I, II.7), in capitals: a People's Committee
    signs collectively ("TM. ỦY BAN NHÂN DÂN" / "CHỦ TỊCH"; a vice-chairman adds "KT. CHỦ TỊCH"
    / "PHÓ CHỦ TỊCH"); a department by its head ("GIÁM ĐỐC", or "KT. GIÁM ĐỐC" /
    "PHÓ GIÁM ĐỐC"), without "TM."."""
    title = head_title(issuer_name)
    lines = [f"TM. {COMMITTEE}"] if split_committee(issuer_name) is not None else []
    return [*lines, f"KT. {title}", f"PHÓ {title}"] if deputy else [*lines, title]


def recipient_lines(recipients: list[str], archive: str = "") -> list[str]:
    """Nơi nhận (Phụ lục I, II.9): one "- …;" line per recipient, ending "- Lưu: VT, VP." with
    the drafting unit's short name, or "- Lưu: VT." when the issuer drafted it itself."""
    lines = [f"- {r.strip().rstrip(';.')};" for r in recipients if r.strip()]
    return [*lines, f"- Lưu: VT, {archive}." if archive else "- Lưu: VT."]
