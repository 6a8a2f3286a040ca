"""Charts and decks: a deck style, standard charts as free functions, and report builders."""
