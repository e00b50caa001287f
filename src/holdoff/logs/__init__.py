"""Log intelligence: parsing records (:mod:`.parse`, :mod:`.otlp`), mining templates (:mod:`.miner`),
classifying severity (:mod:`.classify`); the shared values are in :mod:`.model`."""
