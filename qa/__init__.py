"""Retrieval and answers with citations."""
