"""Issue 15: the workload catalogue's labels are msgids in the message catalogues."""

from __future__ import annotations

import pytest

from registry.domain import workload as wl
from registry.services import labels


@pytest.fixture
def translated():
    labels.install_workload_translator()
    yield
    wl.set_translator(None)


def test_marker_is_a_no_op():
    assert wl.N_("Lifting") == "Lifting"


def test_labels_come_from_the_catalogue(translated):
    lifting = wl.dimension("lifting")
    assert lifting.label("nl") == "Tillen" and lifting.label("en") == "Lifting"
    assert lifting.band_label(0, "nl") == "tot 2 kg"
    assert wl.SECTIONS["II"].label("nl") == "Sociaal functioneren"
    assert wl.exposure("noise").label("nl") == "Lawaai"
    assert wl.HOURS_PER_WEEK[0].label("en") == "about 10 hours"


def test_a_catalogue_translation_wins_over_the_dutch_kept_in_code(translated, monkeypatch):
    monkeypatch.setitem(
        labels._CATALOGUES, "nl", type("T", (), {"gettext": staticmethod(lambda m: "Sjouwen")})()
    )
    assert wl.dimension("lifting").label("nl") == "Sjouwen"


def test_a_label_the_catalogue_lacks_falls_back_to_the_dutch_in_code(translated):
    extra = wl.Dimension(
        "test_extra", "IV", "Proefonderdeel", "Test item", (wl.Band("a", "A"), wl.Band("b", "B"))
    )
    with wl.register_dimension(extra):
        assert wl.dimension("test_extra").label("nl") == "Proefonderdeel"
        assert wl.dimension("test_extra").label("en") == "Test item"


def test_every_catalogue_label_is_marked_for_extraction():
    from babel.messages.extract import extract_from_file

    found = {
        m[1] for m in extract_from_file("python", wl.__file__, keywords={"N_": None}, options={})
    }
    texts = set()
    for dim in wl.DIMENSIONS:
        texts |= {dim.label_en, *(b.label_en for b in dim.bands)}
    for flag in (*wl.EXPOSURES, *wl.CONDITIONS):
        texts.add(flag.label_en)
    texts |= {s.label_en for s in wl.SECTIONS.values()}
    texts |= {b.label_en for b in (*wl.HOURS_PER_DAY, *wl.HOURS_PER_WEEK)}
    assert texts <= found, sorted(texts - found)[:10]


def test_an_empty_help_text_stays_empty(translated):
    """gettext("") is the catalogue's header: an empty label must never fetch it."""
    assert wl.dimension("lifting").help("nl") == ""
    assert labels.translate_workload("", "nl") is None
