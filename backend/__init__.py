"""Aurora's FastAPI service: query specs in, pages and files out."""
