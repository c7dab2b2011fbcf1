"""Reading an interview transcript as Microsoft Teams writes it into anonymous excerpts, without
writing anything.

Two shapes: WebVTT (`.vtt`), whose cues carry `<v Speaker Name>` voice tags, and Word (`.docx`),
where a line holds the speaker's name and the time and the speech follows below it. The text is
split into turns (consecutive cues or paragraphs of one speaker); the interviewee's turns become
the excerpts and everyone else's are dropped. Every speaker's name — whole, or a first or last
name on its own — is replaced by a pseudonym, in the text as in the labels; the timestamps are
never kept. Other words that look like a person's name (capitalised, not a word MedEd knows to be
ordinary, and at a sentence's start not a word the transcript also writes in lower case) cannot
be told apart from a drug or a place: they are returned as `unsure` for the uploader to confirm,
and the excerpts are only final once each has been decided.
"""

import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from xml.etree import ElementTree

from django.utils.translation import gettext as _

# Teams transcripts of an hour are a few hundred kilobytes; a file far above that is not one.
MAX_BYTES = 5 * 1024 * 1024
DOCX_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
REDACTED = "[name]"

_VOICE = re.compile(r"<v(?:\.[^ >]*)?\s+([^>]+)>(.*?)(?:</v>|$)", re.DOTALL)
_TAG = re.compile(r"</?[^>]+>")
_TIMING = re.compile(r"^\s*\d{1,2}:\d{2}(?::\d{2})?[.,]\d{3}\s+-->")
# "Tom Okafor   0:03", "Tom Okafor 1:02:03", "Tom Okafor   00:00:03.120".
_DOCX_SPEAKER = re.compile(r"^(?P<name>[^\d\s].*?)\s+(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d+)?$")
# Lower-case words a display name may hold ("Ludwig van Beethoven", "Aisha bin Rashid").
_NAME_PARTICLES = frozenset("van von de der den da di d du del della la le bin binti al el dos das ter ten y e".split())
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’-]*")
# Capitalised words that are not names, met in interviews about a medical school's teaching.
ORDINARY_WORDS = frozenset(
    """i i'm i've i'd i'll a an the and but so or yeah yes no ok okay um uh oh well like right
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december christmas easter year years meded teams zoom
    microsoft osce osces gp nhs uk london imperial university school medicine medical phase
    anatomy physiology pharmacology pathology biochemistry cardiology neurology respiratory renal
    english covid ucat bmat ukcat ukmla psa sba sbas emq emqs finals mock it it's its this that
    these those then there they we you he she my our your if as in on at for to of with from after
    before also actually basically obviously maybe probably really just not what when where why how
    because sure honestly definitely now people thanks thank""".split()
)


class UnreadableTranscript(Exception):
    """The file is not a Teams transcript MedEd can read; the message says why."""


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str


@dataclass
class Transcript:
    """The turns read from a file, and who spoke, in order of first speaking."""

    turns: list[Turn]

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(turn.speaker for turn in self.turns))


@dataclass
class Anonymised:
    excerpts: list[str]
    # Words that may be names, each with an excerpt it appears in, for the uploader to decide.
    unsure: dict[str, str] = field(default_factory=dict)
    dropped_turns: int = 0


def _clean(text: str) -> str:
    return " ".join(_TAG.sub("", text).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").split())


def _merge(turns: list[Turn]) -> list[Turn]:
    merged: list[Turn] = []
    for turn in turns:
        if not turn.text:
            continue
        if merged and merged[-1].speaker == turn.speaker:
            merged[-1] = Turn(turn.speaker, f"{merged[-1].text} {turn.text}")
        else:
            merged.append(turn)
    return merged


def _read_vtt(text: str) -> list[Turn]:
    lines = text.splitlines()
    if not lines or not lines[0].startswith("WEBVTT"):
        raise UnreadableTranscript(_("The file is not a WebVTT transcript: its first line is not “WEBVTT”."))
    turns, speaker, in_cue = [], None, False
    for line in lines[1:]:
        if not line.strip():
            in_cue = False
            continue
        if _TIMING.match(line):
            in_cue = True
            continue
        if not in_cue:
            continue  # a cue's id, a NOTE or a STYLE block
        voices = _VOICE.findall(line)
        if voices:
            for name, said in voices:
                speaker = " ".join(name.split())
                turns.append(Turn(speaker, _clean(said)))
        elif speaker is not None:
            turns.append(Turn(speaker, _clean(line)))
    return turns


def _docx_paragraphs(data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > DOCX_MAX_UNCOMPRESSED_BYTES:
                raise UnreadableTranscript(_("The document is too large to be a transcript."))
            root = ElementTree.fromstring(archive.read("word/document.xml"))  # noqa: S314 -- no DTDs or entities in WordprocessingML; expat does not fetch
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        raise UnreadableTranscript(_("The file could not be read as a Word document (.docx).")) from None
    paragraphs = []
    for paragraph in root.iter(f"{_W}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag in (f"{_W}br", f"{_W}tab"):
                parts.append(" ")
        paragraphs.append("".join(parts).strip())
    return paragraphs


def _is_display_name(name: str) -> bool:
    """Whether the text before a time on a line reads as a Teams display name ("Okafor, Tom
    (Guest)", "Omar al-Hassan", "李明"), not speech that ends in a time ("My first session started
    at 6:30"): a few words, none starting in lower case unless a particle ("van", "al-", "d'"),
    bracketed, or an e-mail address."""
    words = name.replace(",", " ").split()

    def fits(word: str) -> bool:
        first = re.split(r"[-'’]", word)[0]
        return not word[0].islower() or first in _NAME_PARTICLES or word[0] in "([" or "@" in word

    return 0 < len(words) <= 6 and all(fits(word) for word in words)


def _read_docx(data: bytes) -> list[Turn]:
    paragraphs = [paragraph for paragraph in _docx_paragraphs(data) if paragraph]
    matches = [_DOCX_SPEAKER.match(paragraph) for paragraph in paragraphs]
    # A name that heads two or more such lines is a speaker's however it is written (a guest who
    # typed their name in lower case); speech does not end in the same words and a time twice.
    seen = Counter(" ".join(match["name"].split()) for match in matches if match)
    turns, speaker = [], None
    for paragraph, match in zip(paragraphs, matches, strict=True):
        name = " ".join(match["name"].split()) if match else ""
        if match and (_is_display_name(name) or seen[name] > 1):
            speaker = name
        elif speaker is not None:
            turns.append(Turn(speaker, _clean(paragraph)))
    return turns


def read_transcript(*, data: bytes, filename: str) -> Transcript:
    """The turns of a Teams transcript (.vtt or .docx). Raises UnreadableTranscript."""
    if len(data) > MAX_BYTES:
        raise UnreadableTranscript(_("The file is larger than a transcript can be (5 MB)."))
    name = filename.lower()
    if name.endswith(".docx") or data[:4] == b"PK\x03\x04":
        turns = _read_docx(data)
    elif name.endswith(".vtt") or data.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UnreadableTranscript(_("The transcript is not UTF-8 text.")) from None
        turns = _read_vtt(text)
    else:
        raise UnreadableTranscript(_("Upload the transcript as Teams gives it: a .vtt or a .docx file."))
    turns = _merge(turns)
    if not turns:
        raise UnreadableTranscript(_("No one speaks in this transcript: no speaker's name was found."))
    return Transcript(turns)


def _name_pattern(names: list[str]) -> re.Pattern | None:
    """Whole names first, so "Tom Okafor" is replaced as one, not as "Tom" and then "Okafor"; in
    any case ("KWAME MENSAH", "kwame")."""
    names = sorted({name for name in names if name}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<![\w])(" + "|".join(re.escape(name) for name in names) + r")(?![\w])", re.IGNORECASE)


def pseudonyms_for(transcript: Transcript, *, interviewee: str, participant: str) -> dict[str, str]:
    """Each spoken name, whole and in parts, and what replaces it: the interviewee's pseudonym,
    or "Interviewer" (numbered when there are several)."""
    others = [speaker for speaker in transcript.speakers if speaker != interviewee]
    labels = {interviewee: participant}
    for number, speaker in enumerate(others, start=1):
        labels[speaker] = _("Interviewer") if len(others) == 1 else _("Interviewer %s") % number
    replacements = {}
    for speaker, label in labels.items():
        parts = [part for part in re.split(r"[\s,]+", speaker) if len(part) > 1 and "@" not in part]
        for part in parts:
            replacements.setdefault(part, label)
        replacements[speaker] = label
    return replacements


def anonymise(
    transcript: Transcript,
    *,
    interviewee: str,
    participant: str,
    redact: frozenset[str] = frozenset(),
    keep: frozenset[str] = frozenset(),
) -> Anonymised:
    """The interviewee's turns with every speaker's name replaced (see `pseudonyms_for`), the words
    in `redact` replaced by "[name]", and the words that may be names and are in neither set
    listed in `unsure`."""
    if interviewee not in transcript.speakers:
        raise UnreadableTranscript(
            _("“%(name)s” does not speak in this transcript; the speakers are %(speakers)s.")
            % {"name": interviewee, "speakers": ", ".join(transcript.speakers)}
        )
    replacements = pseudonyms_for(transcript, interviewee=interviewee, participant=participant)
    label_of = {name.casefold(): label for name, label in replacements.items()}
    speakers = _name_pattern(list(replacements))
    redacted = _name_pattern(sorted(redact))
    decided = {word.casefold() for word in redact | keep}
    known = set(label_of)

    hidden = {word.casefold() for word in redact}

    def pseudonym(match: re.Match) -> str:
        # A speaker's first or last name written in lower case may be an ordinary word ("will",
        # "grace"): it is replaced once the uploader says to hide it, and until then left for them
        # to decide (`unsure`), never silently kept.
        said = match[1]
        if said.islower() and " " not in said and said not in hidden:
            return said
        # casefold and the pattern's IGNORECASE can differ ("İpek" matches "Ipek"): ask the pattern.
        return label_of.get(said.casefold()) or next(
            label for name, label in replacements.items() if re.fullmatch(re.escape(name), said, re.IGNORECASE)
        )

    lowercase = {
        match.group() for turn in transcript.turns for match in _WORD.finditer(turn.text) if match.group().islower()
    }
    result = Anonymised(excerpts=[])
    for turn in transcript.turns:
        if turn.speaker != interviewee:
            result.dropped_turns += 1
            continue
        text = speakers.sub(pseudonym, turn.text)
        if redacted is not None:
            text = redacted.sub(REDACTED, text)
        for word in _possible_names(text, lowercase=lowercase, speakers=known):
            if word.casefold() not in decided and (word.casefold() not in known or word.islower()):
                result.unsure.setdefault(word, text)
        result.excerpts.append(text)
    return result


def _possible_names(text: str, *, lowercase: set[str], speakers: set[str] = frozenset()) -> list[str]:
    """Words that may be names: capitalised and not ordinary, not a word of a pseudonym
    ("Participant 7", "Interviewer"); in capitals, when four letters or more (shorter ones are
    abbreviations: GP, ECG, A&E); and a speaker's name left in lower case. Inside a sentence a
    capital is telling; at a sentence's start it is not, so there a word is left out when the
    transcript also has it in lower case somewhere (`lowercase`) — "Honestly" is, "Priya" is not."""
    found = []
    for match in _WORD.finditer(text):
        word = match.group()
        before = text[: match.start()].rstrip()
        sentence_start = not before or before[-1] in '.!?"“(:'
        folded = word.casefold()
        if word.islower():
            if folded in speakers:
                found.append(word)
            continue
        if (
            word[0].isupper()
            and folded not in ORDINARY_WORDS
            and word not in (_("Participant"), _("Interviewer"))
            and (not word.isupper() or len(word) >= 4)
            and not (sentence_start and folded in lowercase)
        ):
            found.append(word)
    return list(dict.fromkeys(found))
