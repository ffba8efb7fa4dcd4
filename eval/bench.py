"""Speed benchmark (random-weight models of the real shapes); see mt/bench.py and `mtbrief bench -h`."""

from mt.bench import main

raise SystemExit(main())
