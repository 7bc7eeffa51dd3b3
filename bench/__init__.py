"""`make bench`: the benchmark suite of issue 7, run on the local stack. See bench/README.md."""
