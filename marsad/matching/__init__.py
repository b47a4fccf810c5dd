"""The pure matching core: Arabic/Latin folding with offsets, entity and term recognition,
the query language and explanations.  No network, no database, no clock.

Recognition: `normalise.normalise`, `tokens.tokenise`, `entities.Entity`,
`recognise.Recogniser` (one pass per field, every hit with its original span).
"""
