"""Readable pseudonyms for candidates: an adjective, a noun and a number ("Groene Reiger 37").

What everyone outside the coach's own organisation sees instead of a name. The words are
neutral (colours, birds, trees) and say nothing about the person; uniqueness per
installation is checked against the database (and guarded by a unique constraint).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

ADJECTIVES = (
    "Blauwe", "Groene", "Gele", "Rode", "Paarse", "Oranje", "Zilveren", "Gouden",
    "Witte", "Grijze", "Bruine", "Roze", "Heldere", "Stille", "Snelle", "Vrolijke",
    "Rustige", "Zachte", "Sterke", "Wijze", "Lichte", "Frisse", "Warme", "Koele",
    "Dappere", "Slimme", "Kalme", "Vlugge", "Trouwe", "Zonnige",
)  # fmt: skip
NOUNS = (
    "Reiger", "Merel", "Zwaluw", "Kievit", "Mees", "Specht", "Uil", "Valk", "Ekster",
    "Lijster", "Vink", "Gors", "Meeuw", "Kraanvogel", "Ooievaar", "Eik", "Beuk", "Berk",
    "Wilg", "Linde", "Esdoorn", "Populier", "Kastanje", "Hazelaar", "Vlier", "Spar",
    "Den", "Iep", "Els", "Lariks",
)  # fmt: skip
NUMBERS = range(10, 100)
MAX_LENGTH = 60


def make_pseudonym(choice: Callable[[tuple | range], object] = secrets.choice) -> str:
    """One candidate pseudonym; ``choice`` picks from a sequence (``secrets.choice`` by
    default, a seeded ``random.Random().choice`` for reproducible demo data)."""
    return f"{choice(ADJECTIVES)} {choice(NOUNS)} {choice(NUMBERS)}"


def is_pseudonym(text: str) -> bool:
    """Whether ``text`` has the shape of a pseudonym made here."""
    parts = text.split(" ")
    return (
        len(parts) == 3
        and parts[0] in ADJECTIVES
        and parts[1] in NOUNS
        and parts[2].isdigit()
        and len(text) <= MAX_LENGTH
    )


def unique_pseudonym(session: Session, rng: random.Random | None = None, attempts: int = 50) -> str:
    """A pseudonym not yet used in this installation. After ``attempts`` collisions (a full
    word space) a longer number is used, so it always terminates."""
    from registry.models import Candidate

    choice = rng.choice if rng is not None else secrets.choice
    for _ in range(attempts):
        candidate = make_pseudonym(choice)
        taken = session.scalar(select(Candidate.id).where(Candidate.pseudonym == candidate))
        if taken is None:
            return candidate
    while True:  # pragma: no cover - only when the word space is nearly exhausted
        number = (rng.randrange if rng else secrets.randbelow)(10**6)
        candidate = f"{choice(ADJECTIVES)} {choice(NOUNS)} {number}"
        if session.scalar(select(Candidate.id).where(Candidate.pseudonym == candidate)) is None:
            return candidate
