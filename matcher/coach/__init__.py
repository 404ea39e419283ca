"""The coach workflow: portfolios, batch runs, shortlists, feedback and reranker training."""
