"""The quick locale and translation lookups (``registry.services.translation``) answer as
Flask-Babel does: in a request, inside ``force_locale``, after ``refresh`` and outside
any context; templates' ``_()`` and the label tables use them."""

from __future__ import annotations

import flask_babel
import pytest
from flask import render_template_string, session

from registry.services import labels, translation
from registry.services.formatting import number


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_lookups_agree_with_flask_babel_in_a_request(app, lang):
    with app.test_request_context("/"):
        session["lang"] = lang
        assert str(translation.get_locale()) == lang == str(flask_babel.get_locale())
        assert translation.get_translations() is flask_babel.get_translations()
        assert translation.gettext("Matches") == flask_babel.gettext("Matches")
        assert translation.ngettext("%(num)s match", "%(num)s matches", 3) == (
            flask_babel.ngettext("%(num)s match", "%(num)s matches", 3)
        )


def test_force_locale_and_refresh_are_followed(app):
    with app.test_request_context("/"):
        session["lang"] = "nl"
        assert translation.gettext("Near misses") == "Bijna-matches"
        with flask_babel.force_locale("en"):
            assert str(translation.get_locale()) == "en"
            assert translation.gettext("Near misses") == "Near misses"
            assert str(labels.PLACE_KIND["stage"]) == "Internship"
            assert number(1234.5) == "1,234.5"
        assert str(translation.get_locale()) == "nl"
        assert translation.gettext("Near misses") == "Bijna-matches"  # Dutch again
        assert str(labels.PLACE_KIND["stage"]) == "Stage"
        assert number(1234.5) == "1.234,5"
        session["lang"] = "en"
        flask_babel.refresh()
        assert str(translation.get_locale()) == "en"
        assert translation.gettext("Near misses") == "Near misses"


def test_outside_any_context_the_source_text_answers():
    assert translation.get_locale() is None is flask_babel.get_locale()
    assert translation.gettext("Near misses") == "Near misses"
    assert number(1234.5) == "1.234,5"  # formatting's default: Dutch


def test_templates_translate_through_the_quick_lookups(app, monkeypatch):
    calls = []
    original = translation.get_translations

    def counted():
        calls.append(1)
        return original()

    monkeypatch.setattr(translation, "get_translations", counted)
    with app.test_request_context("/"):
        session["lang"] = "en"
        english = render_template_string(
            "{{ _('Near misses') }}|{{ ngettext('%(num)s match', '%(num)s matches', 2) }}"
        )
        session["lang"] = "nl"
        flask_babel.refresh()
        dutch = render_template_string("{{ _('Near misses') }}")
    assert english == "Near misses|2 matches"
    assert dutch == "Bijna-matches"
    assert len(calls) == 3
