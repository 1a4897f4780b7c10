"""Aurora's Reflex UI. It reaches the backend only over HTTP."""
