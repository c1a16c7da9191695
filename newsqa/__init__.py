"""newsqa: retrieval-augmented question answering over Chinese news, with citations, offline.

The stages live in their own sub-packages (top-level folders of the repository):
``newsqa.ingest`` (files → documents → chunks), ``newsqa.index`` (FAISS + BM25 +
docstore behind one facade), ``newsqa.qa`` (retrieval and cited answers),
``newsqa.ui`` (the Gradio app) and ``newsqa.evals`` (scoring any configuration).
"""

__version__ = "0.1.0"
