"""Search: the BM25 case index over jieba tokens with synonym concepts, an optional dense
leg fused by reciprocal rank, results grouped by case with snippets and facets."""

from ..models import Filters
from .engine import search, similar
from .index import index_book
from .results import Hit, Result, Snippet
from .tuning import TUNING, Tuning

__all__ = ["TUNING", "Filters", "Hit", "Result", "Snippet", "Tuning", "index_book", "search", "similar"]
