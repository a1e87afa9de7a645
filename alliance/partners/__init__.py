"""Partner companies of the Alliance and their members."""
