"""Lagkoll: check a library plan against the requirement list, requirement by requirement, with quotes."""

from __future__ import annotations

import csv
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import numpy as np

from planbot.chunking import is_list_item, split_sentences
from planbot.filters import Filters
from planbot.pipeline import Pipeline
from planbot.records import Chunk, Vectors

from .requirements import Requirement, RequirementList

Status = Literal["behandlas", "nämns", "saknas"]
STATUSES: tuple[Status, ...] = ("behandlas", "nämns", "saknas")


@dataclass(frozen=True)
class Evidence:
    """A plan sentence that addresses a requirement: quoted verbatim from its passage."""

    chunk: Chunk
    quote: str
    cues: tuple[str, ...]
    commits: bool
    similarity: float


@dataclass(frozen=True)
class LawSource:
    """The passage a requirement rests on; ``verified`` when its wording was found verbatim in the index."""

    document_id: str
    title: str
    locator: str
    text: str
    source_url: str | None
    verified: bool


@dataclass(frozen=True)
class RequirementResult:
    """One requirement's status in the plan, the plan's sentences behind it, and the law's wording."""

    requirement: Requirement
    status: Status
    evidence: tuple[Evidence, ...]
    law: LawSource
    best_similarity: float = 0.0


@dataclass(frozen=True)
class LagkollReport:
    """The whole check of one plan; ``baseline`` is what "near in meaning" is measured against."""

    document_id: str
    title: str
    requirement_file: str
    results: tuple[RequirementResult, ...]
    baseline: float = 0.0

    def counts(self) -> dict[Status, int]:
        """How many requirements got each status."""
        return {s: sum(r.status == s for r in self.results) for s in STATUSES}


@dataclass(frozen=True)
class _Reading:
    """What the plan says about one requirement before its status is decided."""

    requirement: Requirement
    found: list[Evidence]
    nearest: Evidence | None
    top: float


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    lead: str
    previous: str = ""


def _units(text: str) -> list[_Unit]:
    """A passage's sentences, each with its list's lead-in (items) or the paragraph's previous sentence."""
    out: list[_Unit] = []
    lead = ""
    last_end, last = 0, ""
    for start, end in split_sentences(text):
        piece = text[start:end]
        if is_list_item(piece):
            out.append(_Unit(start, end, lead))
            last = ""
        else:
            same_paragraph = bool(last) and "\n\n" not in text[last_end:start]
            out.append(_Unit(start, end, "", last if same_paragraph else ""))
            # "Så här gör vi:" introduces a list, and so does an unfinished sentence ("... kan biblioteket
            # till exempel erbjuda" followed by the items).
            last = piece.strip()
            lead = last if last.endswith(":") or not last.endswith((".", "!", "?")) else ""
        last_end = end
    return out


def _search_text(req: Requirement) -> str:
    """What is searched for a requirement: its query and its cue words (wildcards dropped)."""
    return " ".join([req.query, *(c.replace("*", "") for c in req.cues.cues)])


class LagkollChecker:
    """Checks plans in the index against a requirement list, searching only inside the plan."""

    def __init__(self, pipeline: Pipeline, requirements: RequirementList) -> None:
        self.pipeline = pipeline
        self.requirements = requirements

    def check(self, document_id: str) -> LagkollReport:
        """Every requirement's status in the plan ``document_id`` (NotFound if it is not indexed)."""
        doc, chunks = self.pipeline.document(document_id)
        laws = self._law_sources()
        probes = _probe_vectors(self.pipeline, self.requirements)
        readings = [self._read(req, document_id, chunks, probes) for req in self.requirements.requirements]
        # How near the plan's sentences come to requirements in general: the bar for "near in meaning" is
        # set against it, so it holds for short and long plans and for either kind of sentence vector.
        tops = [r.top for r in readings]
        baseline = float(np.quantile(tops, self.requirements.mention_baseline)) if tops else 0.0
        results = tuple(self._decide(r, laws[r.requirement.id], baseline) for r in readings)
        return LagkollReport(doc.id, doc.title, self.requirements.source, results, baseline)

    def _read(
        self, req: Requirement, document_id: str, chunks: list[Chunk], probes: dict[str, Vectors]
    ) -> _Reading:
        """The plan sentences addressing ``req`` by its cues, and the nearest one by meaning that does not."""
        _, ranked = self.pipeline.search(
            _search_text(req), self.requirements.passages, Filters(document_id=[document_id])
        )
        # Retrieval ranks the plan's passages; every passage holding a cue is read too, so a requirement
        # the plan covers in words the search ranked low is still found (a wrong "saknas" is the worst error).
        candidates = {p.chunk.id: p.chunk for p in ranked}
        for chunk in chunks:
            if chunk.id not in candidates and (req.cues.find(chunk.text) or req.cues.find(_heading(chunk))):
                candidates[chunk.id] = chunk
        similarity: dict[tuple[str, int], float] = {}
        # Which other requirements each sentence is nearer to in meaning (see `_claimed`).
        nearer: dict[tuple[str, int], list[Requirement]] = {}
        documents = self.pipeline.retriever.documents
        own = probes[req.id]
        for sv in self.pipeline.index.sentence_vectors(list(candidates), documents):
            sim = float((own @ sv.vector).max()) if len(own) else 0.0
            similarity[(sv.chunk_id, sv.end)] = sim
            nearer[(sv.chunk_id, sv.end)] = [
                r
                for r in self.requirements.requirements
                if r.id != req.id and len(probes[r.id]) and float((probes[r.id] @ sv.vector).max()) > sim
            ]
        rules = self.requirements.commitment
        found: list[Evidence] = []
        nearest: Evidence | None = None
        for chunk in candidates.values():
            heading = _heading(chunk)
            headings = tuple(h for h in chunk.heading_path if h != chunk.title)
            for unit in _units(chunk.text):
                sentence = chunk.text[unit.start : unit.end].strip()
                sim = similarity.get((chunk.id, unit.end), 0.0)
                context = f"{unit.lead}\n{heading}"
                cues = req.addressed_by(sentence, context) or (
                    req.addressed_by(heading, f"{unit.lead}\n{sentence}") if heading else []
                )
                if not cues and rules.attribution.find(sentence):
                    # A sentence restating the law is about the law's requirement whatever `also` asks.
                    cues = req.cues.find(sentence)
                if not cues:
                    # A sentence near in meaning stands in only where the requirement's `also` words occur,
                    # and not when it belongs to another requirement (`_claimed`).
                    near = req.also.pattern is None or bool(req.also.find(f"{sentence}\n{context}"))
                    near = near and not _claimed(sentence, nearer.get((chunk.id, unit.end), []))
                    # A sentence restating the law is about the provisions it names by their cues.
                    near = near and not (
                        rules.attribution.find(sentence) and _claimed(sentence, self._others(req))
                    )
                    if near and (nearest is None or sim > nearest.similarity):
                        nearest = Evidence(chunk, sentence, (), False, sim)
                    continue
                commits = rules.commits(sentence, unit.lead, headings, unit.previous) or (
                    req.statement_counts(sentence) and rules.plain(sentence, unit.lead, unit.previous)
                )
                # Some wording makes a hit belong to another requirement: children's reading is 8 §, not 7 §.
                commits = commits and not req.mention_only_with.find(f"{sentence}\n{context}")
                # Some requirements need a detail beside the promise: "ska följas upp" says not when or how.
                if req.commits_only_with.pattern is not None:
                    commits = commits and bool(req.commits_only_with.find(f"{sentence}\n{context}"))
                found.append(Evidence(chunk, sentence, tuple(cues), commits, sim))
        found.sort(key=lambda e: (-e.commits, -len(e.cues), -e.similarity))
        return _Reading(req, found, nearest, max(similarity.values(), default=0.0))

    def _others(self, req: Requirement) -> list[Requirement]:
        """Every requirement in the list but ``req``."""
        return [r for r in self.requirements.requirements if r.id != req.id]

    def _decide(self, reading: _Reading, law: LawSource, baseline: float) -> RequirementResult:
        """behandlas or nämns by the cue evidence; without it, nämns by meaning or else saknas."""
        found, nearest = reading.found, reading.nearest
        status: Status = "saknas"
        if found:
            status = "behandlas" if found[0].commits else "nämns"
        elif nearest is not None and nearest.similarity - baseline >= self.requirements.mention_margin:
            # No cue, but a sentence close in meaning: report it as mentioned rather than missing.
            status, found = "nämns", [nearest]
        best = max([e.similarity for e in found] + ([nearest.similarity] if nearest else []), default=0.0)
        return RequirementResult(
            reading.requirement, status, tuple(found[: self.requirements.quoted]), law, best
        )

    def _law_sources(self) -> dict[str, LawSource]:
        """Each requirement's law passage, checked verbatim against the index when the law is indexed."""
        docs = self.pipeline.documents()
        by_doc: dict[str, dict[str, str]] = {}
        out: dict[str, LawSource] = {}
        for req in self.requirements.requirements:
            indexed = docs.get(req.document_id)
            if indexed is not None and req.document_id not in by_doc:
                _, law_chunks = self.pipeline.document(req.document_id)
                texts: dict[str, str] = {}
                for c in law_chunks:
                    texts[c.locator] = texts.get(c.locator, "") + "\n\n" + c.text
                by_doc[req.document_id] = texts
            verified = req.law_text in by_doc.get(req.document_id, {}).get(req.locator, "")
            out[req.id] = LawSource(
                req.document_id,
                indexed.title if indexed else req.document_id,
                req.locator,
                req.law_text,
                indexed.source_url if indexed else None,
                verified,
            )
        return out


# Probe vectors per (embedder, probe texts): the same list is checked again and again by one process.
_PROBE_CACHE: OrderedDict[tuple[str, tuple[str, ...]], Vectors] = OrderedDict()
_PROBE_LOCK = threading.Lock()


def _probe_vectors(pipeline: Pipeline, requirements: RequirementList) -> dict[str, Vectors]:
    """Each requirement's probes (examples and cues) embedded as queries, one row per probe."""
    texts = tuple(dict.fromkeys(t for r in requirements.requirements for t in r.probes()))
    key = (pipeline.embedder.name, texts)
    with _PROBE_LOCK:
        vectors = _PROBE_CACHE.get(key)
    if vectors is None:
        vectors = pipeline.embedder.embed(list(texts), query=True) if texts else np.zeros((0, 1), np.float32)
        with _PROBE_LOCK:
            _PROBE_CACHE[key] = vectors
            while len(_PROBE_CACHE) > 4:
                _PROBE_CACHE.popitem(last=False)
    row = {t: i for i, t in enumerate(texts)}
    return {r.id: vectors[[row[t] for t in r.probes()]] for r in requirements.requirements}


def _claimed(sentence: str, nearer: list[Requirement]) -> bool:
    """Whether ``sentence`` addresses (by its cues) one of the requirements nearer to it in meaning."""
    # Such a sentence is about that requirement ("a meeting place for talk about society" is 2 §'s
    # democracy, not its culture), so it stands in for no other one by meaning.
    return any(r.addressed_by(sentence) for r in nearer)


def _heading(chunk: Chunk) -> str:
    """The passage's own section heading (not the document title)."""
    inner = [h for h in chunk.heading_path if h != chunk.title]
    return inner[-1] if inner else ""


def check_plan(pipeline: Pipeline, document_id: str) -> LagkollReport:
    """Check one indexed plan with the pipeline's configured requirement list."""
    from .requirements import load_requirements

    return LagkollChecker(pipeline, load_requirements(pipeline.settings.lagkrav_file)).check(document_id)


def unverified_sources(report: LagkollReport) -> list[str]:
    """Requirements whose law wording was not found verbatim in the indexed passage they name."""
    return [r.requirement.id for r in report.results if not r.law.verified]


# -- exports ---------------------------------------------------------------------------------------------

_STATUS_MARK: dict[Status, str] = {"behandlas": "✔ behandlas", "nämns": "~ nämns", "saknas": "✘ saknas"}


def to_markdown(report: LagkollReport) -> str:
    """The report as Markdown: one section per requirement, the law beside the plan's own words."""
    c = report.counts()
    lines = [
        f"# Lagkoll: {report.title}",
        "",
        f"Dokument: `{report.document_id}` · Kravlista: `{report.requirement_file}` · "
        f"behandlas {c['behandlas']}, nämns {c['nämns']}, saknas {c['saknas']}",
        "",
    ]
    for r in report.results:
        req = r.requirement
        optional = " (där det är relevant)" if req.optional else ""
        lines += [f"## {req.title}{optional}", "", f"**{_STATUS_MARK[r.status]}**", ""]
        law = r.law
        lines.append(f"> {' '.join(law.text.split())}")
        lines += [f"> — {law.title}, {law.locator}", ""]
        for e in r.evidence:
            page = f", s. {e.chunk.page}" if e.chunk.page and "s." not in e.chunk.locator else ""
            lines.append(f"- \u201c{' '.join(e.quote.split())}\u201d ({e.chunk.locator}{page})")
        if r.evidence:
            lines.append("")
    return "\n".join(lines)


CSV_COLUMNS = ["krav_id", "krav", "status", "lagrum", "lagtext", "planens_ställe", "citat_ur_planen"]


def to_csv(report: LagkollReport) -> str:
    """The report as CSV, one row per requirement (several plan quotes joined by ' | ')."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in report.results:
        writer.writerow(
            [
                r.requirement.id,
                r.requirement.title,
                r.status,
                f"{r.law.title}, {r.law.locator}",
                " ".join(r.law.text.split()),
                " | ".join(e.chunk.locator for e in r.evidence),
                " | ".join(" ".join(e.quote.split()) for e in r.evidence),
            ]
        )
    return out.getvalue()
