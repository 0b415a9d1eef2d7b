"""RaceRoom Racing Experience: the ``$R3E`` shared-memory page, read and mapped to the common frame."""
