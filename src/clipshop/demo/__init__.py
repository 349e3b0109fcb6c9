"""Demo content: synthetic clips and other material for seeding a fresh deployment."""
