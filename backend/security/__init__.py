"""Who the caller is and what they may do: passwords, tokens, API keys, the auth gate."""
