"""The demo city: Hangzhou's districts, generated cells, accounts and routing for a walk-through."""
