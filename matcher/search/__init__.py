"""Search: retrieval, calibration, fusion, filters, ranking, explanations and the reranker."""
