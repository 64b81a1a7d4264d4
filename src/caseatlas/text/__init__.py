"""The ground floor of text tools every stage shares, importing nothing of caseatlas but
`vocab`, `models` and `errors`: `numbers` (read and written), `sentences` (where sentences
and clauses end), `paragraphs` (wrapped lines joined, with line provenance), `tokenizer`
(traditional→simplified, rjieba words, stop words). Each is imported as its module
(`from caseatlas.text.paragraphs import paragraphs`)."""
