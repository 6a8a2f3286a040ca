"""``python -m benchmarks [--quick] [--large] [--only NAME[,NAME]] [--out DIR]``."""

from benchmarks import pin_threads

if __name__ == "__main__":  # spawned pool workers import this module as __mp_main__
    pin_threads()  # before numpy is imported below

    from benchmarks.suite import main

    raise SystemExit(main())
