"""Search: passage index (FTS5/BM25 over jieba tokens), optional dense leg, grouped results."""

from .engine import Filters, Hit, Result, search, similar
from .index import index_book

__all__ = ["Filters", "Hit", "Result", "index_book", "search", "similar"]
