"""rFactor 2 and Le Mans Ultimate: the rF2 Shared Memory Map Plugin pages and LMU's own ``LMU_Data`` page."""
