"""The programme's web shell: the `/api/v1` routes, their pydantic models, the pages."""
