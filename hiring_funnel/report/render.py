"""One template, two outputs: the HTML page (Jinja2, autoescaped) and a PDF of the same HTML.

The page is self-contained: styles are inline, figures are ``data:`` URLs,
and a Content-Security-Policy forbids the browser to fetch anything or run any
script. WeasyPrint makes the PDF from the same HTML with a URL fetcher that
refuses everything but ``data:`` URLs, so making the PDF cannot reach the
network either.

Every page carries a run id (:func:`run_id`): the first 12 hex digits of the
SHA-256 of the page rendered without it, so the same data and options give
the same id. It is in a ``<meta name="hiring-funnel-run">``, in the footer,
and so in the PDF's text, and in the PDF's metadata: an HTML and a PDF with
one id come from one run.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from hiring_funnel.schema import HiringFunnelError

#: The Debian packages WeasyPrint needs (Pango, its FreeType backend, HarfBuzz and a font).
SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core"
_TEMPLATES = Path(__file__).parent / "templates"
_RUN_META = re.compile(r'<meta name="hiring-funnel-run" content="([0-9a-f]*)">')


def render_html(context: dict[str, Any]) -> str:
    """The report as one HTML page, with its run id; every string from ``context`` is HTML-escaped.

    Examples
    --------
    >>> from jinja2 import Environment
    >>> Environment(autoescape=True).from_string("{{ x }}").render(x="<b>")
    '&lt;b&gt;'
    """
    try:
        import jinja2
    except ImportError as exc:
        raise HiringFunnelError(
            "cannot make the report: Jinja2 is not installed",
            hint='pip install "hiring_funnel[reports]"',
        ) from exc
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,  # every value is escaped unless a template marks it safe (none does)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    template = env.get_template("report.html.j2")
    # The id is a hash of the page without it, so it cannot be part of what it hashes.
    unstamped = template.render(**{**context, "run_id": ""})
    stamp = hashlib.sha256(unstamped.encode("utf-8")).hexdigest()[:12]
    return template.render(**{**context, "run_id": stamp})


def run_id(document: str | bytes) -> str | None:
    """The run id of a report's HTML (its ``<meta name="hiring-funnel-run">``), or None.

    Examples
    --------
    >>> run_id('<meta name="hiring-funnel-run" content="0123456789ab">')
    '0123456789ab'
    """
    text = document.decode("utf-8", "replace") if isinstance(document, bytes) else document
    m = _RUN_META.search(text)
    return m.group(1) if m and m.group(1) else None


def _weasyprint() -> Any:
    """Import WeasyPrint, turning a missing system library into one line that says what to install."""
    try:
        import weasyprint
    except ImportError as exc:
        raise HiringFunnelError(
            "cannot make the PDF: WeasyPrint is not installed",
            hint='pip install "hiring_funnel[reports]", or pass --format html',
        ) from exc
    except OSError as exc:  # cffi's dlopen of Pango or HarfBuzz failed
        raise _missing_libraries(exc) from exc
    return weasyprint


def _missing_libraries(exc: OSError) -> HiringFunnelError:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return HiringFunnelError(
        f"cannot make the PDF: WeasyPrint cannot load a system library ({first_line})",
        hint=f"install the Debian packages {SYSTEM_PACKAGES} "
        "(apt-get install -y --no-install-recommends ...; or run scripts/system-deps.sh as root), "
        "or pass --format html",
    )


def _data_urls_only(weasyprint: Any) -> Any:
    """A URL fetcher that opens ``data:`` URLs and refuses every other (file, http, ...)."""
    urls = weasyprint.urls
    if hasattr(urls, "URLFetcher"):  # WeasyPrint >= 68
        return urls.URLFetcher(allowed_protocols=("data",))

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # older WeasyPrint: a function
        if not url.startswith("data:"):
            raise ValueError(f"the report fetches nothing but data: URLs, not {url[:40]!r}")
        return urls.default_url_fetcher(url, *args, **kwargs)

    return fetch


def render_pdf(html: str) -> bytes:
    """The PDF of ``html`` with WeasyPrint, in memory: nothing is written until it is whole.

    The run id of the page goes into the PDF's metadata too (``HiringFunnelRun``).
    """
    weasyprint = _weasyprint()
    try:
        document = weasyprint.HTML(string=html, url_fetcher=_data_urls_only(weasyprint)).render()
        stamp = run_id(html)
        # Only the run id: custom_metadata would otherwise copy every <meta> of the page.
        document.metadata.custom = {"HiringFunnelRun": stamp} if stamp else {}
        pdf: bytes = document.write_pdf(custom_metadata=bool(stamp))
    except OSError as exc:
        # The libraries loaded (see _weasyprint) and nothing is written here, so
        # this is not a missing Pango: say what the system said.
        raise HiringFunnelError(
            f"cannot make the PDF: {exc.strerror or exc}", hint="or pass --format html"
        ) from exc
    return pdf


def write_pdf(html: str, path: Path) -> Path:
    """Render ``html`` to a PDF file with WeasyPrint, replacing ``path`` atomically."""
    from hiring_funnel.outputs import write_files

    write_files({Path(path): render_pdf(html)}, force=True)
    return Path(path)
