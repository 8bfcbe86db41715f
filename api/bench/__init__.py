"""`casetrace bench`: the runner and its phases; each context brings its own workload."""
