"""Who is asking: accounts, passwords, sessions and tokens, the principal and its scopes."""
