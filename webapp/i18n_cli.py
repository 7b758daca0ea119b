"""``wfm i18n``: extract, update, compile and check the message catalogues.

The catalogues live in ``webapp/translations/<locale>/LC_MESSAGES/messages.po`` and are
committed; ``.mo`` files are build output (``make run``/``make test`` compile them).  The
commands wrap Babel's own extraction and catalogue code, so ``pybabel`` with ``babel.cfg``
gives the same result; they exist to add what pybabel lacks: the English catalogue is kept
complete automatically (English is the source language), obsolete entries are dropped, and
``check`` fails on anything a translator or developer still has to do.

Typical round, after adding strings::

    wfm i18n update      # extract and merge new msgids into every catalogue
    # translate the entries `wfm i18n check` lists (zh_Hant_TW, zh_Hans_CN)
    wfm i18n check       # exit 1 while anything is untranslated, fuzzy, stale or unmarked
    wfm i18n compile     # .mo files, also done by `make run` / `make test`
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import click
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
BABEL_CFG = ROOT / "babel.cfg"
TRANSLATIONS = ROOT / "webapp" / "translations"
POT_FILE = TRANSLATIONS / "messages.pot"
#: The interface languages; English is the source language of every msgid.
LOCALES = ("en", "zh_Hant_TW", "zh_Hans_CN")
SOURCE_LOCALE = "en"

LANGUAGE_TITLES = {"en": "English", "zh_Hant_TW": "Traditional Chinese (Taiwan)", "zh_Hans_CN": "Simplified Chinese (mainland China)"}

#: Marking functions.  Besides gettext's usual names: ``_l`` / ``lazy_gettext`` for strings
#: evaluated later (form labels, module constants), and the domain errors, whose literal
#: message is extracted so that webapp/errors.py can show it in the reader's language.
KEYWORDS: dict = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "_n": (1, 2),
    "DomainError": None,
    "ValidationError": None,
    "NotFound": None,
    "PermissionDenied": None,
    "Conflict": None,
    # row-level import problems (the one CSV/XLSX import path): the message is the 3rd argument
    "ImportProblem": (3,),
    "RowError": (3,),
    # the roster validator's sentence for people: the 5th argument
    "_violation": (5,),
    # the engine's explanation of an infeasible roster and its skill gaps (optimizer.roster.explain)
    # and the absence repair's line for people (optimizer.roster.repair): the 2nd argument
    "_note": (2,),
}
#: ``# i18n: ...`` comments above a marked string reach the translators.
COMMENT_TAGS = ("i18n:",)


@dataclass(frozen=True)
class Problem:
    """One thing that stops the catalogues from being complete."""

    locale: str  # "" for source problems (unmarked text)
    kind: str  # missing | untranslated | fuzzy | format | unmarked
    msgid: str
    where: str = ""

    def __str__(self) -> str:
        where = f" ({self.where})" if self.where else ""
        prefix = f"[{self.locale}] " if self.locale else ""
        return f"{prefix}{self.kind}: {self.msgid!r}{where}"


def _ids(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def extract_catalog(root: Path = ROOT, cfg: Path = BABEL_CFG) -> Catalog:
    """The template catalogue (POT) extracted from the current source tree."""
    with cfg.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    catalog = Catalog(project="wfm", version="1.0", msgid_bugs_address="", charset="utf-8",
                      fuzzy=False)
    # Babel prints a warning per f-string it skips; `wfm i18n check` reports those as unmarked
    # text with a clearer hint, so keep the console quiet here.
    with contextlib.redirect_stderr(io.StringIO()):
        found = list(extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
        directory_filter=lambda d: not os.path.basename(d).startswith((".", "__")) and "node_modules" not in d,
    ))
    for filename, lineno, message, comments, context in found:
        flags = set()
        msgid = message[0] if isinstance(message, tuple) else message
        if "%(" in msgid:
            flags.add("python-format")
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context, flags=flags)
    return catalog


def po_path(locale: str, translations: Path = TRANSLATIONS) -> Path:
    return translations / locale / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path, locale: str) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _atomic_write(path: Path, data: bytes) -> None:
    """Other people may be editing catalogues at the same time: never leave half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def write_catalog(path: Path, catalog: Catalog) -> None:
    buf = io.BytesIO()
    # No line numbers: they change on every edit and make merges between people painful.
    write_po(buf, catalog, width=100, sort_by_file=True, ignore_obsolete=True, include_lineno=False)
    _atomic_write(path, buf.getvalue())


def fill_source_locale(catalog: Catalog) -> int:
    """English is the source language: its translation of a msgid is the msgid itself."""
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            want = (message.id[0], message.id[1])
            if not isinstance(message.string, tuple) or tuple(message.string) != want or message.fuzzy:
                message.string = want
                filled += 1
        elif message.string != message.id or message.fuzzy:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    return filled


def update_catalogs(template: Catalog, translations: Path = TRANSLATIONS,
                    locales: Iterable[str] = LOCALES) -> dict[str, dict[str, int]]:
    """Merge ``template`` into each locale's catalogue (creating missing ones).  Returns per
    locale the counts of entries still to translate and of fuzzy guesses to review."""
    report: dict[str, dict[str, int]] = {}
    for locale in locales:
        path = po_path(locale, translations)
        if path.exists():
            catalog = read_catalog(path, locale)
        else:
            catalog = Catalog(locale=locale, project="wfm", version="1.0", charset="utf-8", fuzzy=False)
        # update() adopts the template's Message objects: give each locale its own copies
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=False, update_creation_date=False)
        catalog.fuzzy = False
        catalog.header_comment = (f"# {LANGUAGE_TITLES.get(locale, locale)} messages of the WFM interface.\n"
                                  "# Maintained with `wfm i18n update` / `wfm i18n check` (docs/i18n.md).")
        catalog.last_translator = "WFM project"
        catalog.language_team = LANGUAGE_TITLES.get(locale, locale)
        if locale == SOURCE_LOCALE:
            fill_source_locale(catalog)
        write_catalog(path, catalog)
        todo = [m for m in catalog if m.id and not _translated(m)]
        report[locale] = {"entries": sum(1 for m in catalog if m.id), "untranslated": len(todo),
                          "fuzzy": sum(1 for m in catalog if m.id and m.fuzzy)}
    return report


def write_template(template: Catalog, path: Path = POT_FILE) -> None:
    template.header_comment = "# Messages of the WFM interface, extracted by `wfm i18n extract` (docs/i18n.md)."
    buf = io.BytesIO()
    write_po(buf, template, width=100, sort_by_file=True, include_lineno=False)
    _atomic_write(path, buf.getvalue())


def _translated(message: Message) -> bool:
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def compile_catalogs(translations: Path = TRANSLATIONS, locales: Iterable[str] = LOCALES) -> list[Path]:
    """Write the ``.mo`` next to each ``.po``.  Fuzzy entries are left out (gettext shows the
    English msgid instead of a guess)."""
    written = []
    for locale in locales:
        path = po_path(locale, translations)
        if not path.exists():
            continue
        catalog = read_catalog(path, locale)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        mo = path.with_suffix(".mo")
        _atomic_write(mo, buf.getvalue())
        written.append(mo)
    return written


def catalog_problems(template: Catalog, translations: Path = TRANSLATIONS,
                     locales: Iterable[str] = LOCALES) -> list[Problem]:
    """What is missing, untranslated, fuzzy or has broken placeholders, per locale."""
    problems: list[Problem] = []
    wanted = {(m.context, _ids(m)): m for m in template if m.id}
    for key, tmpl in wanted.items():
        where = ", ".join(f for f, _ln in tmpl.locations[:2])
        if _is_formatted(tmpl) and not all(_formats(i, _names(tmpl)) for i in _all_ids(tmpl)):
            problems.append(Problem("", "format", key[1], f"{where}: not a valid format string; write a percent sign as %%"))
        in_template = any(f.endswith((".html", ".txt")) for f, _ln in tmpl.locations)
        fake = [t for i in _all_ids(tmpl) for t in _TAG.findall(i) if t.strip("</>").split()[0].lower() not in _HTML_TAGS]
        if in_template and fake:
            problems.append(Problem("", "format", key[1], f"{where}: {fake[0]} would be read as an HTML tag; write &lt;"))
    for locale in locales:
        path = po_path(locale, translations)
        if not path.exists():
            problems.append(Problem(locale, "missing", "(whole catalogue)", str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)))
            continue
        catalog = read_catalog(path, locale)
        have = {(m.context, _ids(m)): m for m in catalog if m.id}
        for key, tmpl in wanted.items():
            if key not in have:
                where = ", ".join(f for f, _ln in tmpl.locations[:2])
                problems.append(Problem(locale, "missing", key[1], where))
        for key, message in have.items():
            if key not in wanted:
                continue  # obsolete: harmless, dropped by the next update
            if message.fuzzy:
                problems.append(Problem(locale, "fuzzy", key[1]))
            elif not _translated(message):
                problems.append(Problem(locale, "untranslated", key[1]))
            else:
                problems.extend(Problem(locale, "format", key[1], msg)
                                for msg in placeholder_errors(message, _is_formatted(wanted[key])))
    return problems


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
#: Tags a translatable template string may carry (translations are inserted as HTML).
_HTML_TAGS = {"a", "b", "strong", "em", "i", "br", "code", "kbd", "span", "small", "abbr", "sup", "sub", "mark"}


def _all_ids(message: Message) -> list[str]:
    return [message.id] if isinstance(message.id, str) else list(message.id)


def _names(message: Message) -> set[str]:
    return {n for i in _all_ids(message) for n in _PLACEHOLDER.findall(i)}


def _is_formatted(message: Message) -> bool:
    """Template strings are always %-formatted (Jinja's newstyle gettext); Python strings
    only when they have placeholders."""
    return bool(_names(message)) or any(f.endswith((".html", ".txt")) for f, _ln in message.locations)


def _formats(text: str, names: set[str]) -> bool:
    try:
        text % {n: 1 for n in names}
    except (KeyError, TypeError, ValueError):
        return False
    return True


def placeholder_errors(message: Message, in_template: bool = False) -> list[str]:
    """Named placeholders must be the same in msgid and msgstr: a typo in ``%(name)s`` would
    raise KeyError at render time, in one language only.  Strings that get %-formatted (all
    template strings: Jinja's newstyle gettext always formats; Python strings with
    placeholders) must be valid format strings: a lone ``%`` must be written ``%%``."""
    strings = [message.string] if isinstance(message.string, str) else list(message.string)
    want = _names(message)
    errors = []
    formatted = in_template or bool(want)
    source_ok = all(_formats(i, want) for i in _all_ids(message))
    for s in strings:
        got = set(_PLACEHOLDER.findall(s or ""))
        # plural forms may omit the count (Chinese has one form); never add unknown names
        if got - want:
            errors.append(f"unknown placeholder(s) {sorted(got - want)}")
        elif isinstance(message.id, str) and got != want:
            errors.append(f"placeholders {sorted(got)} != {sorted(want)}")
        elif formatted and source_ok and not _formats(s or "", want | {"num"}):
            errors.append("the translation is not a valid format string (write a percent sign as %%)")
        elif in_template and set(_TAG.findall(s or "")) - {t for i in _all_ids(message) for t in _TAG.findall(i)}:
            # template translations are inserted as HTML: a tag the source lacks is markup the
            # developer did not write (or a "<token>" the browser swallows): write &lt;
            errors.append("the translation has HTML tags the source text does not have")
    return errors


@click.group("i18n")
def i18n_group() -> None:
    """Translations: extract, update, compile and check the message catalogues."""


@i18n_group.command("extract")
def extract_cmd() -> None:
    """Extract marked strings into webapp/translations/messages.pot."""
    template = extract_catalog()
    write_template(template)
    click.echo(f"{sum(1 for m in template if m.id)} messages -> {POT_FILE.relative_to(ROOT)}")


@i18n_group.command("update")
def update_cmd() -> None:
    """Extract, then merge new strings into every catalogue (English filled in)."""
    template = extract_catalog()
    write_template(template)
    report = update_catalogs(template)
    for locale, counts in report.items():
        click.echo(f"{locale:12} {counts['entries']:5} entries, {counts['untranslated']:4} untranslated, "
                   f"{counts['fuzzy']:4} fuzzy")


@i18n_group.command("compile")
def compile_cmd() -> None:
    """Compile .po catalogues to .mo (fuzzy entries left out)."""
    for mo in compile_catalogs():
        click.echo(f"compiled {mo.relative_to(ROOT)}")


@i18n_group.command("check")
@click.option("--limit", default=200, show_default=True, help="Problems to list at most.")
def check_cmd(limit: int) -> None:
    """Fail when a catalogue is stale, untranslated or fuzzy, or when source text is unmarked."""
    from webapp.i18n_lint import unmarked_python, unmarked_templates

    problems = catalog_problems(extract_catalog())
    problems += [Problem("", "unmarked", f.text, f.where) for f in unmarked_templates() + unmarked_python()]
    for p in problems[:limit]:
        click.echo(str(p))
    if len(problems) > limit:
        click.echo(f"... and {len(problems) - limit} more")
    if problems:
        raise click.ClickException(f"{len(problems)} translation problem(s)")
    click.echo("catalogues complete; no unmarked text found")
