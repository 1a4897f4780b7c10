"""What datasets exist, their columns, vintages and settings. Runs no user SQL itself."""
