"""The Poortwachter clock on the candidate page: recorded events close their milestone and
the drawn clock carries visible week labels."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.services.test_placement_support import candidate

TODAY = dt.date.today()
FIRST = TODAY - dt.timedelta(weeks=55, days=3)  # today lies in sickness week 56


def _clock_parts(html: str) -> tuple[str, str]:
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    caption = re.search(r"<figcaption>(.*?)</figcaption>", html, re.S).group(1)
    return svg, " ".join(caption.split())


@pytest.mark.parametrize("recorded", [True, False])
def test_recorded_second_track_start_is_no_longer_the_next_deadline(
    client, session, world, recorded
):
    start = FIRST + dt.timedelta(weeks=54) if recorded else None  # week 55
    cand = candidate(
        session,
        world.org,
        world.emp_b,
        [world.net_a],
        first_sick_day=FIRST,
        second_track_start=start,
    )
    session.commit()
    client.login(world.coach.email)
    html = client.get(f"/candidates/{cand.id}").get_data(as_text=True)
    svg, caption = _clock_parts(html)
    if recorded:
        assert "Uiterste start 2e spoor" not in caption
        assert "WIA-aanvraagformulier" in caption and "week 87" in caption
    else:
        assert "Uiterste start 2e spoor" in caption and "week 58" in caption
    labels = re.findall(r"<text[^>]*>\s*(wk \d+)", svg)
    assert {"wk 52", "wk 58", "wk 87", "wk 91", "wk 104"} <= set(labels)
    assert ("wk 58 ✓" in svg) is recorded  # the done milestone is marked on the drawing
