"""Discussion models: comments, reactions, reports, reader questions, word rules."""
