"""Lists paginated in the database (issue 17): one page of rows and a count that stops
counting where a page number stops mattering.

Offset pagination, page size 50 by default. The count reads at most ``COUNT_CAP + 1`` rows
of the filtered query, so a list over 100,000 places never scans them all just to say how
many there are: past the cap the page says "more than 10,000" and still pages on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
PAGE_SIZE = 50
COUNT_CAP = 10_000
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int  # exact up to COUNT_CAP; COUNT_CAP + 1 means "more than COUNT_CAP"

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.capped and len(self.items) == self.per_page)

    @property
    def first_index(self) -> int:
        """1-based position of the first row shown (0 when there is none)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


def page_number(args: Mapping[str, Any] | None, key: str = "page") -> int:
    """The page asked for in the query string; anything odd is page 1."""
    raw = args.get(key) if args is not None else None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 6:
        value = int(raw.strip())
    else:
        return 1
    return min(max(1, value), MAX_PAGE)


def count_capped(session: Session, query: Select) -> int:
    """Rows of ``query`` counted up to COUNT_CAP + 1 (never more are read)."""
    limited = query.order_by(None).limit(COUNT_CAP + 1).subquery()
    return int(session.scalar(select(func.count()).select_from(limited)) or 0)


def paginate(
    session: Session,
    query: Select,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    *,
    scalars: bool = True,
) -> Page:
    """One page of ``query`` (which must be ordered, with a unique tie-breaker last) and its
    capped count. A page past the end shows the last page."""
    total = count_capped(session, query)
    pages = max(1, -(-total // per_page))
    if total <= COUNT_CAP:
        page = min(page, pages)
    page = max(1, page)
    limited = query.limit(per_page).offset((page - 1) * per_page)
    items = list(session.scalars(limited)) if scalars else list(session.execute(limited).all())
    return Page(items, page, per_page, total)
