"""Files → normalised documents → the index (cut into chunks by ``newsqa.index.chunker``)."""
