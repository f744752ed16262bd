"""The plain LangChain recipe, for comparison: 1000/200 character chunks and Chroma similarity search."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings

from planbot.embedding import Embedder
from planbot.records import Document


class LangChainEmbeddings(Embeddings):
    """Our Embedder seen as LangChain ``Embeddings``."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Passage vectors."""
        out: list[list[float]] = []
        for lo in range(0, len(texts), 16):
            out.extend(self.embedder.embed(texts[lo : lo + 16]).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        """A query vector."""
        vector: list[float] = self.embedder.embed([text], query=True)[0].tolist()
        return vector


class Baseline:
    """RecursiveCharacterTextSplitter(1000, 200) + langchain-chroma similarity search, same embedder."""

    def __init__(self, documents: Sequence[Document], embedder: Embedder) -> None:
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        pieces = splitter.split_documents(
            [LCDocument(page_content=d.text, metadata={"document_id": d.id}) for d in documents]
        )
        self._dir = tempfile.TemporaryDirectory(prefix="planbot-baseline-")
        self.store: Any = Chroma(
            collection_name="baseline",
            embedding_function=LangChainEmbeddings(embedder),
            persist_directory=self._dir.name,
        )
        self.store.add_documents(pieces)
        self.chunks = len(pieces)

    def search(self, question: str, k: int = 10) -> list[str]:
        """Texts of the ``k`` most similar chunks."""
        return [d.page_content for d in self.store.similarity_search(question, k=k)]

    def searcher(self, k: int = 10) -> Callable[[str], list[str]]:
        """``search`` with ``k`` fixed."""
        return lambda question: self.search(question, k)

    def close(self) -> None:
        """Remove the baseline's temporary index."""
        self._dir.cleanup()
