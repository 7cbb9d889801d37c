"""WSGI entry point: ``gunicorn 'wsgi:app'``.

What the first request of every worker would otherwise pay for is done here, as the
worker boots (issue 17): every template compiled (a worker's first search page spent
about 50 ms compiling its templates), SQLAlchemy's mappers configured and both message
catalogues loaded. Nothing here opens a database connection, so the module is also safe
under ``gunicorn --preload``.
"""

from flask_babel import force_locale, get_translations
from sqlalchemy.orm import configure_mappers

from registry import create_app

app = create_app()


def _warm_up() -> None:
    for name in app.jinja_env.list_templates(extensions=("html", "txt")):
        app.jinja_env.get_template(name)
    configure_mappers()
    with app.test_request_context():
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                get_translations()


_warm_up()
