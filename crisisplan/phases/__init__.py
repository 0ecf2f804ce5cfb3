"""The core of each phase: plain data in, results and events out; no terminal here."""
