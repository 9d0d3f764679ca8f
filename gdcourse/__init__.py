"""gdcourse."""
