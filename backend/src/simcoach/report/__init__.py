"""Post-session report: the evidence packet, the model's answer, and the check that it rests on the evidence."""
