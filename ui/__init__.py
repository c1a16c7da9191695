"""The web UI: a thin Gradio layer over :class:`newsqa.qa.pipeline.NewsQA`.

``newsqa.ui.app.build_app(qa)`` builds the page: a chat tab (streamed answers, clickable
``[n]`` chips that open the cited source with its paragraph, follow-up questions made
standalone by :class:`newsqa.qa.followup.FollowUpRewriter`, a 自動/繁體/简体 answer
script toggle, 👍/👎 feedback logged by :mod:`newsqa.ui.feedback`, a collapsed 「時間範圍」 for a
date range and the day 「去年」 is read against: :mod:`newsqa.ui.time_controls`), an archive tab (upload,
list, search, delete; :mod:`newsqa.ui.archive`) and the ``/ask`` API endpoint, which
returns exactly the ``newsqa ask --json`` object. ``newsqa.ui.app.serve(settings)`` loads
the index once (or starts without one) and launches the server (``newsqa serve``).

The UI holds no retrieval or answering logic: it only calls the core's typed methods
(``NewsQA.ask``/``ask_stream``, ``is_empty``, ``documents``, ``get_document``,
``index_stats``; ``NewsQA.add_files``/``delete_documents`` for the archive: the
:class:`newsqa.ui.live.QACore` protocol names them all) and renders the
:class:`newsqa.types.Answer`, HTML-escaping every piece of article text and user input.

Rooms: ``app`` (layout, event wiring, ``serve``), ``chat`` (chat and ``/ask`` handlers),
``archive_tab`` (archive HTML and handlers) over ``archive`` (uploads, background
indexing, document rows), ``render`` (answers, source cards, panel), ``assets`` (CSS and
JavaScript), ``live`` (the core behind the page), ``examples``, ``time_controls``, ``feedback``.
"""
