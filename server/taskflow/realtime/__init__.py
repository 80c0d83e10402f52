"""Live boards: rooms per board, fan-out across replicas, presence, resume."""
