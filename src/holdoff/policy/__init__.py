"""The policy: the ``policy:`` section of the configuration (:mod:`.section`), its parts (:mod:`.config`)
and how it is described (:mod:`.describe`)."""
