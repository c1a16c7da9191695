"""newsqa's performance benchmark (``make bench`` / ``python -m bench``); see ``bench/run.py``."""
