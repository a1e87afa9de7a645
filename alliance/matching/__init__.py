"""Matching: recommendations (who should apply to what) and the pilot matching
(which start-up pilots with which challenge). ``pilots`` and ``recommend`` are
pure functions over ids, numbers and texts; the database work sits on top."""
