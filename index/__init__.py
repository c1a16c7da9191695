"""The index: FAISS vectors, BM25 and the docstore behind one facade (``NewsIndex``)."""
