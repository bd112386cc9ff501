"""Khmer that MoSVY social workers recognise (issue 18): every Khmer message follows docs/glossary-km.md.

The glossary's tables give, for each concept, the Khmer form to use and the forms to avoid. This module reads
them and fails on
1. a Khmer message that uses an avoided form for a concept its English contains,
2. a glossary term spelt another way (subscript DA/TA, ប័ណ្ណ/បណ្ណ, RO order, ម្/ំ, ឱ/ឲ, ឣ, zero-width space),
3. a broken typing rule (zero-width space, deprecated letters, subscript RO not last).
The glossary's section "How the test reads this file" is the specification; keep the two in step.

Catalogues are found, not listed: every `karpear/**/locale/km/LC_MESSAGES/*.po`, so an app added later is
covered without editing this file. Other branches add strings while this one is merged: the checks only read
the catalogues and the glossary, so they hold whatever strings arrive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from karpear.core.khmer_words import KHMER_WORD_SOURCES, KHMER_WORDS

ROOT = Path(__file__).resolve().parents[3]
GLOSSARY = ROOT / "docs" / "glossary-km.md"
HEADER = ("English term", "Khmer term", "Avoid", "Where used already", "Note")

COENG, RO, DA, TA, MO, NIKAHIT, SAMYOK = "\u17d2", "\u179a", "\u178a", "\u178f", "\u1798", "\u17c6", "\u17d0"
QA, QA_DEPRECATED, QOO_ONE, QOO_TWO, ZWSP = "\u17a2", "\u17a3", "\u17b1", "\u17b2", "\u200b"
KHMER = re.compile("[\u1780-\u17ff]")
CONSONANTS = "\u1780-\u17a2"
TYPING_RULES = (
    (re.compile(ZWSP), "no zero-width space (U+200B)"),
    (re.compile("[\u17a3\u17a4]"), "no deprecated letter ឣ or ឤ (U+17A3, U+17A4): write អ"),
    (re.compile(f"{COENG}{RO}{COENG}[{CONSONANTS}]"), "subscript RO last in its cluster (ស្ត្រី, not ស្រ្តី)"),
)


class GlossaryError(ValueError):
    """The glossary file cannot be read as the test expects (see its "How the test reads this file")."""


# ---------------------------------------------------------------- reading the glossary
@dataclass(frozen=True)
class Avoided:
    form: str
    exceptions: tuple[str, ...] = ()

    def found_in(self, khmer: str) -> bool:
        text = khmer.replace(ZWSP, "")
        for exception in self.exceptions:
            text = text.replace(exception, "\0")
        return self.form in text


@dataclass(frozen=True)
class Entry:
    """One row of the glossary: a concept, the Khmer to use and the forms to avoid."""

    line: int
    english: tuple[str, ...]  # the concept's forms, lower case, matched as whole words
    khmer: tuple[str, ...]  # every Khmer form to use
    expected: str  # the Khmer cell as a reader sees it, for failure messages
    avoid: tuple[Avoided, ...]
    where: str  # the "Where used already" cell

    @cached_property
    def concept(self) -> re.Pattern[str]:
        words = (r"\s+".join(map(re.escape, form.split())) + "(?:s|es)?" for form in self.english)
        return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)


_PARENTHESES = re.compile(r"\(([^()]*)\)")
_ITALIC = re.compile(r"\*[^*]+\*")
_AVOIDED = re.compile(r"(?P<form>[^()]+?)\s*(?:\(except in (?P<exceptions>[^()]+)\))?")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().removeprefix("|").removesuffix("|").split("|")]


def _english_forms(cell: str) -> tuple[str, ...]:
    text = _PARENTHESES.sub(" ", _ITALIC.sub(" ", cell.replace("**", "")))
    return tuple(" ".join(form.split()).lower() for form in text.split("/") if form.strip())


def _khmer_forms(cell: str) -> tuple[str, ...]:
    text = _ITALIC.sub(" ", cell.replace("**", ""))
    forms: list[str] = []
    for part in (_PARENTHESES.sub(" ", text), *_PARENTHESES.findall(text)):
        forms.extend(" ".join(form.split()) for form in re.split("[/·]", part) if KHMER.search(form))
    return tuple(dict.fromkeys(forms))


def _avoided(cell: str, where: str) -> tuple[Avoided, ...]:
    avoided = []
    for item in filter(None, (item.strip() for item in cell.replace("**", "").split(" · "))):
        match = _AVOIDED.fullmatch(item)
        if match is None or not KHMER.search(match["form"]) or re.search("[A-Za-z]", match["form"]):
            raise GlossaryError(f"{where}: cannot read {item!r}: write `form` or `form (except in A, B)`")
        form = match["form"].strip()
        exceptions = tuple(e.strip() for e in (match["exceptions"] or "").split(",") if e.strip())
        if stray := [e for e in exceptions if form not in e]:
            raise GlossaryError(f"{where}: the exceptions {stray} do not contain the avoided form {form!r}")
        avoided.append(Avoided(form, exceptions))
    return tuple(avoided)


def read_glossary(path: Path = GLOSSARY) -> list[Entry]:
    """Every row of the tables whose header is HEADER; a row with another number of cells is an error."""
    entries: list[Entry] = []
    in_table = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.startswith("|"):
            in_table = False
            continue
        cells = _cells(line)
        if tuple(cells) == HEADER:
            in_table = True
            continue
        if not in_table or set(line) <= set("|-: "):
            continue
        where = f"{path.name} line {number}"
        if len(cells) != len(HEADER):
            raise GlossaryError(f"{where}: {len(cells)} cells, the glossary's tables have {len(HEADER)}")
        english, khmer, avoid, used, _note = cells
        expected = " ".join(re.sub(r"\(\s*\)", "", _ITALIC.sub("", khmer.replace("**", ""))).split())
        entry = Entry(number, _english_forms(english), _khmer_forms(khmer), expected, _avoided(avoid, where), used)
        if not entry.english or not entry.khmer:
            raise GlossaryError(f"{where}: a row needs an English term and a Khmer term")
        entries.append(entry)
    return entries


# ---------------------------------------------------------------- spelling variants of a term
def _variants(term: str) -> re.Pattern[str] | None:
    """A pattern matching the term and its misspellings (see the glossary), or None if it has none."""
    tokens: list[str] = []
    varies, i = False, 0
    consonant = re.compile(f"[{CONSONANTS}]")
    while i < len(term):
        char, rest = term[i], term[i + 1 : i + 4]
        sub = "[" + DA + TA + "]" if rest[:1] in (DA, TA) else re.escape(rest[:1])
        if char == COENG and len(rest) == 3 and rest[1:] == COENG + RO and rest[0] != RO:  # ្X្រ or ្រ្X
            tokens.append(f"(?:{COENG}{sub}{COENG}{RO}|{COENG}{RO}{COENG}{sub})")
            varies, i = True, i + 4
            continue
        if char == COENG and rest[:1] in (DA, TA):  # subscript DA or TA
            tokens.append(COENG + sub)
            varies, i = True, i + 2
            continue
        if term.startswith("ប័ណ្ណ", i):
            tokens.append(f"ប{SAMYOK}?ណ{COENG}ណ")
            varies, i = True, i + 5
            continue
        after_consonant = i > 0 and consonant.match(term[i - 1]) is not None
        if char == MO and rest[:1] == COENG and after_consonant and consonant.match(rest[1:2] or " "):  # ម្ / ំ
            tokens.append(f"(?:{MO}{COENG}|{NIKAHIT})")
            varies, i = True, i + 2
            continue
        if char in (QA, QOO_ONE):
            tokens.append(f"[{QA}{QA_DEPRECATED}]" if char == QA else f"[{QOO_ONE}{QOO_TWO}]")
            varies = varies or char == QOO_ONE
            i += 1
            continue
        tokens.append(r"\s*" if char.isspace() else re.escape(char))
        i += 1
    if not varies and QA not in term:
        return None
    return re.compile(f"{ZWSP}?".join(tokens))


def _bare(text: str) -> str:
    return "".join(text.split())


# ---------------------------------------------------------------- the checks
@dataclass(frozen=True)
class Message:
    where: str  # the catalogue, relative to the project
    msgid: str
    english: str  # context, msgid and plural: where a concept is looked for
    khmer: tuple[str, ...]


@dataclass
class Glossary:
    entries: list[Entry]
    path: str = "docs/glossary-km.md"
    terms: list[tuple[Entry, str, re.Pattern[str]]] = field(init=False)

    def __post_init__(self) -> None:
        self.terms = [
            (entry, term, pattern)
            for entry in self.entries
            for term in entry.khmer
            if (pattern := _variants(term)) is not None
        ]

    def avoided(self, english: str, khmer: str) -> Iterator[tuple[str, str, str]]:
        """(found, expected, why) for each avoided form of a concept the English contains."""
        for entry in self.entries:
            if not entry.avoid or not entry.concept.search(english):
                continue
            for avoided in entry.avoid:
                if avoided.found_in(khmer):
                    why = f"avoided for {entry.english[0]!r}, {self.path} line {entry.line}"
                    yield avoided.form, entry.expected, why

    def misspelt(self, khmer: str) -> Iterator[tuple[str, str, str]]:
        """(found, expected, why) for each glossary term spelt another way; the longest match wins."""
        found: list[tuple[int, int, str, str, str]] = []
        for entry, term, pattern in self.terms:
            for match in pattern.finditer(khmer):
                if _bare(match.group()) != _bare(term):
                    why = f"spelt another way, {self.path} line {entry.line}"
                    found.append((match.start(), match.end(), match.group(), term, why))
        found.sort(key=lambda f: (f[0], -f[1]))
        end = -1
        for _start, stop, text, term, why in found:
            if stop > end:  # not inside a longer match already reported
                yield text, term, why
                end = stop

    def problems(self, message: Message) -> list[str]:
        out: list[str] = []
        for khmer in message.khmer:
            faults = [*self.avoided(message.english, khmer), *self.misspelt(khmer), *_typing(khmer)]
            out.extend(
                f"{message.where}: msgid {message.msgid!r}: found {found!r}, expected {expected!r} ({why})"
                for found, expected, why in faults
            )
        return list(dict.fromkeys(out))


def _typing(khmer: str) -> Iterator[tuple[str, str, str]]:
    for rule, description in TYPING_RULES:
        for match in rule.finditer(khmer):
            yield khmer[max(0, match.start() - 4) : match.end() + 4], description, "typing rule"


def catalogues(root: Path = ROOT) -> list[Path]:
    """Every Khmer catalogue of the project and of each app, however deep the app sits under karpear/."""
    return sorted((root / "karpear").rglob("locale/km/LC_MESSAGES/*.po"))


def messages(path: Path, root: Path = ROOT) -> Iterator[Message]:
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale="km")
    where = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        english = " ".join([message.context or "", *ids])
        yield Message(where, ids[0], english, tuple(s for s in strings if s))


def catalogue_problems(paths: Iterable[Path], glossary: Glossary, root: Path = ROOT) -> list[str]:
    return [problem for path in paths for message in messages(path, root) for problem in glossary.problems(message)]


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary(read_glossary())


def _entry_for(glossary: Glossary, english: str) -> Entry:
    matching = [entry for entry in glossary.entries if english in entry.english]
    assert matching, f"the glossary has no row for {english!r}"
    return matching[0]


# ---------------------------------------------------------------- the glossary itself
def test_the_glossary_is_read_as_tables_of_five_cells(glossary: Glossary) -> None:
    assert len(glossary.entries) > 350
    caseworker = _entry_for(glossary, "caseworker")
    assert caseworker.khmer == ("អ្នកកាន់ករណី",)
    assert caseworker.english == ("caseworker", "case worker")
    assert Avoided("អ្នកគ្រប់គ្រងករណី") in caseworker.avoid
    person = _entry_for(glossary, "person")
    assert person.avoid == (Avoided("មនុស្ស", ("ជួញដូរមនុស្ស", "មនុស្សពេញវ័យ", "មនុស្សចាស់", "សិទ្ធិមនុស្ស")),)
    ccwc = _entry_for(glossary, "commune committee for women and children")
    assert ccwc.khmer == ("គណៈកម្មាធិការទទួលបន្ទុកកិច្ចការនារី និងកុមារឃុំ សង្កាត់", "គ.ក.ន.ក")
    budget = _entry_for(glossary, "budget line")
    assert (budget.khmer, budget.expected) == (("ខ្ទង់ថវិកា",), "ខ្ទង់ថវិកា")


def test_a_glossary_row_with_a_missing_cell_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "glossary.md"
    page.write_text(
        "| English term | Khmer term | Avoid | Where used already | Note |\n|---|---|---|---|---|\n"
        "| person | បុគ្គល | K | note |\n",
        encoding="utf-8",
    )
    with pytest.raises(GlossaryError, match="line 3: 4 cells"):
        read_glossary(page)


def test_an_exception_that_does_not_contain_its_avoided_form_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "glossary.md"
    page.write_text(
        "| English term | Khmer term | Avoid | Where used already | Note |\n|---|---|---|---|---|\n"
        "| person | បុគ្គល | មនុស្ស (except in ជនរងគ្រោះ) | K | |\n",
        encoding="utf-8",
    )
    with pytest.raises(GlossaryError, match="do not contain the avoided form"):
        read_glossary(page)


def test_the_glossary_follows_its_own_rules(glossary: Glossary) -> None:
    """Each row, read as a message, passes every other row: one spelling per term, no avoided form in a
    recommended one (outside the exceptions), no broken typing rule."""
    problems = [
        problem
        for entry in glossary.entries
        for problem in glossary.problems(
            Message(f"line {entry.line}", entry.expected, " / ".join(entry.english), (entry.expected,))
        )
    ]
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------- the catalogues
def test_catalogues_are_found_in_every_app(tmp_path: Path) -> None:
    for relative in (
        "karpear/locale/km/LC_MESSAGES/django.po",
        "karpear/protection/locale/km/LC_MESSAGES/django.po",
        "karpear/protection/locale/km/LC_MESSAGES/djangojs.po",
        "karpear/livelihoods/savings/locale/km/LC_MESSAGES/django.po",
        "karpear/protection/locale/en/LC_MESSAGES/django.po",  # not Khmer
    ):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("", encoding="utf-8")
    assert [str(p.relative_to(tmp_path)) for p in catalogues(tmp_path)] == [
        "karpear/livelihoods/savings/locale/km/LC_MESSAGES/django.po",
        "karpear/locale/km/LC_MESSAGES/django.po",
        "karpear/protection/locale/km/LC_MESSAGES/django.po",
        "karpear/protection/locale/km/LC_MESSAGES/djangojs.po",
    ]
    assert ROOT / "karpear/locale/km/LC_MESSAGES/django.po" in catalogues()


def test_every_khmer_message_of_every_app_follows_the_glossary(glossary: Glossary) -> None:
    found = catalogues()
    assert found, "no Khmer catalogue found"
    problems = catalogue_problems(found, glossary)
    assert problems == [], "\n".join(problems)


PLANTED = r"""
msgid ""
msgstr ""
"Language: km\n"
"Content-Type: text/plain; charset=utf-8\n"

msgid "Caseworker"
msgstr "អ្នកគ្រប់គ្រងករណី"

msgid "Written to the audit log with your name."
msgstr "កត់ត្រាក្នុងកំណត់ហេតុសវនកម្មជាមួយឈ្មោះរបស់អ្នក។"

msgid "Start the export"
msgstr "ចាប់ផ្តើមនាំចេញ"

msgid "Not IDPoor"
msgstr "មិនមានបណ្ណសមធម៌"

msgid "Only people matching"
msgstr "តែមនុស្សដែលត្រូវនឹង"

msgid "District"
msgstr "ស្រុក"

msgid "Women"
msgstr "ស្រ្តី"

msgctxt "export"
msgid "%(n)s person"
msgid_plural "%(n)s people"
msgstr[0] "មនុស្ស %(n)s នាក់"

msgid "Victims of trafficking in persons"
msgstr "ជនរងគ្រោះដោយអំពើជួញដូរមនុស្ស"

msgid "Library"
msgstr "បណ្ណាល័យ"

msgctxt "label"
msgid "District"
msgstr "ក្រុង/ស្រុក/ខណ្ឌ"
"""


def test_a_planted_bad_translation_is_caught_and_named(glossary: Glossary, tmp_path: Path) -> None:
    """A temporary catalogue with the faults of issue 18 and one of each kind: each is named with its msgid,
    the form found and the form expected; the right messages beside them pass."""
    planted = tmp_path / "karpear" / "newapp" / "locale" / "km" / "LC_MESSAGES" / "django.po"
    planted.parent.mkdir(parents=True)
    planted.write_text(PLANTED, encoding="utf-8")
    assert catalogues(tmp_path) == [planted]
    line = {english: _entry_for(glossary, english).line for english in ("caseworker", "audit log", "not idpoor")}
    line |= {english: _entry_for(glossary, english).line for english in ("person", "district", "equity card")}
    line["start"] = next(e.line for e in glossary.entries if "ចាប់ផ្ដើម" in e.khmer)
    line["woman"] = _entry_for(glossary, "woman").line
    where = "karpear/newapp/locale/km/LC_MESSAGES/django.po"
    glossary_path = "docs/glossary-km.md"
    assert catalogue_problems([planted], glossary, tmp_path) == [
        f"{where}: msgid 'Caseworker': found 'អ្នកគ្រប់គ្រងករណី', expected 'អ្នកកាន់ករណី' "
        f"(avoided for 'caseworker', {glossary_path} line {line['caseworker']})",
        f"{where}: msgid 'Written to the audit log with your name.': found 'សវនកម្ម', "
        f"expected 'កំណត់ហេតុត្រួតពិនិត្យ' (avoided for 'audit log', {glossary_path} line {line['audit log']})",
        f"{where}: msgid 'Start the export': found 'ចាប់ផ្តើម', expected 'ចាប់ផ្ដើម' "
        f"(spelt another way, {glossary_path} line {line['start']})",
        f"{where}: msgid 'Not IDPoor': found 'មិនមានបណ្ណសមធម៌', expected 'មិនបានកំណត់អត្តសញ្ញាណជាគ្រួសារក្រីក្រ' "
        f"(avoided for 'not idpoor', {glossary_path} line {line['not idpoor']})",
        f"{where}: msgid 'Not IDPoor': found 'បណ្ណសមធម៌', expected 'ប័ណ្ណសមធម៌' "
        f"(spelt another way, {glossary_path} line {line['equity card']})",
        f"{where}: msgid 'Only people matching': found 'មនុស្ស', expected 'បុគ្គល' "
        f"(avoided for 'person', {glossary_path} line {line['person']})",
        f"{where}: msgid 'District': found 'ស្រុក', expected 'ក្រុង/ស្រុក/ខណ្ឌ' "
        f"(avoided for 'district', {glossary_path} line {line['district']})",
        f"{where}: msgid 'Women': found 'ស្រ្តី', expected 'ស្ត្រី' (spelt another way, {glossary_path} line {line['woman']})",
        f"{where}: msgid 'Women': found 'ស្រ្តី', expected 'subscript RO last in its cluster (ស្ត្រី, not ស្រ្តី)' "
        "(typing rule)",
        f"{where}: msgid '%(n)s person': found 'មនុស្ស', expected 'បុគ្គល' "
        f"(avoided for 'person', {glossary_path} line {line['person']})",
    ]


# ---------------------------------------------------------------- Khmer outside the catalogues
CODE_SPAN = re.compile(r"`[^`]*`")


def _khmer_texts() -> Iterator[tuple[Path, int, str]]:
    """The Khmer lines of the docs (not the glossary, which quotes the faults), templates and Python code."""
    paths = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    paths += [*(ROOT / "karpear").rglob("*.html"), *(ROOT / "karpear").rglob("*.py")]
    skipped = {"glossary-km.md", "glossary-km-sources.md"}
    for path in sorted(paths):
        if path.name in skipped or {"tests", "migrations"} & set(path.relative_to(ROOT).parts):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if path.suffix == ".md":
                line = CODE_SPAN.sub(" ", line)  # `…` shows what a user types, misspelt on purpose
            if KHMER.search(line):
                yield path, number, line


def test_khmer_in_the_docs_templates_and_demo_data_is_spelt_as_in_the_glossary(glossary: Glossary) -> None:
    problems = [
        f"{path.relative_to(ROOT)}:{number}: found {found!r}, expected {expected!r} ({why})"
        for path, number, line in _khmer_texts()
        for found, expected, why in [*glossary.misspelt(line), *_typing(line)]
    ]
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------- the About page
GLOSSARY_SOURCE_CODES = {"primero": "P:", "mosvy_forms": ".gov_", "oscar": "O:", "karpear": "K"}


def test_the_about_page_words_are_the_glossary_words_with_their_source(glossary: Glossary) -> None:
    assert set(KHMER_WORD_SOURCES) == set(GLOSSARY_SOURCE_CODES)
    for english, khmer, source in KHMER_WORDS:
        entry = _entry_for(glossary, english)
        assert khmer == entry.expected, f"{english}: the About page says {khmer!r}, the glossary {entry.expected!r}"
        assert GLOSSARY_SOURCE_CODES[source] in entry.where, f"{english}: the glossary does not give {source}"


@pytest.mark.parametrize("language", ["km", "en"])
def test_the_about_page_says_which_words_follow_mosvy(client: Client, language: str) -> None:
    client.cookies["karpear_language"] = language
    html = client.get("/about/").content.decode()
    with translation.override(language):
        primero = escape(str(KHMER_WORD_SOURCES["primero"]))
        forms = escape(str(KHMER_WORD_SOURCES["mosvy_forms"]))
    caseworker = '<li><span lang="km">អ្នកកាន់ករណី</span> <span class="muted" lang="en">caseworker</span></li>'
    district = '<li><span lang="km">ក្រុង/ស្រុក/ខណ្ឌ</span> <span class="muted" lang="en">district</span></li>'
    assert f"<h3>{primero}</h3>" in html
    assert html.index(f"<h3>{primero}</h3>") < html.index(caseworker) < html.index(f"<h3>{forms}</h3>")
    assert html.index(f"<h3>{forms}</h3>") < html.index(district)
    assert html.count('<span lang="km">') == len(KHMER_WORDS)
