"""The coach workflow: portfolios, batch runs, shortlists, exports, feedback, the reranker."""
