"""Speed, scale and load: the engine benchmark, the brief and check timings, the server under load."""
