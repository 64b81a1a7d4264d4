"""Search: the BM25 case index over jieba tokens with synonym concepts, an optional dense
leg fused by reciprocal rank, results grouped by case with snippets and facets."""

from ..models import Filters
from .engine import Hit, Result, search, similar
from .index import index_book

__all__ = ["Filters", "Hit", "Result", "index_book", "search", "similar"]
