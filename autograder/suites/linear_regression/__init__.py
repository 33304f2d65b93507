"""Hidden checks of the linear_regression assignment."""
