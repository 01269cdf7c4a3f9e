"""Officials named by title, as offices write them in a plan's sheet: "Chánh Văn phòng",
"Phó Trưởng phòng Văn hóa - Xã hội", "Công chức Phòng Kinh tế", "Giám đốc Trung tâm".

One function decides who a title names within a unit (`title_holders`): the members whose own
recorded title reads the same, and those of the rank the title speaks of — the head (Chánh Văn
phòng, Trưởng phòng, Trưởng ban, Giám đốc, Thủ trưởng, Chủ tịch), a deputy (Phó …), or an
officer (Công chức, Cán bộ, Chuyên viên, Viên chức) — provided what follows the title is part of
the unit's name ("Trưởng phòng Kinh tế" does not name the head of Phòng Văn hóa - Xã hội). A
title with one holder names him; several is a fault that lists them. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.org import Role, deputies_of, heads_of
from domain.text import fold

MAX_LISTED = 5  # holders a refusal names; the rest are counted


class Rank(StrEnum):
    HEAD = "head"
    DEPUTY = "deputy"
    OFFICER = "officer"


# Each title (folded), the rank it names and the word its unit's name holds; longest first so
# that "phó chánh văn phòng" is read before "chánh văn phòng".
_TITLES = sorted([
    ("chanh van phong", Rank.HEAD, "van phong"),
    ("truong phong", Rank.HEAD, "phong"),
    ("truong ban", Rank.HEAD, "ban"),
    ("giam doc", Rank.HEAD, ""),
    ("thu truong", Rank.HEAD, ""),
    ("chu tich", Rank.HEAD, ""),
    ("pho chanh van phong", Rank.DEPUTY, "van phong"),
    ("pho truong phong", Rank.DEPUTY, "phong"),
    ("pho truong ban", Rank.DEPUTY, "ban"),
    ("pho giam doc", Rank.DEPUTY, ""),
    ("pho thu truong", Rank.DEPUTY, ""),
    ("pho chu tich", Rank.DEPUTY, ""),
    ("cong chuc", Rank.OFFICER, ""),
    ("can bo", Rank.OFFICER, ""),
    ("chuyen vien", Rank.OFFICER, ""),
    ("vien chuc", Rank.OFFICER, ""),
], key=lambda t: -len(t[0]))
_OFFICER_ROLES = frozenset({Role.OFFICER, Role.OFFICE_STAFF})
_LEADER_ROLES = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.UNIT_HEAD, Role.DEPUTY_HEAD})


@dataclass(frozen=True)
class Member:
    """An active official of the unit."""

    id: str
    full_name: str
    title: str | None
    roles: frozenset[str]


def _clean(text: str | None) -> str:
    return " ".join(fold(text).replace("–", "-").rstrip(".;:").split())


def read_title(text: str) -> tuple[Rank, str] | None:
    """The rank a title speaks of and the words that name its unit ("Trưởng phòng Kinh tế" →
    (HEAD, "phong kinh te"); "Chánh Văn phòng" → (HEAD, "van phong")); None for a name."""
    folded = _clean(text)
    for title, rank, unit_word in _TITLES:
        if folded == title or folded.startswith(title + " "):
            return rank, f"{unit_word} {folded[len(title):].strip()}".strip()
    return None


def title_holders(text: str, unit_name: str, members: Sequence[Member]) -> list[Member] | None:
    """Who in the unit the title names (none, one, or several): those whose recorded title
    reads the same, and those of the rank it speaks of; None when the text is no title (a name,
    a username)."""
    ids = {m.id for m in members if m.title and _clean(m.title) == _clean(text)}
    read = read_title(text)
    if read is None and not ids:
        return None
    rank, unit_words = read or (None, "")
    pairs = [(m.id, list(m.roles)) for m in members]
    if unit_words and unit_words not in _clean(unit_name):
        rank = None  # the title of another unit's official
    if rank is Rank.HEAD:
        ids |= set(heads_of(pairs))
    elif rank is Rank.DEPUTY:
        ids |= set(deputies_of(pairs))
    elif rank is Rank.OFFICER:
        ids |= {m.id for m in members
                if m.roles & _OFFICER_ROLES and not m.roles & _LEADER_ROLES}
    return [m for m in members if m.id in ids]


def many_holders(text: str, unit_name: str, holders: Sequence[Member]) -> str:
    """The refusal of a title several officials hold, naming them (at most MAX_LISTED)."""
    listed = ", ".join(f"{m.full_name} ({m.id})" for m in holders[:MAX_LISTED])
    more = len(holders) - MAX_LISTED
    if more > 0:
        listed += f" và {more} người khác"
    return (f"“{text}” là chức danh của {len(holders)} người trong “{unit_name}”: {listed}; "
            "ghi họ tên hoặc tên đăng nhập của một người.")
