"""Package data of features: the domain dictionary and the stop words."""
