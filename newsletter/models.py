"""Newsletter models: newsletters, subscribers, issues and deliveries."""
