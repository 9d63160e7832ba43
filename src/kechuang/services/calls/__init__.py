"""Open calls and scenarios (M4): calls, applications, reviews, results, awards."""
