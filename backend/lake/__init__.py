"""Write-side operations on Delta datasets: erase (GDPR)."""
