"""Around one entity: the most similar and the complementing entities, and the catalogue map."""
