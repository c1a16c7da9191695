"""Files → normalised documents → chunks."""
