"""The benchmark harness: ``slvg-bench run`` (generate + score one method on one dataset).

- :mod:`.config`       RunConfig and the tasks' default metrics
- :mod:`.jobs`         the (source, driving, target) jobs of each task
- :mod:`.checkpoints`  which checkpoint a method runs with (given, trained, or train now)
- :mod:`.runner`       the resumable, shardable run: generate, save, score, aggregate
"""
