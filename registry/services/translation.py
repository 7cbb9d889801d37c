"""The current locale and translations, looked up quickly: for the hot paths that ask
for them hundreds of times a page (each ``_()`` of a result row, each number and date).

Flask-Babel's ``get_locale()`` and ``get_translations()`` find their per-request
namespace through Flask's context proxies on every call (about 10 µs each; a search
page made some 700 such calls). Here both are read straight from that namespace (the
``_flask_babel`` attribute Flask-Babel keeps on ``g``, where ``force_locale`` and
``refresh`` change the locale too); whenever the namespace or its locale is not there
(outside a context, before the first lookup of a request, after ``refresh``), Flask-Babel
itself answers. ``tests/web/test_translation.py`` checks that both ways agree, inside
``force_locale`` as well. Messages are formatted as Flask-Babel formats them.
"""

from __future__ import annotations

from typing import Any

import flask_babel
from flask_babel.speaklater import LazyString

try:  # Flask's application-context variable (Flask >= 2.2)
    from flask.globals import _cv_app
except ImportError:  # pragma: no cover - an older or newer Flask: the plain lookups
    _cv_app = None

__all__ = ["get_locale", "get_translations", "gettext", "lazy_gettext", "ngettext"]

_CACHE = "registry_translations"  # (locale, translations) on Flask-Babel's namespace


def _namespace() -> Any:
    ctx = _cv_app.get(None) if _cv_app is not None else None
    return None if ctx is None else ctx.g.__dict__.get("_flask_babel")


def get_locale() -> Any:
    """The current ``babel.Locale`` (None outside an application context)."""
    ns = _namespace()
    locale = getattr(ns, "babel_locale", None)
    return locale if locale is not None else flask_babel.get_locale()


def get_translations() -> Any:
    """The current locale's translations, as ``flask_babel.get_translations()``."""
    ns = _namespace()
    locale = getattr(ns, "babel_locale", None)
    cached = getattr(ns, _CACHE, None)
    if locale is not None and cached is not None and cached[0] is locale:
        return cached[1]
    translations = flask_babel.get_translations()
    ns = _namespace()  # Flask-Babel made it on its first lookup
    locale = getattr(ns, "babel_locale", None)
    if locale is not None:
        setattr(ns, _CACHE, (locale, translations))
    return translations


def gettext(string: str, **variables: Any) -> str:
    """``flask_babel.gettext``."""
    text = get_translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """``flask_babel.ngettext``: ``num`` is available to the message as ``%(num)s``."""
    variables.setdefault("num", num)
    return get_translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """``flask_babel.lazy_gettext``, translated with :func:`gettext` when used (the
    label tables of :mod:`registry.services.labels`, read once per result row)."""
    return LazyString(gettext, string, **variables)


def install_jinja_callables(env: Any) -> None:
    """Let templates' ``_()``, ``gettext`` and ``ngettext`` use these lookups (the same
    new-style callables Flask-Babel installs, with the same escaping)."""
    env.install_gettext_callables(
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
