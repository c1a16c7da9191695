"""The web UI: a thin Gradio layer over :class:`newsqa.qa.pipeline.NewsQA`.

``newsqa.ui.app.build_app(qa)`` builds the page: a chat tab (streamed answers, clickable
``[n]`` chips that open the cited source with its paragraph, follow-up questions made
standalone by :class:`newsqa.qa.followup.FollowUpRewriter`, a 自動/繁體/简体 answer
script toggle, 👍/👎 feedback logged by :mod:`newsqa.feedback`, a collapsed 「時間範圍」 for a
date range and the day 「去年」 is read against: :mod:`newsqa.ui.time_controls`), an archive tab (upload,
list, search, delete; :mod:`newsqa.ui.archive`) and the ``/ask`` API endpoint, which
returns exactly the ``newsqa ask --json`` object. ``newsqa.ui.app.serve(settings)`` loads
the index once (or starts without one) and launches the server (``newsqa serve``).

The UI holds no retrieval or answering logic: it only calls ``qa.ask`` (and the ingest
pipeline's ``ingest_paths``/``delete_documents`` for the archive) and renders the
:class:`newsqa.types.Answer`, HTML-escaping every piece of article text and user input.
"""
