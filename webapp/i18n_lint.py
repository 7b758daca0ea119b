"""Find user-visible text that is not marked for translation.

Templates: the Jinja lexer separates template data from ``{{ }}``/``{% %}``/``{# #}``; each
Jinja construct becomes a placeholder (text inside ``{% trans %}`` counts as marked), and an
HTML parser then looks at what a reader would see: text nodes and the attributes browsers
show (title, placeholder, alt, aria-label, label, and the value of buttons).  Anything there
that still contains a letter is unmarked text.

Python: the AST finds the usual ways an English literal reaches a user without gettext:
``flash("...")``, a form field's label, a validator's ``message=``, ``abort(..., "...")``, and
f-strings given to a domain error (f-strings cannot be translated; use ``_l`` with named
placeholders).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "webapp" / "templates"
PYTHON_PACKAGES = ("webapp", "scheduler", "training")

#: Text that is the same in every language (product and format names, units of code).
ALLOWED_TEXT = frozenset({"WFM", "CSV", "XLSX", "API", "iCal", "JSON", "PDF", "SLA", "ID", "OK", "AHT", "FTE", "KPI"})
#: Elements whose content is code or data, not prose.
SKIP_ELEMENTS = frozenset({"script", "style", "code", "kbd", "samp", "pre", "svg", "math"})
#: Attributes a reader sees or hears.
VISIBLE_ATTRS = frozenset({"title", "placeholder", "alt", "aria-label", "aria-description", "label"})
BUTTON_INPUT_TYPES = frozenset({"submit", "button", "reset"})

_MARK = "\ue000"  # stands for a Jinja construct; not a letter
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Finding:
    where: str  # file:line
    text: str


def _is_visible_text(text: str) -> bool:
    text = text.replace(_MARK, " ").strip()
    if not _LETTER.search(text):
        return False
    words = re.findall(r"[^\W\d_]+", text)
    return not all(w in ALLOWED_TEXT for w in words)


def template_skeleton(source: str, env: Environment | None = None) -> str:
    """The template's literal text with every Jinja construct replaced by one mark and line
    breaks kept, so parser positions are template line numbers.  Text between ``{% trans %}``
    and ``{% endtrans %}`` is marked text and is replaced too."""
    env = env or Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"])
    out: list[str] = []
    line = 1
    in_trans = False
    expect_tag = False
    for lineno, token, value in env.lex(source):
        if lineno > line:
            out.append(_MARK + "\n" * (lineno - line))
            line = lineno
        if token == "data" and not in_trans:
            out.append(value)
            line += value.count("\n")
            continue
        if token == "data":
            out.append(_MARK + "\n" * value.count("\n"))
            line += value.count("\n")
            continue
        if token in ("block_begin", "variable_begin", "comment_begin"):
            out.append(_MARK)
        if token == "block_begin":
            expect_tag = True
        elif token == "name" and expect_tag:
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
            expect_tag = False
        elif token != "whitespace":
            expect_tag = False
    return "".join(out)


class _TextFinder(HTMLParser):
    def __init__(self, name: str) -> None:
        super().__init__(convert_charrefs=True)
        self.name = name
        self.skip_depth = 0
        self.findings: list[Finding] = []

    def _flag(self, text: str) -> None:
        line = self.getpos()[0]
        clean = " ".join(text.replace(_MARK, "…").split())
        self.findings.append(Finding(f"{self.name}:{line}", clean))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_ELEMENTS:
            self.skip_depth += 1
        values = dict(attrs)
        for key, value in attrs:
            if value is None:
                continue
            visible = key in VISIBLE_ATTRS or (
                key == "value" and tag == "input" and (values.get("type") or "").lower() in BUTTON_INPUT_TYPES
            )
            if visible and _is_visible_text(value):
                self._flag(f'{key}="{value}"')

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SKIP_ELEMENTS:
            self.skip_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_ELEMENTS and self.skip_depth:
            self.skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip_depth and _is_visible_text(data):
            self._flag(data)


def unmarked_in_template(source: str, name: str) -> list[Finding]:
    finder = _TextFinder(name)
    finder.feed(template_skeleton(source))
    finder.close()
    return finder.findings


def unmarked_templates(root: Path = TEMPLATES) -> list[Finding]:
    findings: list[Finding] = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".html", ".txt") or not path.is_file():
            continue
        rel = str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        try:
            findings += unmarked_in_template(path.read_text(encoding="utf-8"), rel)
        except Exception as err:  # a template being written right now may not lex yet
            findings.append(Finding(rel, f"could not parse: {err}"))
    return findings


_ERROR_CLASSES = {"DomainError", "ValidationError", "NotFound", "PermissionDenied", "Conflict"}
#: WTForms validators whose ``message=`` a user reads.
_VALIDATORS = {"DataRequired", "InputRequired", "Length", "NumberRange", "Email", "EqualTo", "Regexp",
               "Optional", "AnyOf", "NoneOf", "URL", "IPAddress", "MacAddress", "UUID", "FileAllowed",
               "FileRequired", "FileSize", "ValidationError"}
_MARKERS = {"_", "gettext", "ngettext", "lazy_gettext", "_l", "lazy_ngettext", "_n", "pgettext"}


def _call_name(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


def _literal_text(node: ast.AST | None) -> str | None:
    """English text in a literal or f-string, None when the node is marked or not text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and _LETTER.search(node.value):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        if _LETTER.search(parts):
            return ast.unparse(node)
    return None


def _built_sentence(node: ast.AST) -> bool:
    """``"text: " + x``, ``"text %s" % x`` or ``"text {}".format(x)``: English glued to values,
    which no translation can reorder."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return any(_literal_text(side) is not None or _built_sentence(side) for side in (node.left, node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _literal_text(node.func.value) is not None
    return False


def unmarked_in_python(source: str, name: str) -> list[Finding]:
    findings: list[Finding] = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        fname = _call_name(node)
        if fname in _MARKERS:
            continue
        suspects: list[ast.AST] = []
        if fname == "flash" and node.args:
            suspects.append(node.args[0])
        elif fname.endswith("Field") and fname[:1].isupper() and node.args:
            suspects.append(node.args[0])  # WTForms label
        elif fname == "abort" and len(node.args) > 1:
            suspects.append(node.args[1])
        elif fname in _ERROR_CLASSES and node.args and isinstance(node.args[0], ast.JoinedStr):
            suspects.append(node.args[0])  # a literal is extracted; an f-string cannot be
        elif fname in _ERROR_CLASSES and node.args and _built_sentence(node.args[0]):
            findings.append(Finding(f"{name}:{node.lineno}", f"{fname}: {ast.unparse(node.args[0])[:80]} "
                                    "(built from pieces: use _l('... %(x)s', x=...))"))
        for kw in node.keywords:
            if kw.arg in ("message", "label", "description") and (fname.endswith("Field") or fname in _VALIDATORS or fname == "abort"):
                suspects.append(kw.value)
        for s in suspects:
            text = _literal_text(s)
            if text is not None:
                findings.append(Finding(f"{name}:{s.lineno}", f"{fname}: {text}"))
    return findings


def unmarked_python(root: Path = ROOT, packages: tuple[str, ...] = PYTHON_PACKAGES) -> list[Finding]:
    findings: list[Finding] = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            rel = str(path.relative_to(root))
            try:
                findings += unmarked_in_python(path.read_text(encoding="utf-8"), rel)
            except SyntaxError as err:
                findings.append(Finding(rel, f"could not parse: {err}"))
    return findings


# --- rendered pages ------------------------------------------------------------------------

#: A token that may be a code or a name: starts with a letter, may hold digits, dots, @ ...
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_.@/+-]*[A-Za-z0-9]|[A-Za-z]")
_THREE_LETTERS = re.compile(r"[A-Za-z]{3,}")
#: Always fine on a Chinese page: format and product names, and the switcher's "English".
PAGE_ALLOWED = frozenset(ALLOWED_TEXT | {"English", "Erlang", "Erlang-A", "Erlang-C", "Google", "Outlook", "Bearer",
                                         "Authorization", "iCalendar", "Excel"})


def untranslated_words(text: str, allowed: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Tokens with a run of 3+ ASCII letters that are neither in ``allowed`` (data: codes,
    usernames, names) nor in PAGE_ALLOWED: on a Chinese page these are English left over."""
    found = []
    for token in _TOKEN.findall(text):
        if not _THREE_LETTERS.search(token):
            continue
        if token in allowed or token in PAGE_ALLOWED or token.rstrip(".") in allowed:
            continue
        if "/" in token or "@" in token or "_" in token:
            continue  # a path, an e-mail or an identifier (draft_roster, employee_no): not prose
        if token.isupper() and len(token) <= 5:
            continue  # an acronym or code (AHT, WAPE, MSTL, queue codes)
        found.append(token)
    return found


class _VisibleText(HTMLParser):
    """Text a reader sees in a rendered page: body text outside code and scripts, plus the
    attributes shown as tooltips, placeholders and button labels."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_ELEMENTS or tag == "textarea":
            self.skip += 1
        values = dict(attrs)
        for key, value in attrs:
            if value and (key in VISIBLE_ATTRS or (
                    key == "value" and tag == "input" and (values.get("type") or "") in BUTTON_INPUT_TYPES)):
                self.parts.append(value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SKIP_ELEMENTS or tag == "textarea":
            self.skip -= 1

    def handle_endtag(self, tag: str) -> None:
        if (tag in SKIP_ELEMENTS or tag == "textarea") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(p for p in parser.parts if p.strip())


def kept_words(locale: str) -> set[str]:
    """ASCII tokens the translators kept in a catalogue's translations on purpose (file
    column names such as ``employee_no``, product names such as Outlook, method names such
    as MSTL): allowed on that locale's pages."""
    from webapp.i18n_cli import po_path, read_catalog

    words: set[str] = set()
    for message in read_catalog(po_path(locale), locale):
        strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
        for s in strings:
            words.update(_TOKEN.findall(re.sub(r"%\(\w+\)[sdif]", " ", s or "")))
    return words
