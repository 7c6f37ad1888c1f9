"""The Jinja2 templates of the HTML reports: shipped in the package, or a ministry's own copy.

:func:`render_template` renders one template (``official.html.j2``) with
autoescaping; ``template_dir`` names a directory whose files are used in
place of the shipped ones (a file it lacks is taken from the package).  A
template that does not parse or fails while rendering is a
:class:`~kpirules.errors.KpiError` naming the template file and line.
"""

from __future__ import annotations

import importlib.resources
import os
from typing import Any

from kpirules.errors import KpiError
from kpirules.text import escape_controls

__all__ = ["render_template", "shipped_dir", "breakable"]


def shipped_dir() -> str:
    """The directory of the templates shipped with kpirules (copy it to make a ministry's own)."""
    return str(importlib.resources.files("kpirules.report").joinpath("templates"))


def _environment(template_dir: str | None) -> Any:
    import jinja2

    dirs = [shipped_dir()]
    if template_dir is not None:
        if not os.path.isdir(template_dir):
            raise KpiError(f"--template {template_dir}: not a directory of templates")
        dirs.insert(0, template_dir)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(dirs), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, finalize=_shown)
    env.filters["breakable"] = breakable
    return env


def breakable(text: Any) -> Any:
    """An identifier that may break after each dot in a narrow column (``II.1.c.3.units``): the text
    escaped, with ``<wbr>`` after each ``.`` but the last character (the template filter ``breakable``)."""
    from markupsafe import Markup, escape

    s = str(escape(escape_controls(str(text))))
    head, tail = s[:-1], s[-1:]
    return Markup(head.replace(".", ".<wbr>") + tail)


def _shown(value: Any) -> Any:
    """Every value a template writes: text from a plan or data with its control characters shown as
    escapes (``\\x1b``), before autoescaping; markup kpirules made (already escaped) as it is."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return escape_controls(value)
    return value


def render_template(name: str, context: dict[str, Any], template_dir: str | None = None) -> str:
    """The text of template ``name`` rendered with ``context``."""
    try:
        import jinja2
    except ImportError:  # pragma: no cover - jinja2 is a runtime dependency
        raise KpiError("the HTML templates need jinja2: pip install jinja2") from None
    env = _environment(template_dir)
    try:
        return str(env.get_template(name).render(**context))
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or name
        raise KpiError(f"{where}:{exc.lineno}: template error: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise KpiError(f"template {exc.name} not found in {template_dir or shipped_dir()}") from None
    except Exception as exc:  # noqa: BLE001 - an error while rendering: name the template's file and line
        line = _template_line(exc.__traceback__)
        if line is None:
            raise
        raise KpiError(f"{line[0]}:{line[1]}: template error: {type(exc).__name__}: {exc}") from None


def _template_line(tb: Any) -> tuple[str, int] | None:
    """The innermost template file and line in a traceback (jinja2 puts the template's lines in it)."""
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.endswith((".j2", ".html", ".jinja")) or code.co_name in ("top-level template code",
                                                                                     "template"):
            found = (code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
