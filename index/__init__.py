"""The index: FAISS vectors, BM25 and the docstore behind one facade (``NewsIndex``), opened
by ``newsqa.index.access`` and cut into passages by ``newsqa.index.chunker``."""
