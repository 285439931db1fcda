"""Reader questions: readers ask, editors feature and answer, the best become
FAQ entries."""
