"""Free text that leaves the coach's organisation, checked by the one domain rule
(:func:`registry.domain.free_text.screen`) and turned into field errors for the forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from registry.domain.free_text import Finding, screen
from registry.models import Candidate

__all__ = ["candidate_names", "check_text", "check_texts", "messages"]


def candidate_names(candidate: Candidate | None) -> tuple[str | None, ...]:
    """The names a shared text may not contain (none left after erasure)."""
    if candidate is None:
        return ()
    return (candidate.given_name, candidate.family_name)


def messages(finding: Finding) -> list[object]:
    """What was found and why it cannot be sent, one message per kind."""
    out: list[object] = []
    if finding.names:
        out.append(
            _l(
                "Leave the candidate's name out (found: %(names)s). This text is read by "
                "other organisations, who know the candidate only by the pseudonym.",
                names=", ".join(finding.names),
            )
        )
    if finding.medical:
        out.append(
            _l(
                "Never enter medical details (found: %(terms)s). Describe what the person "
                "can do in terms of work.",
                terms=", ".join(finding.medical),
            )
        )
    return out


def check_text(
    errors: dict[str, list[object]],
    name: str,
    text: str | None,
    names: tuple[str | None, ...] = (),
) -> str:
    """Strip ``text``; add the reasons it may not be shared to ``errors[name]``."""
    value = (text or "").strip()
    found = messages(screen(value, names))
    if found:
        errors.setdefault(name, []).extend(found)
    return value


def check_texts(
    errors: dict[str, list[object]],
    name: str,
    texts: list[str],
    names: tuple[str | None, ...] = (),
) -> None:
    """Like :func:`check_text` for several texts under one field (each finding once)."""
    findings = [screen(text, names) for text in texts]
    merged = Finding(
        names=tuple(dict.fromkeys(n for f in findings for n in f.names)),
        medical=tuple(dict.fromkeys(t for f in findings for t in f.medical)),
    )
    found = messages(merged)
    if found:
        errors.setdefault(name, []).extend(found)
