"""The web UI: a thin Gradio layer over :class:`newsqa.qa.pipeline.NewsQA`.

``newsqa.ui.app.build_app(qa)`` builds the chat page (chat, example questions, a
sources panel with the cited sentence highlighted) and the ``/ask`` API endpoint,
which returns exactly the ``newsqa ask --json`` object. ``newsqa.ui.app.serve(settings)``
loads the index once and launches the server (``newsqa serve``).

The UI holds no retrieval or answering logic: it only calls ``qa.ask`` and renders the
:class:`newsqa.types.Answer`, HTML-escaping every piece of article text and user input.
"""
