"""WSGI entry point: ``gunicorn 'wsgi:app'``.

Every template is compiled here, as the worker boots, rather than by the first request
that needs it: at national scale a worker's first search page otherwise paid about
50 ms compiling its templates (issue 17).
"""

from registry import create_app

app = create_app()


def _compile_templates() -> None:
    for name in app.jinja_env.list_templates(extensions=("html", "txt")):
        app.jinja_env.get_template(name)


_compile_templates()
