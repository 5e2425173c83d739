"""Data contracts: one pandera model per input table, and readers that bring files to them."""
