//! Retrieval and answer-quality metrics for RAG and LLM evaluation.
