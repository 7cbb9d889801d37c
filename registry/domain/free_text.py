"""Free text that may leave the coach's organisation: no candidate names, nothing medical.

One pure check (:func:`screen`) for every text a host, home employer or coordinator can
read (proposal motivation, signal reasons, decline/withdraw/cancel/end texts, evaluation
texts, notes) and for the coach's own free-text fields (medical terms only).

How text is compared:

1. Unicode compatibility form, accents removed, case folded (``Ézra`` = ``ezra``).
2. Everything that is not a letter or digit separates words, so spacing and punctuation
   do not matter (``burn-out`` = ``burn out``; ``b.u.r.n.o.u.t`` = ``b u r n o u t``).
3. A term is found when a run of whole consecutive words, glued together, spells the
   term glued together (``b u r n o u t``, ``burn-out`` and ``burnout`` all spell
   ``burnout``). A run starts and ends on word boundaries, so a word that merely
   *contains* a name or term (``januari`` for ``Jan``, ``fysiotherapie``) is not found.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "MEDICAL_TERMS",
    "Finding",
    "fold",
    "medical_terms_in",
    "screen",
    "words",
]

# Words that point at a diagnosis, treatment or medication. Free text must describe work,
# never health: text containing one of these is refused with an explanation.
MEDICAL_TERMS: tuple[str, ...] = (
    "diagnose", "diagnosis", "medicatie", "medication", "medicijn", "medicine",
    "burn-out", "burnout", "depressie", "depression", "kanker", "cancer", "hernia",
    "chemo", "psychiater", "psychiatrist", "psycholoog", "psychologist", "ziektebeeld",
    "surgery", "therapie", "therapy", "angststoornis", "anxiety disorder",
    "ptss", "ptsd", "whiplash", "reuma", "diabetes", "hartinfarct", "heart attack",
    "beroerte", "ms-patient", "epilepsie", "epilepsy", "verslaving", "addiction",
)  # fmt: skip

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Compatibility form, accents removed, case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", bare).casefold()


def words(text: str | None) -> list[str]:
    """The folded words of ``text``: runs of letters and digits, everything else a gap."""
    return _WORD.findall(fold(text or ""))


def _glued(text: str) -> str:
    return "".join(words(text))


_MEDICAL: dict[str, str] = {}
for _term in MEDICAL_TERMS:
    _MEDICAL.setdefault(_glued(_term), _term)


@dataclass(frozen=True, slots=True)
class Finding:
    """What a free text contains that it may not: names (as the candidate's own spelling)
    and medical terms (as listed), each once, in order of appearance."""

    names: tuple[str, ...] = ()
    medical: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.names or self.medical)


def _hits(tokens: list[str], wanted: dict[str, str]) -> list[str]:
    """Values of ``wanted`` whose key is spelled by a run of consecutive ``tokens`` (the
    longest run from each word on; the words of a hit are not searched again)."""
    if not wanted:
        return []
    longest = max(len(k) for k in wanted)
    found: list[str] = []
    i = 0
    while i < len(tokens):
        glued, hit, end = "", None, i
        for j in range(i, len(tokens)):
            glued += tokens[j]
            if len(glued) > longest:
                break
            if glued in wanted:
                hit, end = wanted[glued], j
        if hit is None:
            i += 1
        else:
            found.append(hit)
            i = end + 1
    return list(dict.fromkeys(found))


# Dutch family-name particles: "de Vries" is also found as "Vries".
_PARTICLES = frozenset(
    {"van", "de", "der", "den", "het", "t", "ter", "te", "ten", "in", "op", "la", "le", "d"}
)


def _name_keys(names: Iterable[str | None]) -> dict[str, str]:
    """Glued form -> the name as written: each name, its core without leading particles,
    and the full name."""
    parts = [n.strip() for n in names if n and n.strip()]
    spellings = [" ".join(parts)] if len(parts) > 1 else []
    for name in parts:
        spellings.append(name)
        tokens = words(name)
        while len(tokens) > 1 and tokens[0] in _PARTICLES:
            tokens = tokens[1:]
        core = name.split()[-len(tokens) :] if len(tokens) < len(words(name)) else []
        if core:
            spellings.append(" ".join(core))
    keys: dict[str, str] = {}
    for name in spellings:
        glued = _glued(name)
        if glued:
            keys.setdefault(glued, name)
    return keys


def medical_terms_in(text: str | None) -> list[str]:
    """The listed medical terms found in ``text`` (as listed, each once, in order)."""
    return _hits(words(text), _MEDICAL)


def screen(text: str | None, names: Iterable[str | None] = ()) -> Finding:
    """What ``text`` contains that may not leave the coach's organisation: any of
    ``names`` (given name, family name; the full name is added) and any medical term."""
    tokens = words(text)
    if not tokens:
        return Finding()
    return Finding(
        names=tuple(_hits(tokens, _name_keys(names))),
        medical=tuple(_hits(tokens, _MEDICAL)),
    )
