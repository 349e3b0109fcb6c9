"""Region cells: which region holds whose data, and the gate every cross-region access goes through."""
