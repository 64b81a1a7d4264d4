"""Organizations across books: printed names → canonical organizations and their groups
(`names.py` reads one name, `resolve.py` links names; `data/organizations/known.toml` holds
brand and legal names that share nothing a rule could see)."""

from .resolve import (
    Link,
    Org,
    Relation,
    Resolution,
    Resolver,
    Use,
    relation,
    relations,
    same_group,
    same_organization,
    write_reason,
)

__all__ = [
    "Link",
    "Org",
    "Relation",
    "Resolution",
    "Resolver",
    "Use",
    "relation",
    "relations",
    "same_group",
    "same_organization",
    "write_reason",
]
